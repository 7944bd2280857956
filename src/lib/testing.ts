/**
 * lib/testing: helpers for tests only (imported from *.test.ts files, never from production code).
 * They start real things — a throwaway PostgreSQL server, a throwaway RabbitMQ node — in temp dirs
 * on free ports.
 */
export * from "./testing/temp-postgres.js";
export * from "./testing/temp-rabbitmq.js";
