import { describe } from "node:test";
import { catalogCases } from "./conformance/catalog.js";
import { configurationCases } from "./conformance/configurations.js";
import { engineFigureCases } from "./conformance/engine-figures.js";
import { eventCases } from "./conformance/events.js";
import { exclusiveCases } from "./conformance/exclusive.js";
import { identityCases } from "./conformance/identity.js";
import { instanceCases } from "./conformance/instances.js";
import { quotaCases } from "./conformance/quotas.js";
import { rootHistoryCases } from "./conformance/root-history.js";
import { taskCases } from "./conformance/tasks.js";
import { transactionCases } from "./conformance/transactions.js";
import type { StoreFactory } from "./conformance/harness.js";

export type { StoreFactory } from "./conformance/harness.js";

/**
 * The one suite every Store implementation must pass (CONVENTIONS §3). A dialect's test file calls
 * it with a factory that opens a store on a new, empty database of its own.
 */
export function storeConformance(name: string, factory: StoreFactory): void {
  describe(`store conformance: ${name}`, () => {
    identityCases(factory);
    quotaCases(factory);
    transactionCases(factory);
    catalogCases(factory);
    instanceCases(factory);
    taskCases(factory);
    configurationCases(factory);
    rootHistoryCases(factory);
    engineFigureCases(factory);
    eventCases(factory);
    exclusiveCases(factory);
  });
}
