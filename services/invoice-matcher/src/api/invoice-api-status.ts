// What a failed call tells the caller. Refusals the port or the request parsers explain are
// passed on with their message (safe by the port's contract). Anything else is a bug or an
// outage inside the coordinator: the caller gets INTERNAL and an id to quote, the log gets
// the details, because an unexpected error's text may hold anything, secrets included.
import { randomBytes } from "node:crypto";
import { status as GrpcStatus } from "@grpc/grpc-js";
import { InvoiceServiceError, type InvoiceServiceErrorCode } from "@ic/invoice-api-client";
import { InvalidApiArgument } from "./invoice-api-requests.ts";

export interface CallStatus {
  code: GrpcStatus;
  details: string;
  /** Set for unexpected errors: the id in `details`, to find the log line. */
  internalErrorId?: string;
}

export function grpcCodeFor(code: InvoiceServiceErrorCode): GrpcStatus {
  switch (code) {
    case "invalid_argument":
      return GrpcStatus.INVALID_ARGUMENT;
    case "not_found":
      return GrpcStatus.NOT_FOUND;
    case "failed_precondition":
      return GrpcStatus.FAILED_PRECONDITION;
    case "already_exists":
      return GrpcStatus.ALREADY_EXISTS;
    case "unavailable":
      return GrpcStatus.UNAVAILABLE;
    default: {
      const unknownCode: never = code;
      // A code added to the port but not here is a bug of this file: say nothing more.
      void unknownCode;
      return GrpcStatus.INTERNAL;
    }
  }
}

export function callStatusFor(error: unknown): CallStatus {
  if (error instanceof InvalidApiArgument) return { code: GrpcStatus.INVALID_ARGUMENT, details: error.message };
  if (error instanceof InvoiceServiceError) {
    const code = grpcCodeFor(error.code);
    if (code !== GrpcStatus.INTERNAL) return { code, details: error.message };
  }
  const internalErrorId = randomBytes(6).toString("hex");
  return { code: GrpcStatus.INTERNAL, details: `internal error (id ${internalErrorId})`, internalErrorId };
}
