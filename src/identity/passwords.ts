import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * Password hashing with scrypt (a slow, salted, memory-hard function). A stored hash carries its
 * own parameters, `scrypt$<log2 N>$<r>$<p>$<salt>$<key>` (base64url), so the cost can be raised
 * later without invalidating existing passwords. Comparison is constant-time.
 */

export interface ScryptCost {
  /** log2 of scrypt's N (CPU/memory cost). 15 → N = 32768, about 32 MiB and tens of ms per hash. */
  log2N: number;
  r: number;
  p: number;
}

export const DEFAULT_SCRYPT_COST: ScryptCost = { log2N: 15, r: 8, p: 1 };
/** For tests only: the same algorithm, cheap enough to run hundreds of times. */
export const TEST_SCRYPT_COST: ScryptCost = { log2N: 10, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;

export interface PasswordHasher {
  hash(password: string): Promise<string>;
  /** False for a wrong password or a hash this hasher cannot read; never throws for those. */
  verify(password: string, stored: string): Promise<boolean>;
  /**
   * Spends as long as a verification, for logins whose user does not exist, so that the
   * answer's timing does not tell whether a user name is known.
   */
  burn(password: string): Promise<void>;
}

export function createPasswordHasher(cost: ScryptCost = DEFAULT_SCRYPT_COST): PasswordHasher {
  const dummySalt = randomBytes(SALT_LENGTH);
  return {
    async hash(password) {
      const salt = randomBytes(SALT_LENGTH);
      const key = await derive(password, salt, cost);
      return [
        "scrypt",
        cost.log2N,
        cost.r,
        cost.p,
        salt.toString("base64url"),
        key.toString("base64url"),
      ].join("$");
    },
    async verify(password, stored) {
      const parsed = parse(stored);
      if (!parsed) return false;
      const key = await derive(password, parsed.salt, parsed.cost, parsed.key.length);
      return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
    },
    async burn(password) {
      await derive(password, dummySalt, cost);
    },
  };
}

function parse(stored: string): { cost: ScryptCost; salt: Buffer; key: Buffer } | undefined {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return undefined;
  const [log2N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  if (![log2N, r, p].every((n) => Number.isInteger(n) && n > 0) || log2N > 22) return undefined;
  const salt = Buffer.from(parts[4]!, "base64url");
  const key = Buffer.from(parts[5]!, "base64url");
  if (salt.length === 0 || key.length === 0) return undefined;
  return { cost: { log2N, r, p }, salt, key };
}

function derive(password: string, salt: Buffer, cost: ScryptCost, length = KEY_LENGTH): Promise<Buffer> {
  const N = 2 ** cost.log2N;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 256 * N * cost.r + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize("NFC"), salt, length, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}
