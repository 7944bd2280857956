import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "amqplib";
import { run } from "../process.js";
import { startTempRabbitMQ } from "./temp-rabbitmq.js";

/** Every listening TCP socket of the process that listens on `port`. */
async function listenersOfOwner(port: string): Promise<string[]> {
  const lines = (await run("ss", ["-ltnpH"])).stdout.split("\n").filter(Boolean);
  const owner = lines.find((l) => l.trim().split(/\s+/)[3]?.endsWith(`:${port}`));
  const pid = /pid=(\d+),/.exec(owner ?? "")?.[1];
  assert.ok(pid, `nothing listens on ${port}`);
  return lines.filter((l) => l.includes(`pid=${pid},`)).map((l) => l.trim().split(/\s+/)[3] ?? "");
}

test("the private RabbitMQ listens on loopback only, and halt()/start() is an outage that keeps durable queues", async () => {
  const rabbit = await startTempRabbitMQ();
  try {
    const port = new URL(rabbit.url).port;
    // The Erlang VM's sockets: AMQP and the Erlang distribution port (epmd is started on loopback).
    const sockets = await listenersOfOwner(port);
    assert.ok(sockets.length >= 2, `listeners: ${sockets.join(", ")}`);
    for (const address of sockets) assert.match(address, /^127\.0\.0\.1:\d+$/, `listens on ${address}`);

    let connection = await connect(rabbit.url);
    let channel = await connection.createChannel();
    await channel.assertQueue("kept", { durable: true, arguments: { "x-queue-type": "quorum" } });
    await connection.close();
    await rabbit.halt();
    await assert.rejects(connect(rabbit.url));
    await rabbit.start();
    connection = await connect(rabbit.url);
    channel = await connection.createChannel();
    assert.equal((await channel.checkQueue("kept")).queue, "kept");
    await connection.close();
  } finally {
    await rabbit.stop();
  }
});
