// The API's one credential: metadata `authorization: Bearer <token>`. Both sides are hashed
// before a constant-time comparison, so neither the time taken nor an early length check
// tells a guesser how close a wrong token was.
import { createHash, timingSafeEqual } from "node:crypto";
import { InvoiceApiConfigError } from "./invoice-api-config-error.ts";

/** Long enough that guessing is hopeless (e.g. `openssl rand -hex 32`). */
export const MIN_AUTH_TOKEN_LENGTH = 32;

/** Why the metadata values do not authenticate the call, or null when they do. */
export type BearerTokenCheck = (authorizationValues: readonly (string | Buffer)[]) => string | null;

export function bearerTokenCheck(expectedToken: string): BearerTokenCheck {
  if (expectedToken.length < MIN_AUTH_TOKEN_LENGTH || /\s/.test(expectedToken))
    throw new InvoiceApiConfigError(
      `the API auth token must be at least ${MIN_AUTH_TOKEN_LENGTH} characters without whitespace (e.g. openssl rand -hex 32)`,
    );
  const expectedDigest = sha256(expectedToken);
  return (values) => {
    if (values.length === 0) return "missing metadata 'authorization: Bearer <token>'";
    if (values.length > 1) return "more than one 'authorization' metadata entry";
    const value = values[0];
    const text = typeof value === "string" ? value : value?.toString("utf8") ?? "";
    const match = /^Bearer +(\S+)\s*$/i.exec(text);
    if (match === null) return "the 'authorization' metadata must be 'Bearer <token>'";
    return timingSafeEqual(sha256(match[1] ?? ""), expectedDigest) ? null : "invalid bearer token";
  };
}

function sha256(text: string): Buffer {
  return createHash("sha256").update(text, "utf8").digest();
}
