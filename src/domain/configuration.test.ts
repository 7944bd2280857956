import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CofferError,
  inRuleUnit,
  parseRule,
  parseValidationRules,
  validateConfigValues,
  type ParameterRule,
} from "./index.js";

const rule = (r: Partial<ParameterRule> & Pick<ParameterRule, "name" | "type">): ParameterRule => ({
  restartRequired: false,
  min: null,
  max: null,
  unit: null,
  ...r,
});
const RULES = [
  rule({ name: "max_connections", type: "integer", restartRequired: true, min: 10, max: 5000 }),
  rule({
    name: "shared_buffers",
    type: "integer",
    restartRequired: true,
    min: 16,
    max: 1073741823,
    unit: "8kB",
  }),
  rule({ name: "statement_timeout", type: "integer", min: 0, max: 2147483647, unit: "ms" }),
  rule({ name: "vacuum_cost_delay", type: "float", min: 0, max: 100, unit: "ms" }),
  rule({ name: "long_query_time", type: "float", min: 0, max: 31536000 }),
  rule({ name: "autovacuum", type: "boolean" }),
  rule({ name: "character_set_server", type: "string" }),
];

const fails = (code: string, parameter: string) => (err: unknown) =>
  err instanceof CofferError &&
  err.kind === "unprocessable" &&
  err.code === code &&
  err.details?.parameter === parameter &&
  err.message.includes(parameter);

test("values of the right type and range pass, names as the rules spell them", () => {
  assert.deepEqual(
    validateConfigValues(RULES, {
      MAX_CONNECTIONS: 200,
      long_query_time: 1, // an integer literal for a float (Trove refuses it; Coffer does not)
      autovacuum: false,
      character_set_server: "utf8mb4",
    }),
    { max_connections: 200, long_query_time: 1, autovacuum: false, character_set_server: "utf8mb4" },
  );
  assert.deepEqual(validateConfigValues(RULES, {}), {});
});

test("unknown names, wrong types and out-of-range values are 422s naming the parameter", () => {
  const cases: [Record<string, unknown>, string, string][] = [
    [{ no_such_thing: 1 }, "CONFIGURATION_PARAMETER_UNKNOWN", "no_such_thing"],
    [{ max_connections: "200" }, "CONFIGURATION_VALUE_INVALID", "max_connections"],
    [{ max_connections: 1.5 }, "CONFIGURATION_VALUE_INVALID", "max_connections"],
    [{ max_connections: true }, "CONFIGURATION_VALUE_INVALID", "max_connections"],
    [{ max_connections: 5 }, "CONFIGURATION_VALUE_OUT_OF_RANGE", "max_connections"],
    [{ max_connections: 5001 }, "CONFIGURATION_VALUE_OUT_OF_RANGE", "max_connections"],
    [{ autovacuum: "off" }, "CONFIGURATION_VALUE_INVALID", "autovacuum"],
    [{ autovacuum: 1 }, "CONFIGURATION_VALUE_INVALID", "autovacuum"],
    [{ character_set_server: 8 }, "CONFIGURATION_VALUE_INVALID", "character_set_server"],
    [{ character_set_server: "utf8\n[client]" }, "CONFIGURATION_VALUE_INVALID", "character_set_server"],
    [{ long_query_time: "2" }, "CONFIGURATION_VALUE_INVALID", "long_query_time"],
  ];
  for (const [values, code, parameter] of cases) {
    assert.throws(() => validateConfigValues(RULES, values), fails(code, parameter), JSON.stringify(values));
  }
  assert.throws(
    () => validateConfigValues([], { a: 1 }),
    (err: unknown) => err instanceof CofferError && err.code === "CONFIGURATION_UNSUPPORTED",
  );
});

test("values with units are converted to the rule's unit and checked against the engine's limits", () => {
  const sb = RULES[1]!;
  assert.equal(inRuleUnit(sb, "256MB"), 32768);
  assert.equal(inRuleUnit(sb, "1GB"), 131072);
  assert.equal(inRuleUnit(sb, "100kB"), 13); // rounded, as PostgreSQL does
  assert.equal(inRuleUnit(sb, 4096), 4096);
  assert.equal(inRuleUnit(sb, "4096"), 4096);
  assert.equal(inRuleUnit(sb, "256 MB"), 32768);
  assert.equal(inRuleUnit(sb, "256mb"), undefined, "units are case-sensitive, as in PostgreSQL");
  assert.equal(inRuleUnit(sb, "5s"), undefined, "a time unit for a memory setting");
  assert.equal(inRuleUnit(RULES[2]!, "1min"), 60000);
  assert.equal(inRuleUnit(RULES[3]!, "1500us"), 1.5);
  assert.deepEqual(
    validateConfigValues(RULES, { shared_buffers: "256MB", statement_timeout: "30s", vacuum_cost_delay: 2 }),
    { shared_buffers: "256MB", statement_timeout: "30s", vacuum_cost_delay: 2 },
  );
  assert.throws(
    () => validateConfigValues(RULES, { shared_buffers: "64kB" }),
    fails("CONFIGURATION_VALUE_OUT_OF_RANGE", "shared_buffers"),
  );
  assert.throws(
    () => validateConfigValues(RULES, { shared_buffers: "lots" }),
    fails("CONFIGURATION_VALUE_INVALID", "shared_buffers"),
  );
  assert.throws(
    () => validateConfigValues(RULES, { shared_buffers: "16TB" }),
    fails("CONFIGURATION_VALUE_OUT_OF_RANGE", "shared_buffers"),
  );
});

test("validation-rules.json in Trove's shape, with the unit extension", () => {
  const rules = parseValidationRules({
    "configuration-parameters": [
      { name: "Max_Connections", restart_required: false, max: 100000, min: 1, type: "integer" },
      { name: "work_mem", restart_required: 0, type: "integer", min: 64, unit: "kB" },
      { name: "sql_mode", restart_required: false, type: "string" },
    ],
  });
  assert.deepEqual(rules[0], {
    name: "max_connections",
    type: "integer",
    restartRequired: false,
    min: 1,
    max: 100000,
    unit: null,
  });
  assert.equal(rules[1]!.unit, "kB");
  const bad: unknown[] = [
    {},
    { "configuration-parameters": [{ name: "a", type: "decimal", restart_required: false }] },
    { "configuration-parameters": [{ name: "a", type: "integer" }] },
    { "configuration-parameters": [{ name: "a", type: "integer", restart_required: true, min: 5, max: 1 }] },
    { "configuration-parameters": [{ name: "a", type: "string", restart_required: true, unit: "kB" }] },
    { "configuration-parameters": [{ name: "a", type: "integer", restart_required: true, unit: "parsecs" }] },
    { "configuration-parameters": [{ name: "a b", type: "integer", restart_required: true }] },
    {
      "configuration-parameters": [
        { name: "a", type: "integer", restart_required: true },
        { name: "A", type: "integer", restart_required: true },
      ],
    },
  ];
  for (const file of bad) {
    assert.throws(
      () => parseValidationRules(file),
      (err: unknown) => err instanceof CofferError && err.code === "PARAMETER_RULE_INVALID",
      JSON.stringify(file),
    );
  }
  assert.equal(parseRule({ name: "x", type: "float", restart_required: true }).min, null);
});
