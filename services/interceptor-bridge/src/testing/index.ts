// @ic/interceptor-bridge/testing: in-memory event ports for tests of the bridge and its users.
export { InMemoryEventLog } from "./in-memory-event-log.ts";
