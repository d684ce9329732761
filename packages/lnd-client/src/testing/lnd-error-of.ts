import { LndError } from "../lnd-error.ts";

/** The LndError a call or a stream's next() rejects with; throws if it resolves or rejects with anything else. */
export async function lndErrorOf(promise: Promise<unknown>): Promise<LndError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof LndError)) throw new Error(`expected an LndError, got ${String(error)}`);
  return error;
}
