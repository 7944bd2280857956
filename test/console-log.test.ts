import { after, test } from "node:test";
import assert from "node:assert/strict";
import { waitFor } from "../src/lib/index.js";
import { adminSession, startCoffer, type CofferServer } from "./support/coffer-server.js";

/*
 * The server's own output, as a person and as a log collector see it: started on a terminal it
 * writes lines a person reads (time, level, component, message); piped, one JSON object a line.
 * Either way no password or token reaches the log, even at the trace level.
 */

const servers: CofferServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

// Without the compute role: the log format does not depend on it, and no host is set up.
const ROLES = "api,conductor,taskmanager";
const READY = "Coffer is ready at";
// An SGR escape (colours), ESC written out so that the pattern holds no control character.
const ANSI = new RegExp(String.fromCharCode(27) + "\\[[0-9;]*m", "g");

function outputLines(server: CofferServer): string[] {
  return server
    .output()
    .replace(ANSI, "")
    .split(/\r?\n/)
    .filter((l) => l.trim() !== "");
}

test("started on a terminal, the server writes readable lines", async () => {
  const server = await startCoffer({ roles: ROLES, tty: true, extraArgs: ["--log-level", "info"] });
  servers.push(server);
  assert.equal((await fetch(`${server.url}/`)).status, 200);
  await waitFor(async () => (/api: GET \/ → 200/.test(server.output()) ? true : undefined), {
    timeoutMs: 10_000,
    what: "the request's log line",
  });
  // Colours, as on any terminal.
  assert.match(server.output(), ANSI);
  const lines = outputLines(server);
  assert.ok(lines.length >= 3, lines.join("\n"));
  for (const line of lines) {
    if (line.startsWith(READY)) continue;
    assert.match(line, /^\[\d\d:\d\d:\d\d\.\d{3}\] (TRACE|DEBUG|INFO|WARN|ERROR|FATAL): \S/, line);
    assert.doesNotMatch(line, /^\{/, line);
  }
  assert.ok(lines.some((l) => / INFO: ready /.test(l)));
  assert.ok(
    lines.some((l) => / INFO: api: GET \/ → 200 \(\d+(\.\d)? ms\) \{"reqId":"req-[0-9a-f-]+"\}$/.test(l)),
  );
});

test("piped, every log line is JSON, and no secret is written even at the trace level", async () => {
  const server = await startCoffer({ roles: ROLES, extraArgs: ["--log-level", "trace"] });
  servers.push(server);
  const { token } = await adminSession(server);
  const userPassword = "Sh0uld-never-be-logged";
  const newPassword = "N3ither-should-this";
  const headers = { "content-type": "application/json", "x-auth-token": token };
  const created = await fetch(`${server.url}/v3/users`, {
    method: "POST",
    headers,
    body: JSON.stringify({ user: { name: "carol", password: userPassword, domain_id: "default" } }),
  });
  assert.equal(created.status, 201);
  const userId = ((await created.json()) as { user: { id: string } }).user.id;
  const changed = await fetch(`${server.url}/v3/users/${userId}`, {
    method: "PATCH",
    headers,
    body: JSON.stringify({ user: { password: newPassword } }),
  });
  assert.equal(changed.status, 200);
  const refused = await fetch(`${server.url}/v3/auth/tokens`, { headers: { "x-auth-token": "not-a-token" } });
  assert.equal(refused.status, 401);
  await waitFor(async () => (server.output().includes('"status":401') ? true : undefined), {
    timeoutMs: 10_000,
    what: "the refused request's log line",
  });

  const entries = outputLines(server)
    .filter((l) => !l.startsWith(READY))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  for (const entry of entries) {
    assert.equal(typeof entry.level, "number", JSON.stringify(entry));
    assert.equal(typeof entry.msg, "string", JSON.stringify(entry));
  }
  const created201 = entries.find((e) => {
    const http = e.http as { method?: string; url?: string; status?: number } | undefined;
    return (
      e.component === "api" && http?.method === "POST" && http.url === "/v3/users" && http.status === 201
    );
  });
  assert.ok(created201, "the user create's request line");
  const text = server.output();
  for (const secret of [server.env.OS_PASSWORD!, userPassword, newPassword, token]) {
    assert.ok(!text.includes(secret), `a secret reached the log: ${secret}`);
  }
});
