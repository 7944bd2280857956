import type { MessageBus } from "../bus/index.js";
import { type Metrics, topicKind } from "./metrics.js";

/**
 * The bus with its calls timed and its casts counted (coffer_bus_call_duration_seconds,
 * coffer_bus_casts_total). Serving and closing pass through untouched.
 */
export function instrumentBus(bus: MessageBus, metrics: Metrics): MessageBus {
  return {
    async call(topic, method, args, options) {
      const end = metrics.busCalls.startTimer({ topic: topicKind(topic), method });
      try {
        const result = await bus.call(topic, method, args, options);
        end({ result: "ok" });
        return result as never;
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        end({ result: typeof code === "string" ? code : "error" });
        throw err;
      }
    },
    cast(topic, method, args) {
      metrics.busCasts.inc({ topic: topicKind(topic), method });
      return bus.cast(topic, method, args);
    },
    serve: (topic, handlers) => bus.serve(topic, handlers),
    close: () => bus.close(),
  };
}
