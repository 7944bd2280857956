import { afterEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { CofferError, ConflictError, ErrorKind, NotFoundError } from "../domain/index.js";
import { createLogger, silentLogger, sleep, type Logger } from "../lib/index.js";
import type { JsonValue, MessageBus } from "./port.js";

/**
 * The behaviour every MessageBus shares, run by inprocess.test.ts and amqp.test.ts. `create` makes
 * a new bus on one shared broker each time: two buses are two processes talking to each other.
 */
export type BusFactory = (deps: { logger: Logger }) => Promise<MessageBus>;

export function busConformance(name: string, create: BusFactory): void {
  describe(`MessageBus conformance: ${name}`, () => {
    const open: MessageBus[] = [];
    const bus = async (logger: Logger = silentLogger()): Promise<MessageBus> => {
      const b = await create({ logger });
      open.push(b);
      return b;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((b) => b.close()));
    });

    test("call returns the handler's result; the handler sees args and context", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      await server.serve(topic, { echo: async (args, ctx) => ({ args, ctx: { ...ctx } }) });
      assert.deepEqual(await client.call(topic, "echo", { a: [1, "two", null, true] }), {
        args: { a: [1, "two", null, true] },
        ctx: { topic, method: "echo" },
      });
      // args default to an empty object; a handler returning nothing resolves with undefined
      await server.serve(`${topic}.b`, { args: async (args) => args, nothing: async () => undefined });
      assert.deepEqual(await client.call(`${topic}.b`, "args"), {});
      assert.equal(await client.call(`${topic}.b`, "nothing"), undefined);
    });

    test("a bus can call a topic it serves itself", async () => {
      const b = await bus();
      const topic = newTopic();
      await b.serve(topic, { twice: async (n) => (n as number) * 2 });
      assert.equal(await b.call(topic, "twice", 21), 42);
    });

    test("a remote CofferError arrives with the same kind, code, message, retryable and details", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      await server.serve(topic, {
        missing: async () => {
          throw new NotFoundError("INSTANCE_NOT_FOUND", "instance x not found", { details: { id: "x" } });
        },
        busy: async () => {
          throw new ConflictError("USER_EXISTS", "user exists", { retryable: true });
        },
      });
      await assert.rejects(client.call(topic, "missing"), (err) => {
        assert.ok(err instanceof CofferError);
        assert.deepEqual(err.toJSON(), {
          kind: ErrorKind.NotFound,
          code: "INSTANCE_NOT_FOUND",
          message: "instance x not found",
          retryable: false,
          details: { id: "x" },
        });
        return true;
      });
      await rejectsWith(client.call(topic, "busy"), ErrorKind.Conflict, "USER_EXISTS", true);
    });

    test("a plain remote Error becomes UpstreamError BUS_REMOTE_ERROR", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      await server.serve(topic, {
        boom: async () => {
          throw new TypeError("kaboom");
        },
      });
      const err = await rejectsWith(
        client.call(topic, "boom"),
        ErrorKind.Upstream,
        "BUS_REMOTE_ERROR",
        false,
      );
      assert.match(err.message, /kaboom/);
      assert.match(err.message, new RegExp(`${topic}\\.boom`));
    });

    test("an unknown method is NotImplementedError BUS_UNKNOWN_METHOD", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      await server.serve(topic, { known: async () => 1 });
      for (const method of ["unknown", "toString", "constructor", "__proto__"]) {
        await rejectsWith(client.call(topic, method), ErrorKind.NotImplemented, "BUS_UNKNOWN_METHOD", false);
      }
    });

    test("no reply within timeoutMs is TimeoutError BUS_TIMEOUT; the late reply is ignored", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      const release = deferred<void>();
      await server.serve(topic, {
        slow: async () => {
          await release.promise;
          return "late";
        },
        fast: async () => "fast",
      });
      const started = Date.now();
      await rejectsWith(
        client.call(topic, "slow", {}, { timeoutMs: 200 }),
        ErrorKind.Timeout,
        "BUS_TIMEOUT",
        true,
      );
      const elapsed = Date.now() - started;
      assert.ok(elapsed >= 190 && elapsed < 3000, `timed out after ${elapsed} ms`);
      release.resolve();
      await sleep(50);
      assert.equal(await client.call(topic, "fast"), "fast");
    });

    test("a call to a topic nobody serves fails fast with UnavailableError BUS_NO_SERVER", async () => {
      const client = await bus();
      const started = Date.now();
      await rejectsWith(
        client.call(newTopic(), "anything", {}, { timeoutMs: 10_000 }),
        ErrorKind.Unavailable,
        "BUS_NO_SERVER",
        true,
      );
      assert.ok(Date.now() - started < 2000);
    });

    test("a bad topic or timeout is a ValidationError", async () => {
      const client = await bus();
      await rejectsWith(client.call("", "m"), ErrorKind.Validation, "BUS_BAD_TOPIC", false);
      await rejectsWith(client.cast("x".repeat(300), "m"), ErrorKind.Validation, "BUS_BAD_TOPIC", false);
      await rejectsWith(client.serve("", {}), ErrorKind.Validation, "BUS_BAD_TOPIC", false);
      for (const timeoutMs of [0, -5, NaN]) {
        await rejectsWith(
          client.call(newTopic(), "m", {}, { timeoutMs }),
          ErrorKind.Validation,
          "BUS_BAD_TIMEOUT",
        );
      }
    });

    test("cast delivers to a server; a cast nobody listens to, or whose handler fails, still resolves", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      const got = deferred<JsonValue>();
      await server.serve(topic, {
        heartbeat: async (args) => got.resolve(args),
        broken: async () => {
          throw new Error("handler bug");
        },
      });
      assert.equal(await client.cast(topic, "heartbeat", { status: "HEALTHY" }), undefined);
      assert.deepEqual(await within(got.promise, 5000), { status: "HEALTHY" });
      await client.cast(topic, "broken");
      await client.cast(topic, "no-such-method");
      await client.cast(newTopic(), "heartbeat", {});
      assert.equal(await client.call(topic, "heartbeat", { still: "serving" }), undefined);
    });

    test("several servers on one topic share the work: each message is handled once", async () => {
      const [a, b, client] = await Promise.all([bus(), bus(), bus()]);
      const topic = newTopic();
      const seen = { a: [] as number[], b: [] as number[] };
      const handlers = (who: "a" | "b") => ({
        work: async (n: JsonValue) => {
          seen[who].push(n as number);
          await sleep(5);
          return who;
        },
      });
      await a.serve(topic, handlers("a"));
      await b.serve(topic, handlers("b"));
      const calls = range(20).map((n) => client.call(topic, "work", n));
      const answers = await Promise.all(calls);
      assert.deepEqual([...seen.a, ...seen.b].sort(byNumber), range(20));
      assert.ok(seen.a.length > 0 && seen.b.length > 0, `a: ${seen.a.length}, b: ${seen.b.length}`);
      assert.equal(answers.filter((w) => w === "a").length, seen.a.length);

      seen.a = [];
      seen.b = [];
      for (const n of range(10)) await client.cast(topic, "work", n);
      await waitUntil(() => seen.a.length + seen.b.length >= 10);
      await sleep(100); // room for a duplicate to show up
      assert.deepEqual([...seen.a, ...seen.b].sort(byNumber), range(10));
    });

    test("concurrent calls get their own replies", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      await server.serve(topic, {
        square: async (n) => {
          await sleep(Math.floor(Math.random() * 20));
          return (n as number) ** 2;
        },
      });
      const results = await Promise.all(range(50).map((n) => client.call<number>(topic, "square", n)));
      assert.deepEqual(
        results,
        range(50).map((n) => n ** 2),
      );
    });

    test("payloads and results are plain JSON: a Date arrives as a string, a class as a plain object", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      class Point {
        constructor(
          readonly x: number,
          readonly y: number,
        ) {}
        norm(): number {
          return Math.hypot(this.x, this.y);
        }
      }
      let received: unknown;
      await server.serve(topic, {
        inspect: async (args) => {
          received = args;
          return { at: new Date("2026-02-03T04:05:06Z"), point: new Point(3, 4) } as unknown as JsonValue;
        },
        bigint: async () => ({ n: 10n }) as unknown as JsonValue,
      });
      const args = {
        when: new Date("2026-01-01T00:00:00Z"),
        p: new Point(1, 2),
        gone: undefined,
        f: () => 1,
      };
      const result = await client.call(topic, "inspect", args as unknown as JsonValue);
      assert.deepEqual(received, { when: "2026-01-01T00:00:00.000Z", p: { x: 1, y: 2 } });
      assert.equal(Object.getPrototypeOf((received as { p: object }).p), Object.prototype);
      assert.deepEqual(result, { at: "2026-02-03T04:05:06.000Z", point: { x: 3, y: 4 } });
      // What JSON cannot carry is refused on both sides.
      const big = { n: 1n } as unknown as JsonValue;
      await rejectsWith(client.call(topic, "inspect", big), ErrorKind.Internal, "BUS_BAD_PAYLOAD", false);
      await rejectsWith(client.cast(topic, "inspect", big), ErrorKind.Internal, "BUS_BAD_PAYLOAD", false);
      await rejectsWith(client.call(topic, "bigint"), ErrorKind.Internal, "BUS_BAD_PAYLOAD", false);
    });

    test("close(): pending calls fail with UnavailableError BUS_CLOSED, and so does everything after", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      const started = deferred<void>();
      const release = deferred<void>();
      await server.serve(topic, {
        hang: async () => {
          started.resolve();
          await release.promise;
        },
      });
      const pending = client.call(topic, "hang", {}, { timeoutMs: 30_000 });
      await within(started.promise, 5000);
      const t0 = Date.now();
      const failed = rejectsWith(pending, ErrorKind.Unavailable, "BUS_CLOSED", true);
      await client.close();
      await failed;
      assert.ok(Date.now() - t0 < 2000);
      await rejectsWith(client.call(topic, "hang"), ErrorKind.Unavailable, "BUS_CLOSED", true);
      await rejectsWith(client.cast(topic, "hang"), ErrorKind.Unavailable, "BUS_CLOSED", true);
      await rejectsWith(client.serve(newTopic(), {}), ErrorKind.Unavailable, "BUS_CLOSED", true);
      await client.close(); // twice is fine
      release.resolve();
    });

    test("close() lets in-flight handlers finish and answer, then the topic is no longer served", async () => {
      const [server, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      const started = deferred<void>();
      await server.serve(topic, {
        work: async () => {
          started.resolve();
          await sleep(200);
          return "finished";
        },
      });
      const answer = client.call(topic, "work");
      await within(started.promise, 5000);
      await server.close();
      assert.equal(await answer, "finished");
      await rejectsWith(
        client.call(topic, "work", {}, { timeoutMs: 5000 }),
        ErrorKind.Unavailable,
        "BUS_NO_SERVER",
      );
    });

    test("a subscription's close() stops that server only", async () => {
      const [a, b, client] = await Promise.all([bus(), bus(), bus()]);
      const topic = newTopic();
      const servedByA = await a.serve(topic, { who: async () => "a" });
      await b.serve(topic, { who: async () => "b" });
      await servedByA.close();
      const answers = await Promise.all(range(6).map(() => client.call(topic, "who")));
      assert.deepEqual(
        answers,
        range(6).map(() => "b"),
      );
      // a still serves its other topics and can call
      await a.serve(`${topic}.other`, { ping: async () => "pong" });
      assert.equal(await client.call(`${topic}.other`, "ping"), "pong");
      assert.equal(await a.call(topic, "who"), "b");
    });

    test("a service topic outlives its servers: a request sent meanwhile waits for the next one", async () => {
      const [first, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      const served = await first.serve(topic, { who: async () => "first" }, { service: true });
      assert.equal(await client.call(topic, "who"), "first");
      await served.close();
      // Nobody serves it now, yet the call waits instead of failing with BUS_NO_SERVER.
      const waiting = client.call(topic, "who", {}, { timeoutMs: 10_000 });
      await sleep(200);
      const second = await bus();
      await second.serve(topic, { who: async () => "second" }, { service: true });
      assert.equal(await waiting, "second");
    });

    test("a request that waited for a service topic's server past its timeout is dropped, not run late", async () => {
      const [first, client] = await Promise.all([bus(), bus()]);
      const topic = newTopic();
      await (await first.serve(topic, { ping: async () => "pong" }, { service: true })).close();
      let runs = 0;
      await rejectsWith(
        client.call(topic, "count", {}, { timeoutMs: 100 }),
        ErrorKind.Timeout,
        "BUS_TIMEOUT",
      );
      await sleep(150);
      const second = await bus();
      await second.serve(
        topic,
        { count: async () => void runs++, ping: async () => "pong" },
        { service: true },
      );
      assert.equal(await client.call(topic, "ping"), "pong");
      await sleep(100);
      assert.equal(runs, 0);
    });

    test("payloads are not logged, not even at trace level", async () => {
      const log = capture();
      const [server, client] = await Promise.all([bus(log.logger), bus(log.logger)]);
      const topic = newTopic();
      await server.serve(topic, {
        create: async () => ({ secretive: "result-marker-9f2" }),
        fail: async () => {
          throw new Error("plain failure");
        },
      });
      await client.call(topic, "create", { name: "u1", password: "pw-marker-51c", note: "arg-marker-77a" });
      await client.cast(topic, "create", { note: "cast-marker-3d1" });
      await client.call(topic, "fail", { note: "fail-marker-e40" }).catch(() => undefined);
      await sleep(100);
      const text = log.text();
      assert.match(text, new RegExp(topic)); // something was logged at all
      for (const marker of ["result-marker", "pw-marker", "arg-marker", "cast-marker", "fail-marker"]) {
        assert.ok(!text.includes(marker), `${marker} leaked into the log`);
      }
    });
  });
}

let topicCounter = 0;
/** Topics unique per test run, so that tests sharing a broker never see each other's messages. */
function newTopic(): string {
  return `conformance.${process.pid}.${Date.now().toString(36)}.${++topicCounter}`;
}

async function rejectsWith(
  promise: Promise<unknown>,
  kind: ErrorKind,
  code: string,
  retryable?: boolean,
): Promise<CofferError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof CofferError, `not a CofferError: ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.kind, kind);
    if (retryable !== undefined) assert.equal(err.retryable, retryable);
    return err;
  }
  assert.fail(`expected ${code}, but it resolved`);
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function waitUntil(condition: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await sleep(10);
  }
}

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const byNumber = (x: number, y: number): number => x - y;

function capture(): { logger: Logger; text: () => string } {
  let out = "";
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return { logger: createLogger({ level: "trace", destination }), text: () => out };
}
