// @ic/operator-console: the operator's web page over the invoice API, the bridges' and matchers'
// metrics and Kafka's offsets (README.md).
export { CONSOLE_CONFIG_TABLE, parseConsoleConfig, type ConsoleConfig, type MetricsTarget } from "./config.ts";
export { startOperatorConsole, ConsoleStartError, type RunningConsole } from "./operator-console.ts";
export { createConsoleLogger } from "./console-logger.ts";
