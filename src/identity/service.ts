import type { Clock, IdGenerator } from "../domain/index.js";
import type { Store } from "../store/index.js";
import { bootstrap, type BootstrapOptions, type BootstrapResult } from "./bootstrap.js";
import type { CatalogOptions } from "./catalog.js";
import { Directory } from "./directory.js";
import { createPasswordHasher, type PasswordHasher } from "./passwords.js";
import { QuotaService, type QuotaLimits } from "./quotas.js";
import { TokenCache } from "./token-cache.js";
import { TokenService } from "./token-service.js";
import { randomTokenSecret, type TokenSecretGenerator } from "./tokens.js";

/** The part of Coffer's resolved config that identity reads. */
export interface IdentityConfig {
  dataDir: string;
  publicUrl: string;
  region: string;
  tokenTtlSeconds: number;
  tokenCacheTtlSeconds: number;
  lockoutThreshold: number;
  lockoutDurationSeconds: number;
  quotaDefaults: Readonly<QuotaLimits>;
}

export interface IdentityDeps {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  config: IdentityConfig;
  /** Defaults to scrypt at the production cost; tests pass a cheaper one. */
  hasher?: PasswordHasher;
  /** Defaults to 256 random bits. */
  tokenSecrets?: TokenSecretGenerator;
}

/** The identity component as the rest of Coffer sees it. */
export interface Identity {
  readonly tokens: TokenService;
  readonly directory: Directory;
  readonly quotas: QuotaService;
  readonly catalog: CatalogOptions;
  /** Creates the domain, roles, admin project and user if missing; see bootstrap.ts. */
  bootstrap(options?: BootstrapOptions): Promise<BootstrapResult>;
}

export function createIdentity(deps: IdentityDeps): Identity {
  const { store, clock, ids, config } = deps;
  const hasher = deps.hasher ?? createPasswordHasher();
  const cache = new TokenCache(clock, config.tokenCacheTtlSeconds * 1000);
  const tokens = new TokenService({
    store,
    clock,
    hasher,
    cache,
    secrets: deps.tokenSecrets ?? randomTokenSecret,
    options: {
      tokenTtlSeconds: config.tokenTtlSeconds,
      lockoutThreshold: config.lockoutThreshold,
      lockoutDurationSeconds: config.lockoutDurationSeconds,
    },
  });
  const directory = new Directory({ store, clock, ids, hasher, cache, tokens });
  const quotas = new QuotaService({ store, defaults: config.quotaDefaults });
  const catalog: CatalogOptions = { publicUrl: config.publicUrl, region: config.region };
  return {
    tokens,
    directory,
    quotas,
    catalog,
    bootstrap: (options) =>
      bootstrap(
        {
          store,
          clock,
          ids,
          hasher,
          tokens,
          dataDir: config.dataDir,
          authUrl: `${config.publicUrl}/v3`,
          region: config.region,
        },
        options,
      ),
  };
}
