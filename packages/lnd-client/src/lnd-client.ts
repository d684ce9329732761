// The typed lnd client: one method per lnd RPC we use, hand-written request and response
// types (64-bit integers as bigint), every failure an LndError.
import type * as grpc from "@grpc/grpc-js";
import {
  channelBalanceFromWire,
  channelFromWire,
  channelPointFromWire,
  listChannelsRequestToWire,
  openChannelRequestToWire,
  pendingChannelsFromWire,
  type Channel,
  type ChannelBalance,
  type ChannelPoint,
  type ListChannelsRequest,
  type OpenChannelRequest,
  type PendingChannels,
  type WireChannelBalanceResponse,
  type WireChannelPoint,
  type WireListChannelsResponse,
  type WirePendingChannelsResponse,
} from "./channels.ts";
import { blockEpochFromWire, type BlockEpoch, type WireBlockEpoch } from "./block-epochs.ts";
import type { CircuitKey } from "./circuit-key.ts";
import { htlcEventFromWire, type HtlcEvent, type WireHtlcEvent } from "./htlc-events.ts";
import {
  circuitKeyToWire,
  HtlcInterceptorDuplex,
  type HtlcInterceptorStream,
  type InterceptorCall,
} from "./htlc-interceptor.ts";
import {
  addedInvoiceFromWire,
  addInvoiceRequestToWire,
  payReqFromWire,
  type AddedInvoice,
  type AddInvoiceRequest,
  type DecodedPayReq,
  type HtlcResolution,
  type WireAddInvoiceResponse,
  type WireLookupHtlcResolutionResponse,
  type WirePayReq,
} from "./invoices.ts";
import { LndError, lndErrorFrom } from "./lnd-error.ts";
import { LndStreamReader, type LndStream, type ReadableCall, type StreamContext } from "./lnd-stream.ts";
import {
  nodeInfoFromWire,
  type NodeInfo,
  type WalletState,
  type WireGetInfoResponse,
  type WireGetStateResponse,
} from "./node-info.ts";
import {
  htlcAttemptFromWire,
  isFinalPayment,
  paymentFromWire,
  queryRoutesRequestToWire,
  routeFromWire,
  sendPaymentRequestToWire,
  sendToRouteRequestToWire,
  type HtlcAttempt,
  type Payment,
  type QueryRoutesRequest,
  type Route,
  type SendPaymentRequest,
  type SendToRouteRequest,
  type WireHtlcAttempt,
  type WirePayment,
  type WireQueryRoutesResponse,
} from "./payments.ts";
import {
  connectPeerRequestToWire,
  peerFromWire,
  type ConnectPeerRequest,
  type Peer,
  type WireListPeersResponse,
} from "./peers.ts";
import {
  walletBalanceFromWire,
  type AddressType,
  type WalletBalance,
  type WireWalletBalanceResponse,
} from "./wallet.ts";

export interface CallOptions {
  /** Deadline for this call; defaults to the client's unaryTimeoutMs. */
  timeoutMs?: number;
}

/**
 * Payment updates from SendPaymentV2/TrackPaymentV2. Either iterate the updates, or call
 * final() for the first update whose status is SUCCEEDED or FAILED (it reads the stream
 * itself and cancels it afterwards); not both.
 */
export interface PaymentUpdates extends LndStream<Payment> {
  final(): Promise<Payment>;
}

export interface LndClient {
  /** "host:port" of the node. */
  readonly address: string;

  getInfo(options?: CallOptions): Promise<NodeInfo>;
  /** State service: answers before the wallet is unlocked; poll it until SERVER_ACTIVE. */
  getState(options?: CallOptions): Promise<WalletState>;
  /** The current state at once, then every change. */
  subscribeState(): LndStream<WalletState>;

  walletBalance(options?: CallOptions): Promise<WalletBalance>;
  channelBalance(options?: CallOptions): Promise<ChannelBalance>;
  /** A new on-chain address; p2wkh unless told otherwise. */
  newAddress(type?: AddressType, options?: CallOptions): Promise<string>;

  connectPeer(request: ConnectPeerRequest, options?: CallOptions): Promise<void>;
  listPeers(options?: CallOptions): Promise<Peer[]>;

  listChannels(request?: ListChannelsRequest, options?: CallOptions): Promise<Channel[]>;
  pendingChannels(options?: CallOptions): Promise<PendingChannels>;
  /** Returns once the funding transaction is published; the channel is usable only after it confirms. */
  openChannelSync(request: OpenChannelRequest, options?: CallOptions): Promise<ChannelPoint>;

  addInvoice(request: AddInvoiceRequest, options?: CallOptions): Promise<AddedInvoice>;
  decodePayReq(paymentRequest: string, options?: CallOptions): Promise<DecodedPayReq>;
  /**
   * Final resolution of an HTLC this node received (needs --store-final-htlc-resolutions).
   * undefined while lnd knows no final resolution for it (lnd answers NOT_FOUND "htlc unknown").
   */
  lookupHtlcResolution(key: CircuitKey, options?: CallOptions): Promise<HtlcResolution | undefined>;

