import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";

/**
 * Password verifiers computed here, so that CREATE/ALTER statements never carry a password in
 * clear text (a statement log turned on by a configuration group would otherwise record it).
 */

const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * PostgreSQL's SCRAM-SHA-256 verifier, as `password_encryption = scram-sha-256` stores it.
 * The server applies SASLprep to passwords before hashing; SASLprep leaves printable ASCII
 * unchanged, so other passwords return undefined and are left for the server to hash.
 */
export function scramSha256Verifier(password: string, iterations = 4096): string | undefined {
  if (!PRINTABLE_ASCII.test(password)) return undefined;
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString("base64")}$${storedKey.toString("base64")}:${serverKey.toString("base64")}`;
}

/** MySQL/MariaDB mysql_native_password hash: '*' + upper hex of SHA1(SHA1(password)). */
export function mysqlNativeHash(password: string): string {
  const inner = createHash("sha1").update(password, "utf8").digest();
  return "*" + createHash("sha1").update(inner).digest("hex").toUpperCase();
}
