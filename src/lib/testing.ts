export * from "./testing/temp-rabbitmq.js";
