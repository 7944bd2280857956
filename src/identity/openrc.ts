import { mkdir, open, rename } from "node:fs/promises";
import { dirname } from "node:path";

/** The `OS_*` variables the OpenStack clients (and `coffer`) read, for one user. */
export interface OpenrcVars {
  authUrl: string;
  username: string;
  password: string;
  projectName: string;
  domainName: string;
  region: string;
}

/** A shell file exporting the variables; every value single-quoted, so nothing in it is expanded. */
export function renderOpenrc(vars: OpenrcVars): string {
  const q = (v: string) => `'${v.replace(/'/g, `'\\''`)}'`;
  const lines = [
    "# Coffer admin credentials. Keep this file private: it holds the admin password.",
    "# Use: . ./admin-openrc.sh && openstack token issue",
    `export OS_AUTH_URL=${q(vars.authUrl)}`,
    "export OS_IDENTITY_API_VERSION=3",
    "export OS_AUTH_TYPE=password",
    `export OS_USERNAME=${q(vars.username)}`,
    `export OS_PASSWORD=${q(vars.password)}`,
    `export OS_PROJECT_NAME=${q(vars.projectName)}`,
    `export OS_USER_DOMAIN_NAME=${q(vars.domainName)}`,
    `export OS_PROJECT_DOMAIN_NAME=${q(vars.domainName)}`,
    `export OS_REGION_NAME=${q(vars.region)}`,
    "export OS_INTERFACE=public",
  ];
  return lines.join("\n") + "\n";
}

/**
 * Writes the file with mode 0600 from its first byte (created so, then renamed into place), so
 * the password is never readable by others, not even for a moment.
 */
export async function writePrivateFile(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, "w", 0o600);
  try {
    await handle.chmod(0o600);
    await handle.writeFile(content, "utf8");
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}
