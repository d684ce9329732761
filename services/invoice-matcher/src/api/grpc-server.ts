// The invoice API: the ic.coordinator.v1.Invoices gRPC service over the InvoiceService port.
// Handlers only translate: request -> port call (invoice-api-requests.ts), view -> answer
// (invoice-api-views.ts), error -> status (invoice-api-status.ts). Every call, server
// reflection included, needs the bearer token; it is checked from the metadata, before the
// request message is even read.
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import { ReflectionService } from "@grpc/reflection";
import {
  invoiceApiProtos,
  toWireEvent,
  toWireInfo,
  toWireInvoice,
  type InvoiceService,
  type WireAddInvoiceRequest,
  type WireAddInvoiceResponse,
  type WireGetInfoRequest,
  type WireGetInfoResponse,
  type WireInvoiceEvent,
  type WireInvoiceResponse,
  type WireListInvoicesRequest,
  type WireListInvoicesResponse,
  type WireLookupInvoiceRequest,
  type WirePaymentHashRequest,
  type WireSubscribeInvoicesRequest,
} from "@ic/invoice-api-client";
import { bearerTokenCheck } from "./bearer-token.ts";
import { InvoiceApiConfigError } from "./invoice-api-config-error.ts";
import type { InvoiceApiLogger } from "./invoice-api-logger.ts";
import {
  parseAddInvoiceRequest,
  parseListInvoicesRequest,
  parseLookupInvoiceRequest,
  parsePaymentHashRequest,
  parseSubscribeInvoicesRequest,
} from "./invoice-api-requests.ts";
import { callStatusFor, type CallStatus } from "./invoice-api-status.ts";
import { isLocalOnlyAddress } from "./listen-address.ts";

export interface InvoiceApiTlsFiles {
  /** PEM certificate chain the server presents. */
  certPath: string;
  /** PEM private key of that certificate. */
  keyPath: string;
}

export interface InvoiceApiOptions {
  service: InvoiceService;
  /** "host:port"; port 0 picks a free port (see InvoiceApi.port). Without tls it must be a loopback address. */
  address: string;
  /** Callers send `authorization: Bearer <authToken>`; at least 32 characters. */
  authToken: string;
  logger: InvoiceApiLogger;
  /** Serve TLS instead of cleartext; required to listen beyond loopback. */
  tls?: InvoiceApiTlsFiles;
  /** How long stop() lets open calls finish before cutting them; default 5000 ms. */
  shutdownGraceMs?: number;
}

export interface InvoiceApi {
  port: number;
  /** Ends open subscriptions (UNAVAILABLE: subscribe again), lets unary calls finish, closes the port. */
  stop(): Promise<void>;
}

/** Requests are small; this bounds what an authenticated but broken client can make us buffer. */
const MAX_REQUEST_BYTES = 64 * 1024;
const DEFAULT_SHUTDOWN_GRACE_MS = 5000;