  queryRoutes(request: QueryRoutesRequest, options?: CallOptions): Promise<Route[]>;
  sendPaymentV2(request: SendPaymentRequest): PaymentUpdates;
  trackPaymentV2(paymentHash: Uint8Array, options?: { noInflightUpdates?: boolean }): PaymentUpdates;
  /**
   * Sends one HTLC over the given route and resolves when it settles or fails, which can
   * take as long as the receiver holds it: no deadline unless options.timeoutMs is given
   * (a deadline only stops the waiting; lnd keeps the HTLC in flight).
   */
  sendToRouteV2(request: SendToRouteRequest, options?: CallOptions): Promise<HtlcAttempt>;

  /** Begins with a "subscribed" event once the subscription is in place. */
  subscribeHtlcEvents(): LndStream<HtlcEvent>;
  /** ChainNotifier.RegisterBlockEpochNtfn: lnd's best block first, then each new (or, on a reorg, stale) block. */
  subscribeBlockEpochs(): LndStream<BlockEpoch>;
  /** Opens the node's one HTLC interceptor stream. */
  htlcInterceptor(): HtlcInterceptorStream;

  /** Cancels open streams and closes the connection. */
  close(): void;
}

/** grpc-js service clients built from our proto subset (methods are looked up by name). */
export interface LndServiceClients {
  lightning: grpc.Client;
  router: grpc.Client;
  state: grpc.Client;
  chainNotifier: grpc.Client;
  channel: grpc.Channel;
}

type UnaryCallback = (error: grpc.ServiceError | null, response: unknown) => void;
type UnaryMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
  callback: UnaryCallback,
) => unknown;
type ServerStreamMethod = (
  request: unknown,
  metadata: grpc.Metadata,
  options: grpc.CallOptions,
) => ReadableCall;
type DuplexMethod = (metadata: grpc.Metadata, options: grpc.CallOptions) => InterceptorCall;

const SERVICE_NAMES = {
  lightning: "lnrpc.Lightning",
  router: "routerrpc.Router",
  state: "lnrpc.State",
  chainNotifier: "chainrpc.ChainNotifier",
} as const;

export interface LndClientSettings {
  address: string;
  macaroonHex: string;
  unaryTimeoutMs: number;
  newMetadata: () => grpc.Metadata;
}

