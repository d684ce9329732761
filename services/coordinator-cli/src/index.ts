// @ic/coordinator-cli: the operator CLI as functions (main.ts is the process entry).
export { parseCommandLine, UsageError, type ApiConnection, type CliCommand, type CommandLine, type Environment } from "./command-line.ts";
export { runCli, type CliIo } from "./run-cli.ts";
export { EXIT_OK, EXIT_REFUSED, EXIT_UNAUTHENTICATED, EXIT_UNAVAILABLE, EXIT_USAGE } from "./exit-codes.ts";
export { CLI_NAME, DEFAULT_API_ADDRESS } from "./help-text.ts";
