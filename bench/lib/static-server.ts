/**
 * The floor of API throughput: a bare Fastify server in its own process answering GET with fixed
 * JSON bodies (the same bytes Coffer's API sent), with no token check, database or rendering.
 * Usage: node dist/bench/lib/static-server.js <bodies.json> — prints its port on stdout.
 */
import { readFile } from "node:fs/promises";
import Fastify from "fastify";

const bodies = JSON.parse(await readFile(process.argv[2]!, "utf8")) as Record<string, string>;
const app = Fastify({ logger: false });
for (const [path, body] of Object.entries(bodies)) {
  app.get(path, async (_request, reply) => reply.type("application/json").send(body));
}
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
console.log(typeof address === "object" && address ? address.port : 0);
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
