/**
 * Provisioning latency: from `POST /instances` to the first successful query by a user created in
 * that request, at the address the API reports; and to ACTIVE as the API reports it. Each Coffer
 * create is paired with a floor sample of the same engine (copy of a template + start, no Coffer)
 * taken right before it, so that a busy machine slows both alike and the ratio holds.
 */
import { randomBytes } from "node:crypto";
import type { ApiClient, InstanceView } from "../test/support/api.js";
import { untilFirstQuery, type UserCredentials } from "./lib/first-query.js";
import type { FloorSite } from "./lib/floors.js";
import { elapsed, ratio, summarize, type Summary } from "./lib/stats.js";

export interface CreateSample {
  /** The API's answer to the POST. */
  postMs: number;
  /** The address first known to the client (in the POST answer, or a later GET). */
  addressMs: number;
  firstQueryMs: number;
  activeMs: number;
}

export interface ProvisioningResult {
  manager: string;
  mode: "cold" | "pooled";
  flavor: string;
  volumeGb: number;
  floor: { copyMs: Summary; startMs: Summary; totalMs: Summary };
  coffer: { postMs: Summary; addressMs: Summary; firstQueryMs: Summary; activeMs: Summary };
  /** Coffer's p50 to first query ÷ the floor's p50. */
  ratio: number;
  samples: { floorMs: number[]; firstQueryMs: number[]; activeMs: number[] };
}

export interface ProvisioningOptions {
  api: ApiClient;
  manager: string;
  floor: FloorSite | undefined;
  runs: number;
  mode: "cold" | "pooled";
  flavor?: string;
  volumeGb?: number;
  /** Between creates, e.g. to let a warm pool refill (its refill is not on the measured path). */
  between?: () => Promise<void>;
  log?: (line: string) => void;
}

export async function createOnce(
  api: ApiClient,
  manager: string,
  flavor: string,
  volumeGb: number,
): Promise<CreateSample & { id: string; view: InstanceView }> {
  const user = `u${randomBytes(3).toString("hex")}`;
  const password = randomBytes(12).toString("base64url");
  const body = {
    instance: {
      name: `bench-${user}`,
      flavorRef: flavor,
      volume: { size: volumeGb },
      datastore: { type: manager },
      databases: [{ name: "app" }],
      users: [{ name: user, password, databases: [{ name: "app" }] }],
    },
  };
  const began = performance.now();
  const res = await api.trove<{ instance: InstanceView }>("POST", "/instances", body);
  const postMs = elapsed(began);
  if (res.status !== 200) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  const id = res.body.instance.id;
  let view = res.body.instance;
  let address = view.ip?.[0];
  let addressMs = address ? postMs : NaN;
  let activeMs = NaN;
  let error: Error | undefined;
  // The client's view of the instance, looked at every 10 ms until ACTIVE.
  const watching = (async () => {
    while (Number.isNaN(activeMs) && !error) {
      const got = await api.trove<{ instance: InstanceView }>("GET", `/instances/${id}`);
      view = got.body.instance;
      if (!address && view.ip?.[0]) {
        address = view.ip[0];
        addressMs = elapsed(began);
      }
      if (view.status === "ACTIVE") activeMs = elapsed(began);
      else if (view.status === "ERROR") error = new Error(`instance ${id} went to ERROR`);
      else await new Promise((r) => setTimeout(r, 10));
    }
  })();
  const credentials = (): UserCredentials | undefined =>
    address ? { host: address, user, password, database: "app" } : undefined;
  await untilFirstQuery(manager, () => (error ? undefined : credentials()), { timeoutMs: 120_000 });
  const firstQueryMs = elapsed(began);
  await watching;
  if (error) throw error;
  return { id, view, postMs, addressMs, firstQueryMs, activeMs };
}

/** Deletes an instance and waits until the API no longer knows it. */
export async function deleteAndWait(api: ApiClient, id: string): Promise<void> {
  await api.trove("DELETE", `/instances/${id}`);
  for (let i = 0; i < 1200; i++) {
    if ((await api.trove("GET", `/instances/${id}`)).status === 404) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`instance ${id} was not deleted within a minute`);
}

export async function benchProvisioning(o: ProvisioningOptions): Promise<ProvisioningResult> {
  const flavor = o.flavor ?? "6";
  const volumeGb = o.volumeGb ?? 1;
  const log = o.log ?? (() => undefined);
  // A first create builds whatever is built once (template, caches) and is not counted.
  const warm = await createOnce(o.api, o.manager, flavor, volumeGb);
  await deleteAndWait(o.api, warm.id);
  const floor = { copyMs: [] as number[], startMs: [] as number[], totalMs: [] as number[] };
  const coffer = { postMs: [] as number[], addressMs: [] as number[], firstQueryMs: [] as number[] };
  const activeMs: number[] = [];
  for (let i = 0; i < o.runs; i++) {
    await o.between?.();
    if (o.floor) {
      const f = await o.floor.fromTemplate();
      floor.copyMs.push(f.initMs);
      floor.startMs.push(f.startMs);
      floor.totalMs.push(f.totalMs);
    }
    const s = await createOnce(o.api, o.manager, flavor, volumeGb);
    coffer.postMs.push(s.postMs);
    coffer.addressMs.push(s.addressMs);
    coffer.firstQueryMs.push(s.firstQueryMs);
    activeMs.push(s.activeMs);
    log(
      `  ${o.manager} ${o.mode} #${i + 1}: first query ${Math.round(s.firstQueryMs)} ms, ACTIVE ${Math.round(s.activeMs)} ms` +
        (o.floor ? `, floor ${Math.round(floor.totalMs.at(-1)!)} ms` : ""),
    );
    await deleteAndWait(o.api, s.id);
  }
  const fq = summarize(coffer.firstQueryMs);
  const fl = summarize(floor.totalMs);
  return {
    manager: o.manager,
    mode: o.mode,
    flavor,
    volumeGb,
    floor: { copyMs: summarize(floor.copyMs), startMs: summarize(floor.startMs), totalMs: fl },
    coffer: {
      postMs: summarize(coffer.postMs),
      addressMs: summarize(coffer.addressMs),
      firstQueryMs: fq,
      activeMs: summarize(activeMs),
    },
    ratio: ratio(fq.p50, fl.p50),
    samples: {
      floorMs: floor.totalMs.map(Math.round),
      firstQueryMs: coffer.firstQueryMs.map(Math.round),
      activeMs: activeMs.map(Math.round),
    },
  };
}
