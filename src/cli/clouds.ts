import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import yaml from "js-yaml";
import { ValidationError } from "../domain/index.js";

/**
 * clouds.yaml, as openstacksdk reads it: `OS_CLIENT_CONFIG_FILE`, else the first of
 * `./clouds.yaml`, `$XDG_CONFIG_HOME/openstack/clouds.yaml` (`~/.config/openstack/…`) and
 * `/etc/openstack/clouds.yaml`; a `secure.yaml` beside it (same search) is merged over it, so
 * passwords may live apart.
 */

export interface CloudEntry {
  auth?: Record<string, unknown>;
  auth_type?: string;
  region_name?: string;
  interface?: string;
  [key: string]: unknown;
}

export function cloudsSearchPath(env: NodeJS.ProcessEnv, cwd: string, file: string): string[] {
  const configHome = env.XDG_CONFIG_HOME ?? join(env.HOME ?? homedir(), ".config");
  return [join(cwd, file), join(configHome, "openstack", file), join("/etc/openstack", file)];
}

/** The named cloud's entry, secure.yaml merged in; throws if no file defines it. */
export function loadCloud(name: string, env: NodeJS.ProcessEnv, cwd = process.cwd()): CloudEntry {
  const explicit = env.OS_CLIENT_CONFIG_FILE;
  const cloudsFile = explicit ?? cloudsSearchPath(env, cwd, "clouds.yaml").find((p) => existsSync(p));
  const secureFile = cloudsSearchPath(env, cwd, "secure.yaml").find((p) => existsSync(p));
  const clouds = cloudsFile ? cloudsOf(cloudsFile) : {};
  const secure = secureFile ? cloudsOf(secureFile) : {};
  const entry = clouds[name];
  if (entry === undefined) {
    const where = cloudsFile ?? cloudsSearchPath(env, cwd, "clouds.yaml").join(", ");
    throw new ValidationError("CLOUD_NOT_FOUND", `Cloud ${name} was not found in ${where}.`);
  }
  return merge(entry, secure[name] ?? {}) as CloudEntry;
}

function cloudsOf(path: string): Record<string, CloudEntry> {
  let doc: unknown;
  try {
    doc = yaml.load(readFileSync(path, "utf8"));
  } catch (err) {
    throw new ValidationError("CLOUDS_YAML_INVALID", `${path} is not valid YAML: ${(err as Error).message}`);
  }
  const clouds = isObject(doc) ? doc.clouds : undefined;
  if (clouds === undefined) return {};
  if (!isObject(clouds))
    throw new ValidationError("CLOUDS_YAML_INVALID", `${path}: "clouds" must be a mapping.`);
  return clouds as Record<string, CloudEntry>;
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
