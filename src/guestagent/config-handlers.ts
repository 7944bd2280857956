import type { Handler } from "../bus/index.js";
import { parseOverrides } from "./args.js";
import type { GuestAgent } from "./guest-agent.js";
import { checkOverrides, updateOverrides } from "./overrides.js";

/**
 * The configuration-group methods of `guestagent.<id>` (GuestClient's checkOverrides and
 * updateOverrides). Both run alone on the instance, like every operation but get_status.
 */
export function configHandlers(agent: GuestAgent): Record<string, Handler> {
  return {
    check_overrides: async (args) => {
      const overrides = parseOverrides("check_overrides", args);
      await agent.exclusive(() => checkOverrides(agent, overrides));
      return {};
    },
    update_overrides: async (args) => {
      const overrides = parseOverrides("update_overrides", args);
      return agent.exclusive(() => updateOverrides(agent, overrides));
    },
  };
}