export function createLndClient(clients: LndServiceClients, settings: LndClientSettings): LndClient {
  const { address, macaroonHex } = settings;
  /** Cancel functions of the streams still open, so close() can end them. */
  const openStreams = new Set<() => void>();

  const context = (service: keyof typeof SERVICE_NAMES, method: string): StreamContext => ({
    address,
    method: `${SERVICE_NAMES[service]}/${method}`,
    macaroonHex,
  });

  function unary<W, T>(
    service: keyof typeof SERVICE_NAMES,
    method: string,
    request: unknown,
    decode: (wire: W) => T,
    options: CallOptions | undefined,
    defaultTimeoutMs: number | undefined = settings.unaryTimeoutMs,
  ): Promise<T> {
    const errorContext = context(service, method);
    const call = lookup<UnaryMethod>(clients[service], method);
    const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs;
    const deadline = timeoutMs === undefined ? Infinity : new Date(Date.now() + timeoutMs);
    return new Promise<T>((resolve, reject) => {
      call(request, settings.newMetadata(), { deadline }, (error, response) => {
        if (error) {
          reject(lndErrorFrom(error, errorContext));
          return;
        }
        try {
          resolve(decode(response as W));
        } catch (decodeError) {
          reject(lndErrorFrom(decodeError, errorContext));
        }
      });
    });
  }

  function serverStream<W, T>(
    service: keyof typeof SERVICE_NAMES,
    method: string,
    request: unknown,
    decode: (wire: W) => T,
  ): LndStreamReader<W, T> {
    const call = lookup<ServerStreamMethod>(clients[service], method)(request, settings.newMetadata(), {});
    const reader = new LndStreamReader(call, decode, context(service, method));
    track(reader, () => reader.cancel());
    return reader;
  }

  function track(stream: { onFinish(callback: () => void): void }, cancel: () => void): void {
    openStreams.add(cancel);
    stream.onFinish(() => openStreams.delete(cancel));
  }

  function paymentUpdates(reader: LndStreamReader<WirePayment, Payment>, method: string): PaymentUpdates {
    return {
      [Symbol.asyncIterator]: () => reader[Symbol.asyncIterator](),
      cancel: () => reader.cancel(),
      async final() {
        for await (const payment of reader) {
          if (isFinalPayment(payment)) {
            reader.cancel();
            return payment;
          }
        }
        throw new LndError(
          "rpc",
          2,
          address,
          `routerrpc.Router/${method}`,
          "stream ended without a final payment status",
          `lnd at ${address} ended ${method} before the payment succeeded or failed`,
        );
      },
    };
  }

  return {
    address,

    getInfo: async (options) =>
      unary("lightning", "GetInfo", {}, (wire: WireGetInfoResponse) => nodeInfoFromWire(wire), options),

    getState: async (options) =>
      unary("state", "GetState", {}, (wire: WireGetStateResponse) => wire.state, options),

    subscribeState: () =>
      serverStream("state", "SubscribeState", {}, (wire: WireGetStateResponse) => wire.state),

    walletBalance: async (options) =>
      unary(
        "lightning",
        "WalletBalance",
        {},
        (wire: WireWalletBalanceResponse) => walletBalanceFromWire(wire),
        options,
      ),

    channelBalance: async (options) =>
      unary(
        "lightning",
        "ChannelBalance",
        {},
        (wire: WireChannelBalanceResponse) => channelBalanceFromWire(wire),
        options,
      ),

    newAddress: async (type = "WITNESS_PUBKEY_HASH", options) =>
      unary("lightning", "NewAddress", { type }, (wire: { address: string }) => wire.address, options),

    connectPeer: async (request, options) =>
      unary("lightning", "ConnectPeer", connectPeerRequestToWire(request), () => undefined, options),

    listPeers: async (options) =>
      unary(
        "lightning",
        "ListPeers",
        {},
        (wire: WireListPeersResponse) => wire.peers.map(peerFromWire),
        options,
      ),

    listChannels: async (request = {}, options) =>
      unary(
        "lightning",
        "ListChannels",
        listChannelsRequestToWire(request),
        (wire: WireListChannelsResponse) => wire.channels.map(channelFromWire),
        options,
      ),

    pendingChannels: async (options) =>
      unary(
        "lightning",
        "PendingChannels",
        {},
        (wire: WirePendingChannelsResponse) => pendingChannelsFromWire(wire),
        options,
      ),

    openChannelSync: async (request, options) =>
      unary(
        "lightning",
        "OpenChannelSync",
        openChannelRequestToWire(request),
        (wire: WireChannelPoint) => channelPointFromWire(wire),
        options,
      ),

    addInvoice: async (request, options) =>
      unary(
        "lightning",
        "AddInvoice",
        addInvoiceRequestToWire(request),
        (wire: WireAddInvoiceResponse) => addedInvoiceFromWire(wire),
        options,
      ),

    decodePayReq: async (paymentRequest, options) =>
      unary(
        "lightning",
        "DecodePayReq",
        { pay_req: paymentRequest },
        (wire: WirePayReq) => payReqFromWire(wire),
        options,
      ),

    lookupHtlcResolution: async (key, options) => {
      const { chan_id, htlc_id } = circuitKeyToWire(key);
      try {
        return await unary(
          "lightning",
          "LookupHtlcResolution",
          { chan_id, htlc_index: htlc_id },
          (wire: WireLookupHtlcResolutionResponse) => ({ settled: wire.settled, offchain: wire.offchain }),
          options,
        );
      } catch (error) {
        if (error instanceof LndError && error.kind === "not-found") return undefined;
        throw error;
      }
    },

    queryRoutes: async (request, options) =>
      unary(
        "lightning",
        "QueryRoutes",
        queryRoutesRequestToWire(request),
        (wire: WireQueryRoutesResponse) => wire.routes.map(routeFromWire),
        options,
      ),

    sendPaymentV2: (request) =>
      paymentUpdates(
        serverStream("router", "SendPaymentV2", sendPaymentRequestToWire(request), paymentFromWire),
        "SendPaymentV2",
      ),

    trackPaymentV2: (paymentHash, options) =>
      paymentUpdates(
        serverStream(
          "router",
          "TrackPaymentV2",
          {
            payment_hash: Buffer.from(paymentHash),
            no_inflight_updates: options?.noInflightUpdates ?? false,
          },
          paymentFromWire,
        ),
        "TrackPaymentV2",
      ),

    sendToRouteV2: async (request, options) =>
      unary(
        "router",
        "SendToRouteV2",
        sendToRouteRequestToWire(request),
        (wire: WireHtlcAttempt) => htlcAttemptFromWire(wire),
        options,
        undefined,
      ),

    subscribeHtlcEvents: () =>
      serverStream("router", "SubscribeHtlcEvents", {}, (wire: WireHtlcEvent) => htlcEventFromWire(wire)),

    subscribeBlockEpochs: () =>
      serverStream("chainNotifier", "RegisterBlockEpochNtfn", {}, (wire: WireBlockEpoch) => blockEpochFromWire(wire)),

    htlcInterceptor: () => {
      const call = lookup<DuplexMethod>(clients.router, "HtlcInterceptor")(settings.newMetadata(), {});
      const interceptor = new HtlcInterceptorDuplex(call, context("router", "HtlcInterceptor"));
      track(interceptor, () => interceptor.close());
      return interceptor;
    },

    close: () => {
      for (const cancel of [...openStreams]) cancel();
      clients.lightning.close();
      clients.router.close();
      clients.state.close();
      clients.chainNotifier.close();
      clients.channel.close();
    },
  };
}

function lookup<M>(client: grpc.Client, method: string): M {
  const fn = (client as unknown as Record<string, unknown>)[method];
  if (typeof fn !== "function") throw new TypeError(`our lnd proto subset has no method ${method}`);
  return (fn as (...args: unknown[]) => unknown).bind(client) as M;
}
