// A typed client of the invoice API, for the CLI, the demo and the e2e tests. It speaks the
// port's own types, so it is itself an InvoiceService: code written against the port runs
// unchanged over gRPC. Failures are InvoiceApiError (gRPC status + the server's message).
import * as grpc from "@grpc/grpc-js";
import type {
  CoordinatorInfo,
  CreateInvoiceRequest,
  InvoiceEventView,
  InvoiceService,
  InvoiceView,
} from "./invoice-service.ts";
import { InvoiceApiError, invoiceApiErrorFrom } from "./invoice-api-error.ts";
import { invoiceApiProtos } from "./invoice-api-protos.ts";
import { fromWireEvent, fromWireInfo, fromWireInvoice, toWireMode } from "./invoice-api-views.ts";
import type {
  WireAddInvoiceRequest,
  WireAddInvoiceResponse,
  WireGetInfoResponse,
  WireInvoiceEvent,
  WireInvoiceResponse,
  WireListInvoicesRequest,
  WireListInvoicesResponse,
  WireLookupInvoiceRequest,
  WireSubscribeInvoicesRequest,
} from "./invoice-api-wire.ts";
import { readServerStream, type InvoiceEventStream } from "./invoice-event-stream.ts";

export interface InvoiceApiClientOptions {
  /** The server's TLS certificate (or its CA) in PEM: connect with TLS. Absent: cleartext. */
  tlsCertPem?: string | Buffer;
  /** Deadline of each unary call; default 30000 ms. Subscriptions have none. */
  deadlineMs?: number;
}

export interface InvoiceApiClient extends InvoiceService {
  /** Events after `afterSequence` (default 0: all), then live ones, until cancel(), the signal, or leaving the loop. */
  subscribeInvoices(afterSequence?: bigint, signal?: AbortSignal): InvoiceEventStream<InvoiceEventView>;
  close(): void;
}

const DEFAULT_DEADLINE_MS = 30_000;
const UINT64_MAX = 2n ** 64n - 1n;

type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

type ServerStreamMethod = (request: unknown, metadata: grpc.Metadata) => grpc.ClientReadableStream<unknown>;

export function connectInvoiceApi(address: string, token: string, options: InvoiceApiClientOptions = {}): InvoiceApiClient {
  const credentials =
    options.tlsCertPem === undefined
      ? grpc.credentials.createInsecure()
      : grpc.credentials.createSsl(Buffer.from(options.tlsCertPem));
  const client = new (invoiceApiProtos().Invoices)(address, credentials);
  const deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;

  const metadata = (): grpc.Metadata => {
    const result = new grpc.Metadata();
    result.set("authorization", `Bearer ${token}`);
    return result;
  };

  function unary<Res>(method: string, request: unknown): Promise<Res> {
    const call = client[method] as UnaryMethod;
    return new Promise((resolve, reject) => {
      call.call(client, request, metadata(), { deadline: Date.now() + deadlineMs }, (error, response) => {
        if (error) reject(invoiceApiErrorFrom(error, method, address));
        else resolve(response as Res);
      });
    });
  }

  return {
    async createInvoice(request: CreateInvoiceRequest) {
      const response = await unary<WireAddInvoiceResponse>("AddInvoice", toWireAddInvoice(request));
      return { invoice: fromWireInvoice(response.invoice), created: response.created };
    },

    async lookupInvoice(query) {
      const request: WireLookupInvoiceRequest =
        "paymentHash" in query ? { payment_hash: query.paymentHash, external_ref: "" } : { payment_hash: "", external_ref: query.externalRef };
      return fromWireInvoice((await unary<WireInvoiceResponse>("LookupInvoice", request)).invoice);
    },

    async listInvoices(request) {
      const wire: WireListInvoicesRequest = { page_size: request.limit, page_token: request.pageToken ?? "" };
      const response = await unary<WireListInvoicesResponse>("ListInvoices", wire);
      const page: { invoices: InvoiceView[]; nextPageToken?: string } = { invoices: response.invoices.map(fromWireInvoice) };
      if (response.next_page_token.length > 0) page.nextPageToken = response.next_page_token;
      return page;
    },

    async settleInvoice(paymentHash) {
      return fromWireInvoice((await unary<WireInvoiceResponse>("SettleInvoice", { payment_hash: paymentHash })).invoice);
    },

    async cancelInvoice(paymentHash) {
      return fromWireInvoice((await unary<WireInvoiceResponse>("CancelInvoice", { payment_hash: paymentHash })).invoice);
    },

    subscribeInvoices(afterSequence = 0n, signal) {
      const request: WireSubscribeInvoicesRequest = { after_sequence: uint64(afterSequence, "afterSequence", "SubscribeInvoices") };
      const subscribe = client["SubscribeInvoices"] as ServerStreamMethod;
      const call = subscribe.call(client, request, metadata()) as grpc.ClientReadableStream<WireInvoiceEvent>;
      const onAbort = (): void => stream.cancel();
      const stream = readServerStream(call, fromWireEvent, { method: "SubscribeInvoices", address }, () =>
        signal?.removeEventListener("abort", onAbort),
      );
      if (signal?.aborted) stream.cancel();
      else signal?.addEventListener("abort", onAbort, { once: true });
      return stream;
    },

    async getInfo(): Promise<CoordinatorInfo> {
      return fromWireInfo(await unary<WireGetInfoResponse>("GetInfo", {}));
    },

    close() {
      client.close();
    },
  };
}

// The wire cannot tell "absent" from 0, so values that would silently change meaning there
// (an amount of 0 is amount-less) are refused before they are sent.
function toWireAddInvoice(request: CreateInvoiceRequest): WireAddInvoiceRequest {
  if (request.amountMsat !== undefined && request.amountMsat < 1n)
    throw localRefusal("AddInvoice", "amountMsat must be at least 1; leave it out for an amount-less invoice");
  if (request.expirySeconds !== undefined && (!Number.isSafeInteger(request.expirySeconds) || request.expirySeconds < 1))
    throw localRefusal("AddInvoice", "expirySeconds must be a positive integer; leave it out for the default");
  return {
    amount_msat: request.amountMsat === undefined ? "0" : uint64(request.amountMsat, "amountMsat", "AddInvoice"),
    description: request.description ?? "",
    description_hash: Buffer.from(request.descriptionHash ?? new Uint8Array()),
    expiry_seconds: String(request.expirySeconds ?? 0),
    mode: toWireMode(request.mode),
    external_ref: request.externalRef,
  };
}

function uint64(value: bigint, name: string, method: string): string {
  if (value < 0n || value > UINT64_MAX) throw localRefusal(method, `${name} must fit in an unsigned 64-bit integer`);
  return value.toString();
}

function localRefusal(method: string, details: string): InvoiceApiError {
  return new InvoiceApiError(grpc.status.INVALID_ARGUMENT, method, details, `${method}: INVALID_ARGUMENT: ${details}`);
}
