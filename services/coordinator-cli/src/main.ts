// Entry point: tsx src/main.ts <command> [flags]   (see --help)
import { runCli } from "./run-cli.ts";

const interrupted = new AbortController();
// The first Ctrl-C ends a subscription cleanly (exit 0); a second one is not caught.
process.once("SIGINT", () => interrupted.abort());
process.once("SIGTERM", () => interrupted.abort());

process.exitCode = await runCli(process.argv.slice(2), process.env, {
  stdout: process.stdout,
  stderr: process.stderr,
  signal: interrupted.signal,
});
