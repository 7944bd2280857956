import type { Handler } from "../bus/index.js";
import { parseInstanceId, parsePlacementRequest, parsePoolShape } from "./args.js";
import type { PlacementRequest, PlacementResult, PooledInstance, PoolShape } from "./rpc.js";

/** The methods of `compute.<host>` (HostClient's names), arguments checked before use. */
export function hostHandlers(ops: {
  provision(request: PlacementRequest): Promise<PlacementResult>;
  destroy(instanceId: string): Promise<void>;
  claimPooled(shape: PoolShape): Promise<PooledInstance | null>;
  releasePooled(instanceId: string): Promise<void>;
}): Record<string, Handler> {
  return {
    provision: async (args) => ops.provision(parsePlacementRequest(args)),
    destroy: async (args) => {
      await ops.destroy(parseInstanceId("destroy", args));
    },
    claim_pooled: async (args) => ops.claimPooled(parsePoolShape(args)),
    release_pooled: async (args) => {
      await ops.releasePooled(parseInstanceId("release_pooled", args));
    },
  };
}
