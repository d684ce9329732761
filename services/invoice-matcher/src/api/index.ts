// @ic/invoice-matcher/api: the invoice API (gRPC server over the InvoiceService port) and its
// typed client.
export { startInvoiceApi, type InvoiceApi, type InvoiceApiOptions, type InvoiceApiTlsFiles } from "./grpc-server.ts";
export { connectInvoiceApi, type InvoiceApiClient, type InvoiceApiClientOptions } from "./invoice-api-client.ts";
export { InvoiceApiError } from "./invoice-api-error.ts";
export { InvoiceApiConfigError } from "./invoice-api-config-error.ts";
export type { InvoiceApiLogger } from "./invoice-api-logger.ts";
export type { InvoiceEventStream } from "./invoice-event-stream.ts";
export { COORDINATOR_PROTO_DIR, INVOICES_SERVICE_NAME } from "./invoice-api-protos.ts";
export { MIN_AUTH_TOKEN_LENGTH } from "./bearer-token.ts";
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
export type {
  ClusterNodeView,
  CoordinatorInfo,
  CreateInvoiceRequest,
  InvoiceEventKind,
  InvoiceEventView,
  InvoiceHtlcView,
  InvoiceMode,
  InvoiceService,
  InvoiceStatus,
  InvoiceView,
} from "../invoice-service/invoice-service.ts";
export { InvoiceServiceError } from "../invoice-service/invoice-service.ts";
