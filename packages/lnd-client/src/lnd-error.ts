// Every failure of an lnd call reaches callers as an LndError: the gRPC status code, the
// call, and a message saying what to check. The macaroon never appears in it: errors end
// up in logs, and the macaroon is a bearer credential.
import { status as Status, type ServiceError } from "@grpc/grpc-js";

export type LndErrorKind =
  /** No connection could be made (lnd down, wrong host or port). */
  | "unreachable"
  /** Connected, but the TLS handshake failed (wrong cert, or the cert does not cover the host). */
  | "tls"
  /** lnd refused the macaroon (wrong node, wrong file, missing permission). */
  | "macaroon"
  /** lnd is up but the wallet is locked or the RPC server is still starting. */
  | "not-ready"
  | "deadline"
  /** Cancelled by this process (close(), cancel(), leaving a for-await loop). */
  | "cancelled"
  | "not-found"
  /** Another process already holds this node's HTLC interceptor stream. */
  | "interceptor-exists"
  /** An interceptor resolution named a circuit key lnd does not hold; lnd closed the stream. */
  | "forward-not-held"
  | "rpc";

export class LndError extends Error {
  override readonly name = "LndError";

  constructor(
    readonly kind: LndErrorKind,
    /** gRPC status code (`@grpc/grpc-js` `status`). */
    readonly code: Status,
    /** "host:port" of the lnd node. */
    readonly address: string,
    /** Fully qualified method, e.g. "lnrpc.Lightning/GetInfo". */
    readonly method: string,
    /** lnd's own error text. */
    readonly details: string,
    message: string,
  ) {
    super(message);
  }

  get codeName(): string {
    return Status[this.code] ?? String(this.code);
  }
}

interface ErrorContext {
  address: string;
  method: string;
  /** Removed from any text that reaches the error, should a server ever echo it. */
  macaroonHex: string;
}

const MACAROON_REJECTED =
  /macaroon|verification failed|root key|invalid ID|permission denied|cannot get macaroon/i;
const NOT_READY =
  /wallet locked|not yet ready|process of starting up|waiting to start|wallet not (created|unlocked)/i;
const TLS_FAILED = /certificate|self[- ]signed|ssl|tls|handshake|altnames/i;

export function lndErrorFrom(error: unknown, context: ErrorContext): LndError {
  if (error instanceof LndError) return error;
  const code = isServiceError(error) ? error.code : Status.UNKNOWN;
  const rawDetails = isServiceError(error) ? error.details || error.message : String(error);
  const details = scrub(rawDetails, context.macaroonHex);
  const { address, method } = context;
  const make = (kind: LndErrorKind, message: string) =>
    new LndError(kind, code, address, method, details, message);

  if (code === Status.UNAVAILABLE) {
    const reason = connectionFailureReason(details);
    if (TLS_FAILED.test(details)) {
      return make(
        "tls",
        `TLS handshake with lnd at ${address} failed (${reason}): check the TLS cert path and that the cert covers this host`,
      );
    }
    if (NOT_READY.test(details)) return notReady();
    return make(
      "unreachable",
      `cannot reach lnd at ${address} (${reason}): is lnd running and listening for gRPC there?`,
    );
  }
  if (code === Status.DEADLINE_EXCEEDED) {
    return make("deadline", `lnd at ${address} did not answer ${method} before the deadline (${details})`);
  }
  if (code === Status.CANCELLED)
    return make("cancelled", `${method} to lnd at ${address} was cancelled (${details})`);
  if (code === Status.NOT_FOUND)
    return make("not-found", `lnd at ${address}: ${method} found nothing (${details})`);
  // lnd reports most refusals as plain errors (status UNKNOWN): its text tells them apart.
  if (
    code === Status.UNAUTHENTICATED ||
    code === Status.PERMISSION_DENIED ||
    MACAROON_REJECTED.test(details)
  ) {
    return macaroon();
  }
  if (NOT_READY.test(details)) return notReady();
  if (/interceptor already exists/i.test(details)) {
    return make(
      "interceptor-exists",
      `lnd at ${address} already has an HTLC interceptor connected (${details}): only one may run per node`,
    );
  }
  if (/forward does not exist/i.test(details)) {
    return make(
      "forward-not-held",
      `lnd at ${address} closed the HTLC interceptor stream: a resolution named a circuit key it does not hold (${details})`,
    );
  }
  return make("rpc", `lnd at ${address} failed ${method}: ${Status[code] ?? code} ${details}`);

  function macaroon(): LndError {
    return make("macaroon", `lnd at ${address} rejected the macaroon (${details}): check the macaroon path`);
  }
  function notReady(): LndError {
    return make(
      "not-ready",
      `lnd at ${address} is not ready (${details}): wait until State.GetState is SERVER_ACTIVE`,
    );
  }
}

/** grpc-js wraps the socket error: "No connection established. Last error: Error: <reason>. Resolution note: ". */
function connectionFailureReason(details: string): string {
  const match = /Last error: (?:Error: )?(.*?)(?:\. Resolution note:.*)?$/s.exec(details);
  return match?.[1] ?? details;
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number";
}

function scrub(text: string, secret: string): string {
  return secret.length > 0 ? text.split(secret).join("<macaroon>") : text;
}
