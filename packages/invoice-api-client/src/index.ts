// @ic/invoice-api-client: a typed client of the coordinator's invoice API (gRPC,
// proto/coordinator/invoices.proto), the port's types it speaks, and the wire shapes the server
// shares with it. No Postgres, no Kafka: what the CLI, the tests and other TypeScript callers need.
export { connectInvoiceApi, type InvoiceApiClient, type InvoiceApiClientOptions } from "./invoice-api-client.ts";
export { InvoiceApiError, invoiceApiErrorFrom } from "./invoice-api-error.ts";
export type { InvoiceEventStream } from "./invoice-event-stream.ts";
export {
  COORDINATOR_PROTO_DIR,
  INVOICE_API_LOADER_OPTIONS,
  INVOICES_SERVICE_NAME,
  invoiceApiProtos,
  type InvoiceApiProtos,
} from "./invoice-api-protos.ts";
export {
  fromWireEvent,
  fromWireInfo,
  fromWireInvoice,
  fromWireMode,
  toWireEvent,
  toWireInfo,
  toWireInvoice,
  toWireMode,
  UnreadableApiAnswer,
} from "./invoice-api-views.ts";
export type * from "./invoice-api-wire.ts";
export {
  InvoiceServiceError,
  type ClusterNodeView,
  type CoordinatorInfo,
  type CreateInvoiceRequest,
  type InvoiceEventKind,
  type InvoiceEventView,
  type InvoiceHtlcView,
  type InvoiceMode,
  type InvoiceService,
  type InvoiceServiceErrorCode,
  type InvoiceStatus,
  type InvoiceView,
} from "./invoice-service.ts";
