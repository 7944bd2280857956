/**
 * The configuration part of the engine conformance suite (engine.case.test.ts runs it against
 * its running engine): the shipped parameter rules against the engine's own catalogue, the
 * engine's check of a configuration, and applying one to a running engine.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { readdir } from "node:fs/promises";
import { CofferError, type ConfigValue, type ParameterType } from "../../domain/index.js";
import type { ConfigOverrides, Credentials, Engine, EngineLayout, EngineSizing } from "./engine.js";

/** One parameter as the engine's catalogue describes it (pg_settings, information_schema.SYSTEM_VARIABLES). */
export interface CatalogueEntry {
  /** Lower case. */
  name: string;
  restartRequired: boolean;
  type: ParameterType;
  min: number | null;
  max: number | null;
  unit: string | null;
}

export interface ConfigConformance {
  catalogue(layout: EngineLayout, admin: Credentials): Promise<CatalogueEntry[]>;
  /** A setting's current value as the engine shows it (SHOW …). */
  show(layout: EngineLayout, admin: Credentials, name: string): Promise<string>;
  /** A parameter that changes at once, and one that needs a restart. */
  dynamic: { name: string; value: ConfigValue; shown: string };
  static: { name: string; value: ConfigValue; shown: string };
  /** A value of the right type that the engine itself refuses. */
  rejected: { name: string; value: ConfigValue };
}

export interface ConfigContext {
  engine: Engine;
  layout(): EngineLayout;
  admin: Credentials;
  sizing: EngineSizing;
  /** Stops the running engine and starts it again on the same layout. */
  restart(): Promise<void>;
}

export function engineConfigCases(ctx: ConfigContext, options: ConfigConformance): void {
  const { engine, admin, sizing } = ctx;
  const rules = engine.capabilities.parameterRules;

  test("every shipped parameter rule matches the engine's own catalogue", async () => {
    const catalogue = new Map((await options.catalogue(ctx.layout(), admin)).map((e) => [e.name, e]));
    assert.ok(rules.length >= 60, `${rules.length} rules`);
    const layoutOwned = new Set(engine.capabilities.layoutParameters);
    for (const rule of rules) {
      const entry = catalogue.get(rule.name);
      assert.ok(entry, `${rule.name} is a parameter of the engine`);
      assert.ok(!layoutOwned.has(rule.name), `${rule.name} belongs to the layout`);
      assert.equal(rule.restartRequired, entry.restartRequired, `${rule.name}: restart_required`);
      assert.equal(rule.type, entry.type, `${rule.name}: type`);
      assert.equal(rule.unit, entry.unit, `${rule.name}: unit`);
      if (rule.min !== null && entry.min !== null)
        assert.ok(rule.min >= entry.min, `${rule.name}: min ${rule.min} ≥ ${entry.min}`);
      if (rule.max !== null && entry.max !== null)
        assert.ok(rule.max <= entry.max, `${rule.name}: max ${rule.max} ≤ ${entry.max}`);
    }
    // The flavor-derived base names real parameters too (what GET /instances/{id}/configuration shows).
    for (const name of Object.keys(engine.defaults(sizing))) {
      assert.ok(catalogue.has(name.toLowerCase()), `default ${name} is a parameter of the engine`);
    }
  });

  test("the engine checks a configuration before it is written, naming what it refuses", async () => {
    const layout = ctx.layout();
    const files = async () => (await readdir(layout.dataDir)).sort();
    const before = await files();
    const rendered = await snapshot(layout);
    await engine.checkConfig(layout, sizing, { [options.dynamic.name]: options.dynamic.value });
    const bad: ConfigOverrides = {
      [options.dynamic.name]: options.dynamic.value,
      [options.rejected.name]: options.rejected.value,
    };
    await assert.rejects(engine.checkConfig(layout, sizing, bad), (err: unknown) => {
      assert.ok(err instanceof CofferError && err.code === "ENGINE_CONFIG_REJECTED", String(err));
      assert.equal(err.details?.parameter, options.rejected.name, err.message);
      assert.match(err.message, new RegExp(options.rejected.name));
      return true;
    });
    assert.deepEqual(await files(), before, "nothing left beside the data");
    assert.equal(await snapshot(layout), rendered, "the engine's configuration is unchanged");
  });

  test("applyLive: a dynamic value at once, a static one after a restart, back to the defaults", async () => {
    const { dynamic, static: fixed } = options;
    const show = (name: string) => options.show(ctx.layout(), admin, name);
    const defaults = { dynamic: await show(dynamic.name), fixed: await show(fixed.name) };
    assert.notEqual(defaults.dynamic, dynamic.shown);
    assert.notEqual(defaults.fixed, fixed.shown);
    const apply = async (overrides: ConfigOverrides, started: ConfigOverrides) => {
      await engine.renderConfig(ctx.layout(), sizing, overrides);
      const keys = [
        ...new Set([...Object.keys(overrides), ...Object.keys(started), dynamic.name, fixed.name]),
      ];
      return engine.applyLive(ctx.layout(), admin, { sizing, overrides, started, keys });
    };
    const one = { [dynamic.name]: dynamic.value };
    const both = { ...one, [fixed.name]: fixed.value };
    assert.deepEqual(await apply(one, {}), { restartRequired: false });
    assert.equal(await show(dynamic.name), dynamic.shown);
    assert.deepEqual(await apply(both, {}), { restartRequired: true });
    assert.equal(await show(fixed.name), defaults.fixed, "a static value waits for the restart");
    await ctx.restart();
    assert.equal(await show(fixed.name), fixed.shown);
    assert.equal(await show(dynamic.name), dynamic.shown);
    assert.deepEqual(await apply(both, both), { restartRequired: false }, "nothing pending after it");
    assert.deepEqual(await apply({}, both), { restartRequired: true });
    assert.equal(await show(dynamic.name), defaults.dynamic, "the default is back at once");
    await ctx.restart();
    assert.equal(await show(fixed.name), defaults.fixed);
    assert.deepEqual(await apply({}, {}), { restartRequired: false });
  });
}

async function snapshot(layout: EngineLayout): Promise<string> {
  const names = await readdir(layout.dataDir);
  const config = names.find((n) => n === "postgresql.conf" || n === "my.cnf");
  return config ? readFile(`${layout.dataDir}/${config}`, "utf8") : "";
}
