import { createHash, randomBytes } from "node:crypto";

/**
 * Token secrets. A token is 32 random bytes (256 bits) in base64url; only its SHA-256 is stored.
 * A fast hash is right here (unlike passwords): the secret has full entropy, so the hash cannot be
 * searched, and validation is on every request's path.
 */

export type TokenSecretGenerator = () => string;

export const randomTokenSecret: TokenSecretGenerator = () => randomBytes(32).toString("base64url");

export function hashToken(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Keystone's audit ids: 16 random bytes, base64url, 22 characters. Not secret. */
export function newAuditId(): string {
  return randomBytes(16).toString("base64url");
}

/** A password for generated accounts (the bootstrap admin): 144 bits, shell-safe characters. */
export function generatePassword(): string {
  return randomBytes(18).toString("base64url");
}
