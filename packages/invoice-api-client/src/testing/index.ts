// @ic/invoice-api-client/testing: sample values for tests of callers and of servers.
export { FAKE_COORDINATOR_INFO } from "./coordinator-info.ts";
