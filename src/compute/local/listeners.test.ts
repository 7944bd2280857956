import { test } from "node:test";
import assert from "node:assert/strict";
import { randomInt } from "node:crypto";
import { createServer, type Server } from "node:net";
import { endianness } from "node:os";
import { canBind, parseV4, parseV6, readListeners } from "./listeners.js";

function listen(host: string, port = 0): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

test("the kernel's hex addresses: IPv4, IPv4-mapped IPv6 and ::, in this host's byte order", () => {
  const le = endianness() === "LE";
  assert.equal(parseV4(le ? "0100007F" : "7F000001"), "127.0.0.1");
  assert.equal(parseV4("00000000"), "0.0.0.0");
  assert.equal(parseV6("0".repeat(32)), "::");
  const mapped = le ? "0000000000000000FFFF0000" + "0764647F" : "00000000000000000000FFFF" + "7F646407";
  assert.equal(parseV6(mapped), "127.100.100.7");
  assert.equal(parseV6("20010DB8" + "0".repeat(24)), undefined, "a real IPv6 address is none of ours");
});

test("a listening socket is seen, on its address and port; its port cannot be bound there, others can", async () => {
  const address = `127.${randomInt(200, 254)}.${randomInt(0, 256)}.${randomInt(1, 255)}`;
  const server = await listen(address);
  try {
    const port = (server.address() as { port: number }).port;
    assert.ok((await readListeners()).some((l) => l.address === address && l.port === port));
    assert.equal(await canBind(address, port), false);
    assert.equal(await canBind(address, port === 65535 ? 65534 : port + 1), true);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
