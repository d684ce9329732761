// An error's message for a log line or a status, whatever was thrown. A file of its own so the
// loops and queues that log failures need not import the bridge's runtime for it.
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
