// @ic/invoice-matcher/api: the invoice API's server (gRPC over the InvoiceService port) and the
// port's request limits. The client, the port's types and the wire shapes are
// @ic/invoice-api-client, which callers use without depending on the matcher.
export { startInvoiceApi, type InvoiceApi, type InvoiceApiOptions, type InvoiceApiTlsFiles } from "./grpc-server.ts";
export { InvoiceApiConfigError } from "./invoice-api-config-error.ts";
export type { InvoiceApiLogger } from "./invoice-api-logger.ts";
// The token check is shared with the operator console (services/operator-console), which is behind the same token.
export { bearerTokenCheck, MIN_AUTH_TOKEN_LENGTH, type BearerTokenCheck } from "./bearer-token.ts";
export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from "./invoice-api-requests.ts";
export {
  createInvoiceRequestProblem,
  DESCRIPTION_HASH_BYTES,
  externalRefProblem,
  MAX_AMOUNT_MSAT,
  MAX_DESCRIPTION_BYTES,
  MAX_EXPIRY_SECONDS,
  MAX_EXTERNAL_REF_LENGTH,
  type CreateInvoiceField,
  type CreateInvoiceProblem,
} from "../invoice-service/create-invoice-limits.ts";
