import type { Command } from "commander";
import { ValidationError } from "../domain/index.js";
import { loadCloud } from "./clouds.js";

/**
 * How `coffer` finds its credentials: exactly as the OpenStack clients do. Each setting comes from
 * its `--os-*` flag, else its `OS_*` variable, else the cloud named by `--os-cloud`/`OS_CLOUD` in
 * clouds.yaml. With the variables of admin-openrc.sh, `coffer` just works.
 */

export const AUTH_SETTINGS = {
  cloud: ["--os-cloud", "OS_CLOUD", undefined, "Named cloud in clouds.yaml"],
  authUrl: ["--os-auth-url", "OS_AUTH_URL", "auth_url", "Identity (Keystone v3) URL"],
  authType: ["--os-auth-type", "OS_AUTH_TYPE", "auth_type", "password (default), token, admin_token or none"],
  username: ["--os-username", "OS_USERNAME", "username", "User name"],
  userId: ["--os-user-id", "OS_USER_ID", "user_id", "User id"],
  password: ["--os-password", "OS_PASSWORD", "password", "Password"],
  projectName: ["--os-project-name", "OS_PROJECT_NAME", "project_name", "Project name"],
  projectId: ["--os-project-id", "OS_PROJECT_ID", "project_id", "Project id"],
  userDomainName: ["--os-user-domain-name", "OS_USER_DOMAIN_NAME", "user_domain_name", "User's domain name"],
  userDomainId: ["--os-user-domain-id", "OS_USER_DOMAIN_ID", "user_domain_id", "User's domain id"],
  projectDomainName: [
    "--os-project-domain-name",
    "OS_PROJECT_DOMAIN_NAME",
    "project_domain_name",
    "Project's domain name",
  ],
  projectDomainId: [
    "--os-project-domain-id",
    "OS_PROJECT_DOMAIN_ID",
    "project_domain_id",
    "Project's domain id",
  ],
  token: ["--os-token", "OS_TOKEN", "token", "An existing token (auth type token or admin_token)"],
  regionName: ["--os-region-name", "OS_REGION_NAME", "region_name", "Region of the database endpoint"],
  interface: ["--os-interface", "OS_INTERFACE", "interface", "Endpoint interface: public, internal or admin"],
  endpoint: ["--os-endpoint", "OS_ENDPOINT", "endpoint", "Database API URL, bypassing the catalog"],
} as const satisfies Record<string, readonly [string, string, string | undefined, string]>;

export type AuthSetting = keyof typeof AUTH_SETTINGS;
export type AuthOptions = Partial<Record<AuthSetting, string>>;

/** Adds every `--os-*` flag to a command (commander names them osAuthUrl, osUsername, …). */
export function addAuthFlags(command: Command): Command {
  for (const [flag, env, , doc] of Object.values(AUTH_SETTINGS)) {
    command.option(`${flag} <value>`, `${doc} [env ${env}]`);
  }
  return command;
}

/** Commander's option key for a setting: `--os-auth-url` → `osAuthUrl`. */
function flagKey(flag: string): string {
  return flag.replace(/^--/, "").replace(/-([a-z])/g, (_m: string, c: string) => c.toUpperCase());
}

/** Flags over environment over clouds.yaml. `flags` is what commander parsed. */
export function resolveAuthOptions(
  flags: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
  cwd?: string,
): AuthOptions {
  const fromFlagsOrEnv = (setting: AuthSetting): string | undefined => {
    const [flag, envName] = AUTH_SETTINGS[setting];
    const value = flags[flagKey(flag)] ?? env[envName];
    return typeof value === "string" && value !== "" ? value : undefined;
  };
  const cloudName = fromFlagsOrEnv("cloud");
  const cloud = cloudName === undefined ? undefined : loadCloud(cloudName, env, cwd);
  const options: AuthOptions = {};
  for (const setting of Object.keys(AUTH_SETTINGS) as AuthSetting[]) {
    const fromCloud = cloud ? cloudValue(cloud, AUTH_SETTINGS[setting][2]) : undefined;
    const value = fromFlagsOrEnv(setting) ?? fromCloud;
    if (value !== undefined) options[setting] = value;
  }
  return options;
}

function cloudValue(cloud: Record<string, unknown>, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  // Credentials live under `auth:`; region, interface and auth_type at the top (either works).
  const auth = (cloud.auth ?? {}) as Record<string, unknown>;
  let value = auth[key] ?? cloud[key];
  // clouds.yaml may name a domain once for both user and project.
  if (value === undefined && /^(user|project)_domain_(name|id)$/.test(key)) {
    value = auth[key.replace(/^(user|project)_/, "")];
  }
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" && typeof value !== "number") {
    throw new ValidationError("CLOUDS_YAML_INVALID", `clouds.yaml: ${key} must be a string.`);
  }
  return String(value);
}
