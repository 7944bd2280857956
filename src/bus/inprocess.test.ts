import { busConformance } from "./bus.conformance.js";
import { createInProcessBroker, createInProcessBus } from "./inprocess.js";

// All buses of this file share one broker, as the processes of one deployment share one RabbitMQ.
const broker = createInProcessBroker();
busConformance("in-process", async ({ logger }) => createInProcessBus({ logger, broker }));
