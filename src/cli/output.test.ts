import { test } from "node:test";
import assert from "node:assert/strict";
import { fieldLabel, formatCell, listTable, propertyTable, renderTable } from "./output.js";
import { instanceListTable, instanceProperties } from "./instance-view.js";
import { flavorListTable, flavorProperties } from "./flavors.js";
import { datastoreProperties } from "./datastores.js";

test("cells: plain values as text, lists joined, objects as JSON, nothing for null", () => {
  assert.equal(formatCell("a"), "a");
  assert.equal(formatCell(3), "3");
  assert.equal(formatCell(false), "false");
  assert.equal(formatCell(null), "");
  assert.equal(formatCell(undefined), "");
  assert.equal(formatCell(["10.0.0.1", "10.0.0.2"]), "10.0.0.1, 10.0.0.2");
  assert.equal(formatCell({ is_public: true }), '{"is_public":true}');
  assert.equal(formatCell([{ a: 1 }]), '[{"a":1}]');
});

test("labels follow trove's rule", () => {
  assert.equal(fieldLabel("id"), "ID");
  assert.equal(fieldLabel("flavor_id"), "Flavor ID");
  assert.equal(fieldLabel("datastore_version"), "Datastore Version");
  assert.equal(fieldLabel("name"), "Name");
});

test("a bordered table: padded columns, numbers on the right, multi-line cells", () => {
  assert.equal(
    renderTable(
      ["Name", "Size"],
      [
        ["a", 1],
        ["longer\nsecond", 20],
      ],
    ),
    [
      "+--------+------+",
      "| Name   | Size |",
      "+--------+------+",
      "| a      |    1 |",
      "| longer |   20 |",
      "| second |      |",
      "+--------+------+",
      "",
    ].join("\n"),
  );
  assert.equal(renderTable(["ID"], []), "+----+\n| ID |\n+----+\n+----+\n");
});

test("a property table is sorted by property and skips undefined values", () => {
  const text = propertyTable({ status: "BUILD", id: "x", gone: undefined });
  const lines = text.trim().split("\n");
  assert.deepEqual(lines.slice(1, 2), ["| Property | Value |"]);
  assert.deepEqual(lines.slice(3, 5), ["| id       | x     |", "| status   | BUILD |"]);
  assert.doesNotMatch(text, /gone/);
});

test("list tables sort numerically when asked and keep the API's order otherwise", () => {
  const rows = [
    { n: "b", ram: 2048 },
    { n: "a", ram: 512 },
  ];
  assert.ok(listTable(rows, ["n", "ram"], { sortBy: "ram" }).includes("| a |  512 |\n| b | 2048 |"));
  assert.match(listTable(rows, ["n"]), /\| b \|\n\| a \|/);
});

const instance = {
  id: "i-1",
  name: "vm1",
  status: "ACTIVE",
  links: [{ rel: "self", href: "x" }],
  flavor: { id: "2", links: [] },
  volume: { size: 2, used: 0.13, used_percent: 6.5 },
  ip: ["127.100.0.2"],
  datastore: { type: "postgresql", version: "15", version_number: "15.18" },
  fault: { message: "it broke", created: "2026-01-01T00:00:00", details: "trace" },
  region: "RegionOne",
};

test("show flattens an instance as troveclient does", () => {
  const p = instanceProperties(instance);
  assert.equal(p.links, undefined);
  assert.equal(p.flavor, "2");
  assert.equal(p.volume, 2);
  assert.equal(p.volume_used, 0.13);
  assert.equal(p.ip, "127.100.0.2");
  assert.equal(p.datastore, "postgresql");
  assert.equal(p.datastore_version, "15");
  assert.deepEqual([p.fault, p.fault_date, p.fault_details], ["it broke", "2026-01-01T00:00:00", "trace"]);
});

test("list shows trove's columns", () => {
  const text = instanceListTable([
    instance,
    { id: "i-2", name: "vm2", status: "BUILD", flavor: { id: "1" } },
  ]);
  const lines = text.split("\n");
  assert.match(
    lines[1]!,
    /ID +\| Name \| Datastore +\| Datastore Version \| Status \| Flavor ID \| Size \| Region/,
  );
  assert.match(lines[3]!, /i-1 +\| vm1 +\| postgresql \| 15 +\| ACTIVE \| 2 +\| 2 +\| RegionOne \|/);
  assert.match(lines[4]!, /i-2 +\| vm2 +\| +\| +\| BUILD +\| 1 +\| - +\| +\|/);
});

test("flavors: str_id stands in for a null id; datastores show versions as name (id)", () => {
  const flavor = { id: null, str_id: "big.one", name: "big", ram: 4096, links: [] };
  assert.ok(flavorListTable([flavor]).includes("| big.one | big  | 4096 |"));
  assert.deepEqual(flavorProperties(flavor), { id: "big.one", name: "big", ram: 4096 });
  const ds = {
    id: "d",
    name: "postgresql",
    default_version: "v2",
    links: [],
    versions: [
      { id: "v1", name: "14" },
      { id: "v2", name: "15" },
    ],
  };
  assert.deepEqual(datastoreProperties(ds), {
    id: "d",
    name: "postgresql",
    default_version: "15",
    "versions (id)": "14 (v1)\n15 (v2)",
  });
});