export async function startInvoiceApi(options: InvoiceApiOptions): Promise<InvoiceApi> {
  const { service, address, logger } = options;
  const checkToken = bearerTokenCheck(options.authToken);
  if (options.tls === undefined && !isLocalOnlyAddress(address))
    throw new InvoiceApiConfigError(
      `refusing to serve the invoice API without TLS on ${address}: the bearer token would cross the network in cleartext; listen on 127.0.0.1 or configure tls`,
    );
  const credentials = serverCredentials(options.tls);

  const authenticate: grpc.ServerInterceptor = (method, call) =>
    new grpc.ServerInterceptingCall(
      call,
      new grpc.ResponderBuilder()
        .withStart((next) => {
          next(
            new grpc.ServerListenerBuilder()
              .withOnReceiveMetadata((metadata, nextMetadata) => {
                const problem = checkToken(metadata.get("authorization"));
                if (problem === null) return nextMetadata(metadata);
                logger.warn({ method: method.path, peer: call.getPeer(), problem }, "refused an unauthenticated call");
                call.sendStatus({ code: grpc.status.UNAUTHENTICATED, details: problem });
              })
              .build(),
          );
        })
        .build(),
    );

  const server = new grpc.Server({ interceptors: [authenticate], "grpc.max_receive_message_length": MAX_REQUEST_BYTES });
  const protos = invoiceApiProtos();

  function fail(method: string, error: unknown): CallStatus {
    const status = callStatusFor(error);
    if (status.internalErrorId !== undefined)
      logger.error({ method, errorId: status.internalErrorId, err: error }, "invoice API call failed unexpectedly");
    else logger.debug({ method, code: grpc.status[status.code], details: status.details }, "invoice API call refused");
    return status;
  }

  function unary<Req, Res>(method: string, handle: (request: Req) => Promise<Res>): grpc.handleUnaryCall<Req, Res> {
    return (call, callback) => {
      handle(call.request).then(
        (response) => callback(null, response),
        (error: unknown) => callback(fail(method, error)),
      );
    };
  }

  const subscriptions = new Set<AbortController>();

  const subscribeInvoices: grpc.handleServerStreamingCall<WireSubscribeInvoicesRequest, WireInvoiceEvent> = (call) => {
    const controller = new AbortController();
    subscriptions.add(controller);
    call.on("cancelled", () => controller.abort());
    void streamEvents(call, controller.signal).finally(() => subscriptions.delete(controller));
  };

  async function streamEvents(
    call: grpc.ServerWritableStream<WireSubscribeInvoicesRequest, WireInvoiceEvent>,
    signal: AbortSignal,
  ): Promise<void> {
    let lastSequence: bigint | undefined;
    try {
      lastSequence = parseSubscribeInvoicesRequest(call.request);
      for await (const event of service.subscribeInvoices(lastSequence, signal)) {
        if (signal.aborted) break;
        lastSequence = event.sequence;
        if (!call.write(toWireEvent(event))) await drained(call, signal);
      }
    } catch (error) {
      if (!signal.aborted) {
        call.emit("error", fail("SubscribeInvoices", error));
        return;
      }
    }
    if (call.cancelled) return;
    // The port's stream ended without the client asking: the server is stopping, or the
    // event source went away. The client loses nothing if it resumes from what it saw.
    const resume = lastSequence === undefined ? "" : `; subscribe again with after_sequence ${lastSequence}`;
    call.emit("error", { code: grpc.status.UNAVAILABLE, details: `the invoice event stream ended${resume}` });
  }

  server.addService(protos.Invoices.service, {
    AddInvoice: unary<WireAddInvoiceRequest, WireAddInvoiceResponse>("AddInvoice", async (request) => {
      const { invoice, created } = await service.createInvoice(parseAddInvoiceRequest(request));
      return { invoice: toWireInvoice(invoice), created };
    }),
    LookupInvoice: unary<WireLookupInvoiceRequest, WireInvoiceResponse>("LookupInvoice", async (request) => ({
      invoice: toWireInvoice(await service.lookupInvoice(parseLookupInvoiceRequest(request))),
    })),
    ListInvoices: unary<WireListInvoicesRequest, WireListInvoicesResponse>("ListInvoices", async (request) => {
      const page = await service.listInvoices(parseListInvoicesRequest(request));
      return { invoices: page.invoices.map(toWireInvoice), next_page_token: page.nextPageToken ?? "" };
    }),
    SettleInvoice: unary<WirePaymentHashRequest, WireInvoiceResponse>("SettleInvoice", async (request) => ({
      invoice: toWireInvoice(await service.settleInvoice(parsePaymentHashRequest(request))),
    })),
    CancelInvoice: unary<WirePaymentHashRequest, WireInvoiceResponse>("CancelInvoice", async (request) => ({
      invoice: toWireInvoice(await service.cancelInvoice(parsePaymentHashRequest(request))),
    })),
    SubscribeInvoices: subscribeInvoices,
    GetInfo: unary<WireGetInfoRequest, WireGetInfoResponse>("GetInfo", async () => toWireInfo(await service.getInfo())),
  });
  new ReflectionService(protos.packageDefinition).addToServer(server);

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(address, credentials, (error, boundPort) => (error ? reject(bindError(address, error)) : resolve(boundPort)));
  });
  logger.info({ address, port, tls: options.tls !== undefined }, "invoice API listening");

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      for (const subscription of subscriptions) subscription.abort();
      const graceTimer = setTimeout(() => {
        logger.warn({ address }, "invoice API calls still open after the grace period; cutting them");
        server.forceShutdown();
        resolve();
      }, options.shutdownGraceMs ?? DEFAULT_SHUTDOWN_GRACE_MS);
      server.tryShutdown(() => {
        clearTimeout(graceTimer);
        resolve();
      });
    });
    return stopped;
  };
  return { port, stop };
}

function serverCredentials(tls: InvoiceApiTlsFiles | undefined): grpc.ServerCredentials {
  if (tls === undefined) return grpc.ServerCredentials.createInsecure();
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new InvoiceApiConfigError(`cannot read the invoice API TLS ${what} ${path}: ${(error as Error).message}`);
    }
  };
  const certChain = read(tls.certPath, "certificate");
  const privateKey = read(tls.keyPath, "private key");
  try {
    return grpc.ServerCredentials.createSsl(null, [{ cert_chain: certChain, private_key: privateKey }], false);
  } catch (error) {
    throw new InvoiceApiConfigError(`invalid invoice API TLS certificate or key: ${(error as Error).message}`);
  }
}

function bindError(address: string, error: Error): InvoiceApiConfigError {
  return new InvoiceApiConfigError(`the invoice API cannot listen on ${address}: ${error.message}`);
}

function drained(call: grpc.ServerWritableStream<unknown, unknown>, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off("drain", done);
      signal.removeEventListener("abort", done);
      resolve();
    };
    call.once("drain", done);
    signal.addEventListener("abort", done, { once: true });
  });
}
