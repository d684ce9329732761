// Exit codes scripts can branch on (also listed in --help).
import type { InvoiceApiError } from "@ic/invoice-api-client";

export const EXIT_OK = 0;
/** The API refused the request (invalid, not found, wrong state) or failed it (INTERNAL). */
export const EXIT_REFUSED = 1;
export const EXIT_USAGE = 2;
/** The API is unreachable, unavailable or too slow: retrying later may help. */
export const EXIT_UNAVAILABLE = 3;
export const EXIT_UNAUTHENTICATED = 4;

export function exitCodeFor(error: InvoiceApiError): number {
  switch (error.codeName) {
    case "UNAVAILABLE":
    case "DEADLINE_EXCEEDED":
      return EXIT_UNAVAILABLE;
    case "UNAUTHENTICATED":
    case "PERMISSION_DENIED":
      return EXIT_UNAUTHENTICATED;
    default:
      return EXIT_REFUSED;
  }
}
