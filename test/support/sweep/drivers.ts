/**
 * How the kill-point sweep starts each workflow and what the instance must look like once the
 * workflow's task has ended. The kill points themselves come from the workflow registry (every
 * step, before and after, and the end), so a new step is swept without a word here; a new
 * *workflow* needs a driver — the sweep fails, naming it, until it has one.
 */

/** A parsed JSON answer: its shape depends on the route. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface InstanceView {
  id: string;
  name: string;
  status: string;
  operating_status: string;
  flavor: { id: string };
  volume?: { size: number };
  configuration?: { id: string };
  access?: { allowed_cidrs?: string[] };
  fault?: { message: string };
}

export interface SweepApi {
  /** JSON request to the database API (`/v1.0/<admin project>` prefixed). */
  call(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }>;
}

export interface Driver {
  /** The workflow kind (WORKFLOWS' `kind`); a variant of one has a label too. */
  kind: string;
  label: string;
  /** What its instances must be first: none (a create), ACTIVE, or stopped (SHUTDOWN). */
  needs: "nothing" | "active" | "stopped";
  /** Starts the workflow on `instance` (for creates, `name` is the new instance's). */
  start(api: SweepApi, target: { id?: string; name: string }, ctx: SweepContext): Promise<string>;
  /** Undefined when the instance is as the completed workflow leaves it, else what is wrong. */
  done(view: InstanceView | undefined, ctx: SweepContext): string | undefined;
}

export interface SweepContext {
  /** A configuration group for apply_configuration. */
  groupId: string;
  coldFlavor: string;
  pooledFlavor: string;
  /** What resize_flavor resizes to: neither of the above, so that every instance can take it. */
  resizeFlavor: string;
}

const ok = (cond: boolean, what: string) => (cond ? undefined : what);
const expectStatus = (view: InstanceView | undefined, status: string) =>
  view === undefined
    ? "the instance is gone"
    : ok(view.status === status, `status ${view.status}, not ${status}`);
/** Trove shows a stopped datastore as status ACTIVE, operating_status SHUTDOWN (§3.3, §3.4). */
const expectEngine = (view: InstanceView | undefined, up: boolean) =>
  expectStatus(view, "ACTIVE") ??
  ok(
    up ? ["HEALTHY", "ACTIVE"].includes(view!.operating_status) : view!.operating_status === "SHUTDOWN",
    `operating_status ${view?.operating_status}`,
  );

async function accepted(res: Promise<{ status: number; body: Json }>, what: string): Promise<string> {
  const r = await res;
  if (r.status >= 300) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return (r.body as { instance?: { id: string } } | undefined)?.instance?.id ?? "";
}

const create = (label: string, flavor: (c: SweepContext) => string): Driver => ({
  kind: "create_instance",
  label,
  needs: "nothing",
  start: (api, t, ctx) =>
    accepted(
      api.call("POST", "/instances", {
        instance: {
          name: t.name,
          flavorRef: flavor(ctx),
          volume: { size: 1 },
          datastore: { type: "postgresql", version: "15" },
          databases: [{ name: "swept" }],
          users: [{ name: "sweeper", password: "Sweep-passw0rd", databases: [{ name: "swept" }] }],
        },
      }),
      "create",
    ),
  done: (view) => expectStatus(view, "ACTIVE"),
});

const action =
  (body: unknown, mgmt = false) =>
  (api: SweepApi, t: { id?: string }) =>
    accepted(api.call("POST", `${mgmt ? "/mgmt" : ""}/instances/${t.id}/action`, body), JSON.stringify(body));

export const DRIVERS: readonly Driver[] = [
  create("create_instance", (c) => c.coldFlavor),
  create("create_instance (pooled)", (c) => c.pooledFlavor),
  {
    kind: "restart_instance",
    label: "restart_instance",
    needs: "active",
    start: action({ restart: {} }),
    done: (view) => expectStatus(view, "ACTIVE"),
  },
  {
    kind: "resize_volume",
    label: "resize_volume",
    needs: "active",
    start: action({ resize: { volume: { size: 2 } } }),
    done: (view) =>
      expectStatus(view, "ACTIVE") ?? ok(view?.volume?.size === 2, `volume ${view?.volume?.size}, not 2`),
  },
  {
    kind: "resize_flavor",
    label: "resize_flavor",
    needs: "active",
    start: (api, t, ctx) => action({ resize: { flavorRef: ctx.resizeFlavor } })(api, t),
    done: (view, ctx) =>
      expectStatus(view, "ACTIVE") ?? ok(view?.flavor.id === ctx.resizeFlavor, `flavor ${view?.flavor.id}`),
  },
  {
    kind: "apply_configuration",
    label: "apply_configuration",
    needs: "active",
    start: (api, t, ctx) =>
      accepted(api.call("PUT", `/instances/${t.id}`, { instance: { configuration: ctx.groupId } }), "attach"),
    done: (view, ctx) =>
      (view?.status === "RESTART_REQUIRED" ? undefined : expectStatus(view, "ACTIVE")) ??
      ok(view?.configuration?.id === ctx.groupId, "the group is not attached"),
  },
  {
    kind: "update_access",
    label: "update_access",
    needs: "active",
    start: (api, t) =>
      accepted(
        api.call("PUT", `/instances/${t.id}`, { instance: { access: { allowed_cidrs: ["198.18.0.0/15"] } } }),
        "access",
      ),
    done: (view) =>
      expectStatus(view, "ACTIVE") ??
      ok(view?.access?.allowed_cidrs?.[0] === "198.18.0.0/15", `access ${JSON.stringify(view?.access)}`),
  },
  {
    kind: "stop_instance",
    label: "stop_instance",
    needs: "active",
    start: action({ stop: {} }, true),
    done: (view) => expectEngine(view, false),
  },
  {
    kind: "start_instance",
    label: "start_instance",
    needs: "stopped",
    start: action({ start: {} }, true),
    done: (view) => expectEngine(view, true),
  },
  {
    kind: "delete_instance",
    label: "delete_instance",
    needs: "active",
    start: async (api, t) => {
      const r = await api.call("DELETE", `/instances/${t.id}`);
      if (r.status >= 300) throw new Error(`delete: ${r.status} ${JSON.stringify(r.body)}`);
      return t.id ?? "";
    },
    done: (view) => ok(view === undefined, `still there: ${view?.status}`),
  },
];
