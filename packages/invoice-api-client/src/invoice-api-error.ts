// Every failed call of the invoice API client: the gRPC status and the server's message
// (for INTERNAL, only an id to find the server's log line). The token never appears here.
import { status as GrpcStatus, type ServiceError } from "@grpc/grpc-js";

export class InvoiceApiError extends Error {
  override readonly name = "InvoiceApiError";

  constructor(
    /** gRPC status code (`@grpc/grpc-js` `status`). */
    readonly code: GrpcStatus,
    /** "AddInvoice", "SubscribeInvoices", ... */
    readonly method: string,
    /** The server's (or grpc-js's) own text. */
    readonly details: string,
    message: string,
  ) {
    super(message);
  }

  /** "NOT_FOUND", "UNAUTHENTICATED", ... */
  get codeName(): string {
    return GrpcStatus[this.code] ?? String(this.code);
  }
}

export function invoiceApiErrorFrom(error: unknown, method: string, address: string): InvoiceApiError {
  if (error instanceof InvoiceApiError) return error;
  const code = isServiceError(error) ? error.code : GrpcStatus.UNKNOWN;
  const details = isServiceError(error) ? error.details || error.message : String(error);
  const name = GrpcStatus[code] ?? String(code);
  if (code === GrpcStatus.UNAVAILABLE && /No connection established|ECONNREFUSED|ENOTFOUND|connect/i.test(details))
    return new InvoiceApiError(code, method, details, `cannot reach the invoice API at ${address}: ${lastError(details)}`);
  return new InvoiceApiError(code, method, details, `${method}: ${name}: ${details}`);
}

/** grpc-js wraps socket errors: "No connection established. Last error: Error: <reason>. Resolution note: ". */
function lastError(details: string): string {
  return /Last error: (?:Error: )?(.*?)(?:\. Resolution note:.*)?$/s.exec(details)?.[1] ?? details;
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === "number";
}
