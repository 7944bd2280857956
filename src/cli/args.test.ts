import { test } from "node:test";
import assert from "node:assert/strict";
import type { Command } from "commander";
import { commaList, flag01, parseUser, positiveInt, seconds } from "./args.js";
import { buildCofferCli, buildManageCli } from "./program.js";
import { createBody } from "./instances.js";

test("value parsers", () => {
  assert.deepEqual(parseUser("u1:p1"), { name: "u1", password: "p1" });
  assert.deepEqual(parseUser("u1:p:w:d"), { name: "u1", password: "p:w:d" });
  for (const bad of ["u1", ":p", "u1:"]) assert.throws(() => parseUser(bad), /expected <user:password>/);
  assert.equal(positiveInt("5"), 5);
  for (const bad of ["0", "-1", "1.5", "x", ""]) assert.throws(() => positiveInt(bad), /whole number/);
  assert.equal(seconds("0.5"), 0.5);
  assert.throws(() => seconds("0"), /positive number/);
  assert.deepEqual([flag01("1"), flag01("0"), flag01("true")], [true, false, true]);
  assert.throws(() => flag01("yes"), /0 or 1/);
  assert.deepEqual(commaList(""), []);
  assert.deepEqual(commaList("a, b,"), ["a", "b"]);
});

/** Parses `argv` with the real program, running `capture` instead of the command's action. */
async function parsed(
  program: Command,
  name: string,
  argv: string[],
): Promise<{ args: unknown[]; opts: Record<string, unknown> }> {
  const command = program.commands.find((c) => c.name() === name)!;
  let result: { args: unknown[]; opts: Record<string, unknown> } | undefined;
  command.action((...all: unknown[]) => {
    const cmd = all.at(-1) as Command;
    result = { args: all.slice(0, -2), opts: cmd.optsWithGlobals() };
  });
  // Subcommands copy these settings when created, so set them on both.
  for (const c of [program, command]) {
    c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  }
  await program.parseAsync(argv, { from: "user" });
  return result!;
}

test("create: trove's arguments, dash and underscore spellings, the body trove sends", async () => {
  const { args, opts } = await parsed(buildCofferCli(), "create", [
    "create",
    "vm1",
    "m1.small",
    "--size",
    "3",
    "--databases",
    "db1",
    "db2",
    "--users",
    "u1:p1",
    "u2:p:2",
    "--datastore",
    "postgresql",
    "--datastore_version",
    "15",
    "--availability-zone",
    "az1",
    "--allowed-cidr",
    "10.0.0.0/8",
    "--allowed-cidr",
    "127.0.0.0/8",
    "--wait",
    "--timeout",
    "30",
  ]);
  assert.deepEqual(args, ["vm1", "m1.small"]);
  assert.equal(opts.timeout, 30);
  const dbs = [{ name: "db1" }, { name: "db2" }];
  assert.deepEqual(createBody("vm1", "2", opts), {
    instance: {
      name: "vm1",
      flavorRef: "2",
      volume: { size: 3, type: null },
      databases: dbs,
      users: [
        { name: "u1", password: "p1", databases: dbs },
        { name: "u2", password: "p:2", databases: dbs },
      ],
      availability_zone: "az1",
      datastore: { type: "postgresql", version: "15" },
      access: { is_public: false, allowed_cidrs: ["10.0.0.0/8", "127.0.0.0/8"] },
    },
  });
  const minimal = await parsed(buildCofferCli(), "create", ["create", "vm2", "1", "--is-public"]);
  assert.deepEqual(createBody("vm2", "1", minimal.opts), {
    instance: { name: "vm2", flavorRef: "1", access: { is_public: true } },
  });
});

test("bad values are refused before anything is sent", async () => {
  await assert.rejects(
    parsed(buildCofferCli(), "create", ["create", "vm1", "1", "--size", "0"]),
    /whole number/,
  );
  await assert.rejects(
    parsed(buildCofferCli(), "create", ["create", "vm1", "1", "--users", "nopassword"]),
    /user:password/,
  );
  await assert.rejects(
    parsed(buildCofferCli(), "resize-volume", ["resize-volume", "vm1", "big"]),
    /whole number/,
  );
});

test("credentials may come before the command too", async () => {
  const { opts } = await parsed(buildCofferCli(), "list", [
    "--os-cloud",
    "c1",
    "list",
    "--os-username",
    "bob",
  ]);
  assert.equal(opts.osCloud, "c1");
  assert.equal(opts.osUsername, "bob");
});

test("coffer-manage: trove-manage's positional arguments under both spellings", async () => {
  const v = await parsed(buildManageCli(), "datastore_version_update", [
    "datastore-version-update",
    "postgresql",
    "15",
    "postgresql",
    "/usr/lib/postgresql/15/bin",
    "",
    "1",
    "--version",
    "15.18",
  ]);
  assert.deepEqual(v.args, ["postgresql", "15", "postgresql", "/usr/lib/postgresql/15/bin", [], true]);
  assert.equal(v.opts.version, "15.18");
  const f = await parsed(buildManageCli(), "flavor-create", [
    "flavor_create",
    "8",
    "x1",
    "1024",
    "2",
    "--disk",
    "5",
  ]);
  assert.deepEqual(f.args, ["8", "x1", 1024, 2]);
  assert.deepEqual([f.opts.disk, f.opts.ephemeral], [5, 0]);
  await assert.rejects(
    parsed(buildManageCli(), "datastore_version_update", [
      "datastore_version_update",
      "a",
      "b",
      "c",
      "d",
      "",
      "2",
    ]),
    /0 or 1/,
  );
});
