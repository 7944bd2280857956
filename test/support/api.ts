/**
 * A thin client of Coffer's HTTP API for benchmarks and tests: a project-scoped token from the admin's OS_*
 * variables (as the real clients get one), JSON requests with `X-Auth-Token`.
 */
export interface ApiClient {
  base: string;
  token: string;
  projectId: string;
  request<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
  /** `/v1.0/<project>` + path. */
  trove<T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export async function login(base: string, env: NodeJS.ProcessEnv): Promise<ApiClient> {
  const auth = {
    auth: {
      identity: {
        methods: ["password"],
        password: {
          user: {
            name: env.OS_USERNAME,
            password: env.OS_PASSWORD,
            domain: { name: env.OS_USER_DOMAIN_NAME ?? "Default" },
          },
        },
      },
      scope: {
        project: { name: env.OS_PROJECT_NAME, domain: { name: env.OS_PROJECT_DOMAIN_NAME ?? "Default" } },
      },
    },
  };
  const res = await fetch(`${base}/v3/auth/tokens?nocatalog`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(auth),
  });
  if (res.status !== 201) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  const token = res.headers.get("x-subject-token")!;
  const projectId = ((await res.json()) as { token: { project: { id: string } } }).token.project.id;

  async function request<T>(method: string, path: string, body?: unknown) {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        "x-auth-token": token,
        accept: "application/json",
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  }
  return {
    base,
    token,
    projectId,
    request,
    trove: (method, path, body) => request(method, `/v1.0/${projectId}${path}`, body),
  };
}

export interface InstanceView {
  id: string;
  status: string;
  operating_status?: string;
  ip?: string[];
  flavor: { id: string };
  volume: { size: number };
}

/** Deletes every instance of the project and waits until the list is empty. */
export async function deleteAll(api: ApiClient, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ids: string[] = [];
    let marker = "";
    for (;;) {
      const page = await api.trove<{ instances: InstanceView[] }>(
        "GET",
        `/instances?limit=20${marker ? `&marker=${marker}` : ""}`,
      );
      ids.push(...page.body.instances.map((i) => i.id));
      if (page.body.instances.length < 20) break;
      marker = page.body.instances
        .map((i) => i.id)
        .sort()
        .at(-1)!;
    }
    if (ids.length === 0) return;
    for (const id of ids) {
      await api.trove("POST", `/instances/${id}/action`, { reset_status: {} }).catch(() => undefined);
      await api.trove("DELETE", `/instances/${id}`);
    }
    if (Date.now() > deadline) throw new Error(`instances still there after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
