/**
 * bus: how Coffer's parts talk, as Trove's do over oslo.messaging: `call` (request/response with a
 * timeout), `cast` (fire and forget, at most once) and `serve` (competing consumers) on named
 * topics, carrying plain JSON only. Remote CofferErrors come back as CofferErrors. Two
 * implementations with one behaviour, both held to bus.conformance.ts: in-process (the embedded
 * default) and RabbitMQ (scaled out). Semantics and topic names: docs/bus.md.
 */
export type {
  CallOptions,
  Handler,
  HandlerContext,
  JsonValue,
  MessageBus,
  ServeOptions,
  Subscription,
} from "./port.js";
export {
  createInProcessBroker,
  createInProcessBus,
  type InProcessBroker,
  type InProcessBusDeps,
} from "./inprocess.js";
export { createAmqpBus, type AmqpBusDeps } from "./amqp.js";
export { BusCode } from "./wire.js";
