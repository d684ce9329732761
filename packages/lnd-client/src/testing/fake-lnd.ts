// A fake lnd for unit and fault-injection tests: a real grpc-js server on 127.0.0.1 with TLS
// (the test-only cert in fixtures/) that serves our proto subset and copies the lnd
// behaviours the coordinator depends on:
// - every Lightning/Router call needs metadata `macaroon: <hex>` equal to the configured
//   one, else status UNKNOWN "verification failed: ..." (State is exempt, as in lnd);
// - Lightning/Router calls fail with lnd's texts while the wallet state is below RPC_ACTIVE;
// - one HTLC interceptor at a time; forwards stay held until answered; held forwards are
//   offered again to the next interceptor (--requireinterceptor); an answer naming a key
//   that is not held, or a malformed answer, ends the stream with lnd's status and text;
// - SubscribeHtlcEvents starts with a subscribed_event;
// - LookupHtlcResolution answers from a table, NOT_FOUND "htlc unknown" otherwise.
// Tests script answers and push messages in lnd's wire shape (proto-loader objects:
// snake_case fields, 64-bit integers as decimal strings), and wait on conditions, never on
// time: every state change wakes the waiters of waitFor().
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";
import type { ConnectLndOptions } from "../connect-lnd.ts";
import type { WireHtlcEvent } from "../htlc-events.ts";
import type {
  WireCircuitKey,
  WireForwardHtlcInterceptRequest,
  WireForwardHtlcInterceptResponse,
} from "../htlc-interceptor.ts";
import { lndServices } from "../lnd-protos.ts";
import type { WalletState, WireGetInfoResponse } from "../node-info.ts";

const FIXTURES = new URL("./fixtures/", import.meta.url);

/** Test-only TLS identity for localhost/127.0.0.1/::1 (see fixtures/README.md). */
export const FAKE_LND_TLS_CERT_PEM = readFileSync(new URL("tls.cert", FIXTURES), "utf8");
const FAKE_LND_TLS_KEY_PEM = readFileSync(new URL("tls.key", FIXTURES), "utf8");
/** A valid self-signed cert that is not the fake's: for "wrong TLS cert" tests. */
export const UNRELATED_TLS_CERT_PEM = readFileSync(new URL("unrelated-tls.cert", FIXTURES), "utf8");

export const DEFAULT_FAKE_MACAROON_HEX = "0201036c6e6402f801030a10" + "5a".repeat(32);

/** lnd's answer to a macaroon that does not verify against its root key. */
export const MACAROON_MISMATCH_DETAILS = "verification failed: signature mismatch after caveat verification";

export interface FakeLndOptions {
  /** The only macaroon the fake accepts. */
  macaroonHex?: string;
  /** As lnd's --requireinterceptor; default true. When false, held forwards are resumed when the interceptor disconnects. */
  requireInterceptor?: boolean;
  /** Initial wallet state; default SERVER_ACTIVE. */
  state?: WalletState;
}

/** What a scripted handler may return instead of a response: the call fails with it. */
export interface FakeLndFailure {
  code: grpc.status;
  details: string;
}

/** May return a promise: one that never settles makes the call hang (deadline tests). */
export type UnaryHandler = (request: unknown) => unknown | FakeLndFailure | Promise<unknown>;
export type StreamHandler = (request: unknown) => { messages: unknown[]; end?: FakeLndFailure };

/** A resolution the fake received, with the set of top-level field numbers present on the wire. */
export type ReceivedResolution = Omit<WireForwardHtlcInterceptResponse, "failure_code"> & {
  /** Any lnrpc.Failure.FailureCode name ("RESERVED" when absent). */
  failure_code?: string;
  presentFields: ReadonlySet<number>;
  /** SETTLE only: whether sha256(preimage) equals the held HTLC's payment hash. */
  preimageMatches?: boolean;
};

export interface FakeInterceptorStreamEnd {
  code: grpc.status;
  details: string;
  /** True when the client cancelled; false when the fake ended it. */
  byClient: boolean;
}

type InterceptorCall = grpc.ServerDuplexStream<ReceivedResolution, WireForwardHtlcInterceptRequest>;

const UNARY_LIGHTNING = [
  "WalletBalance",
  "ChannelBalance",
  "NewAddress",
  "ConnectPeer",
  "ListPeers",
  "GetInfo",
  "PendingChannels",
  "ListChannels",
  "OpenChannelSync",
  "AddInvoice",
  "DecodePayReq",
  "QueryRoutes",
  "LookupHtlcResolution",
] as const;
export type FakeUnaryMethod = (typeof UNARY_LIGHTNING)[number] | "SendToRouteV2";
export type FakeStreamMethod = "SendPaymentV2" | "TrackPaymentV2";

const ALLOWED_FAILURE_CODES = new Set([
  "RESERVED",
  "TEMPORARY_CHANNEL_FAILURE",
  "INVALID_ONION_VERSION",
  "INVALID_ONION_HMAC",
  "INVALID_ONION_KEY",
]);
const FAILURE_MESSAGE_LENGTH = 292;

export class FakeLnd {
  readonly macaroonHex: string;
  readonly tlsCertPem = FAKE_LND_TLS_CERT_PEM;
  /** "127.0.0.1:<port>", set once started. */
  address = "";

  private readonly server = new grpc.Server();
  private readonly requireInterceptor: boolean;
  private state: WalletState;
  private info: WireGetInfoResponse = defaultGetInfo();
  private readonly unaryHandlers = new Map<string, UnaryHandler>();
  private readonly streamHandlers = new Map<string, StreamHandler>();
  private readonly received = new Map<string, unknown[]>();
  private readonly htlcResolutions = new Map<string, { settled: boolean; offchain: boolean }>();
  private readonly stateSubscribers = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  private readonly blockEpochSubscribers = new Set<grpc.ServerWritableStream<unknown, unknown>>();
  private readonly htlcEventSubscribers = new Set<grpc.ServerWritableStream<unknown, WireHtlcEvent>>();
  private readonly held = new Map<string, WireForwardHtlcInterceptRequest>();
  private interceptor: InterceptorCall | undefined;
  private interceptorStreamsOpened = 0;
  private readonly resolutionLog: ReceivedResolution[] = [];
  private resolutionsTaken = 0;
  private readonly interceptorEnds: FakeInterceptorStreamEnd[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(options: FakeLndOptions = {}) {
    this.macaroonHex = options.macaroonHex ?? DEFAULT_FAKE_MACAROON_HEX;
    this.requireInterceptor = options.requireInterceptor ?? true;
    this.state = options.state ?? "SERVER_ACTIVE";
    this.installServices();
  }

  async start(): Promise<this> {
    const credentials = grpc.ServerCredentials.createSsl(
      null,
      [{ private_key: Buffer.from(FAKE_LND_TLS_KEY_PEM), cert_chain: Buffer.from(FAKE_LND_TLS_CERT_PEM) }],
      false,
    );
    const port = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync("127.0.0.1:0", credentials, (error, boundPort) =>
        error ? reject(error) : resolve(boundPort),
      ),
    );
    this.address = `127.0.0.1:${port}`;
    return this;
  }

  /** Options for connectLnd that reach this fake with the right cert and macaroon. */
  connectOptions(overrides: Partial<ConnectLndOptions> = {}): ConnectLndOptions {
    return {
      grpcAddress: this.address,
      tlsCertPem: this.tlsCertPem,
      macaroonHex: this.macaroonHex,
      ...overrides,
    };
  }

  async stop(): Promise<void> {
    this.server.forceShutdown();
  }

  // ---- scripting ------------------------------------------------------------------------

  /** Fields to change in the GetInfo answer (wire shape). */
  setInfo(fields: Partial<WireGetInfoResponse>): void {
    this.info = { ...this.info, ...fields };
  }

  /**
   * A new best block (by default one above the current): GetInfo reports it and every
   * RegisterBlockEpochNtfn stream gets it at once, as lnd sends a block it connected.
   */
  mineBlock(height = this.info.block_height + 1): void {
    this.info = { ...this.info, block_height: height };
    for (const subscriber of this.blockEpochSubscribers) subscriber.write(blockEpoch(height));
  }

  /** Ends every RegisterBlockEpochNtfn stream with this status (lnd restarting, say). */
  endBlockEpochStreams(failure: FakeLndFailure = { code: grpc.status.UNAVAILABLE, details: "fake lnd: block epoch stream ended" }): void {
    for (const subscriber of [...this.blockEpochSubscribers]) {
      this.blockEpochSubscribers.delete(subscriber);
      subscriber.emit("error", failure);
    }
  }

  /** Changes the wallet state; SubscribeState streams get it at once. */
  setState(state: WalletState): void {
    this.state = state;
    for (const subscriber of this.stateSubscribers) subscriber.write({ state });
    this.changed();
  }

  /** Scripts a unary method: the handler gets the decoded request, returns the response or a FakeLndFailure. */
  answer(method: FakeUnaryMethod, handler: UnaryHandler | object): void {
    this.unaryHandlers.set(method, typeof handler === "function" ? (handler as UnaryHandler) : () => handler);
  }

  /** Scripts a server-streaming method: messages to send, then OK or the given failure. */
  answerStream(method: FakeStreamMethod, handler: StreamHandler): void {
    this.streamHandlers.set(method, handler);
  }

  /** Requests received by a method so far, decoded (wire shape). */
  requests(method: string): unknown[] {
    return this.received.get(method) ?? [];
  }

  /** The answer LookupHtlcResolution gives for this circuit key (decimal strings). */
  setHtlcResolution(key: WireCircuitKey, resolution: { settled: boolean; offchain: boolean }): void {
    this.htlcResolutions.set(keyId(key), resolution);
  }

  // ---- HTLC interceptor -----------------------------------------------------------------

  get interceptorConnected(): boolean {
    return this.interceptor !== undefined;
  }

  /** How many interceptor streams have been accepted so far. */
  get interceptorStreamCount(): number {
    return this.interceptorStreamsOpened;
  }

  /** Holds a forward and offers it to the connected interceptor, if any (else to the next one). */
  offerHtlc(
    request: Partial<WireForwardHtlcInterceptRequest> & { incoming_circuit_key: WireCircuitKey },
  ): void {
    const full: WireForwardHtlcInterceptRequest = { ...defaultInterceptRequest(), ...request };
    this.held.set(keyId(request.incoming_circuit_key), full);
    this.interceptor?.write(full);
    this.changed();
  }

  /** Circuit keys lnd holds now, as "chanId:htlcId". */
  heldCircuitKeys(): string[] {
    return [...this.held.keys()];
  }

  /** lnd failing a held forward by itself (auto_fail_height reached): it is no longer held. */
  autoFailHtlc(key: WireCircuitKey): void {
    this.held.delete(keyId(key));
    this.changed();
  }

  /** Every resolution received so far, in order. */
  get resolutions(): readonly ReceivedResolution[] {
    return this.resolutionLog;
  }

  /** The next resolution not yet taken by this method (waits for it). */
  async nextResolution(): Promise<ReceivedResolution> {
    await this.waitFor(() => this.resolutionLog.length > this.resolutionsTaken);
    return this.resolutionLog[this.resolutionsTaken++] as ReceivedResolution;
  }

  /** How each interceptor stream ended so far, in order. */
  get interceptorStreamEnds(): readonly FakeInterceptorStreamEnd[] {
    return this.interceptorEnds;
  }

  /** Fault injection: ends the open interceptor stream with this status. */
  endInterceptorStream(failure: FakeLndFailure): void {
    const call = this.interceptor;
    if (!call) throw new Error("fake lnd: no interceptor stream is open");
    this.closeInterceptor(call, failure, false);
  }

  // ---- HTLC events ----------------------------------------------------------------------

  get htlcEventSubscriberCount(): number {
    return this.htlcEventSubscribers.size;
  }

  /** Sends an HtlcEvent (wire shape, one oneof member set) to every subscriber. */
  pushHtlcEvent(event: Partial<WireHtlcEvent>): void {
    for (const subscriber of this.htlcEventSubscribers) subscriber.write(event as WireHtlcEvent);
  }

  /** Fault injection: ends every SubscribeHtlcEvents stream with this status. */
  endHtlcEventStreams(failure: FakeLndFailure): void {
    for (const subscriber of [...this.htlcEventSubscribers]) {
      this.htlcEventSubscribers.delete(subscriber);
      subscriber.emit("error", failure);
    }
    this.changed();
  }

  // ---- waiting --------------------------------------------------------------------------

  /** Resolves once the condition holds; re-checked after every change in the fake. */
  waitFor(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private changed(): void {
    for (const check of [...this.waiters]) check();
  }

  // ---- services -------------------------------------------------------------------------

  private installServices(): void {
    const services = lndServices();
    const lightning: grpc.UntypedServiceImplementation = {};
    for (const method of UNARY_LIGHTNING) lightning[method] = this.unary(method);
    this.server.addService(services.Lightning.service, lightning);

    const routerService = withPresenceTracking(services.Router.service);
    const router: grpc.UntypedServiceImplementation = {
      SendToRouteV2: this.unary("SendToRouteV2"),
      SendPaymentV2: this.serverStream("SendPaymentV2"),
      TrackPaymentV2: this.serverStream("TrackPaymentV2"),
      SubscribeHtlcEvents: (call: grpc.ServerWritableStream<unknown, WireHtlcEvent>) =>
        this.subscribeHtlcEvents(call),
      HtlcInterceptor: (call: InterceptorCall) => this.htlcInterceptor(call),
    };
    this.server.addService(routerService, router);

    this.server.addService(services.ChainNotifier.service, {
      RegisterBlockEpochNtfn: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const refusal = this.refuse(call.metadata);
        if (refusal) return call.emit("error", refusal);
        this.record("RegisterBlockEpochNtfn", call.request);
        this.blockEpochSubscribers.add(call);
        call.on("cancelled", () => this.blockEpochSubscribers.delete(call));
        // Like lnd for an empty request: the current best block first.
        call.write(blockEpoch(this.info.block_height));
      },
    });

    this.server.addService(services.State.service, {
      GetState: (_call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, { state: this.state }),
      SubscribeState: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        this.stateSubscribers.add(call);
        call.on("cancelled", () => this.stateSubscribers.delete(call));
        call.write({ state: this.state });
      },
    });
  }

  /** lnd's checks before any Lightning/Router handler: wallet state, then the macaroon. */
  private refuse(metadata: grpc.Metadata): FakeLndFailure | undefined {
    switch (this.state) {
      case "WAITING_TO_START":
        return { code: grpc.status.UNKNOWN, details: "waiting to start, RPC services not available" };
      case "NON_EXISTING":
        return {
          code: grpc.status.UNKNOWN,
          details: "wallet not created, create one to enable full RPC access",
        };
      case "LOCKED":
        return { code: grpc.status.UNKNOWN, details: "wallet locked, unlock it to enable full RPC access" };
      case "UNLOCKED":
        return {
          code: grpc.status.UNKNOWN,
          details: "the RPC server is in the process of starting up, but not yet ready to accept calls",
        };
      case "RPC_ACTIVE":
      case "SERVER_ACTIVE":
        break;
    }
    const macaroons = metadata.get("macaroon");
    if (macaroons.length !== 1) {
      return { code: grpc.status.UNKNOWN, details: `expected 1 macaroon, got ${macaroons.length}` };
    }
    if (macaroons[0] !== this.macaroonHex)
      return { code: grpc.status.UNKNOWN, details: MACAROON_MISMATCH_DETAILS };
    return undefined;
  }

  private record(method: string, request: unknown): void {
    const list = this.received.get(method) ?? [];
    list.push(request);
    this.received.set(method, list);
    this.changed();
  }

  private unary(method: FakeUnaryMethod) {
    return (call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) => {
      const refusal = this.refuse(call.metadata);
      if (refusal) return callback(refusal);
      this.record(method, call.request);
      const handler = this.unaryHandlers.get(method) ?? this.builtInHandler(method);
      if (!handler) {
        return callback({
          code: grpc.status.UNIMPLEMENTED,
          details: `fake lnd: no answer scripted for ${method}`,
        });
      }
      void Promise.resolve(handler(call.request)).then((result) =>
        isFailure(result) ? callback(result) : callback(null, result),
      );
    };
  }

  /** Answers for methods that need none scripted. */
  private builtInHandler(method: FakeUnaryMethod): UnaryHandler | undefined {
    if (method === "GetInfo") return () => this.info;
    if (method === "LookupHtlcResolution") {
      return (request) => {
        const { chan_id, htlc_index } = request as { chan_id: string; htlc_index: string };
        return (
          this.htlcResolutions.get(keyId({ chan_id, htlc_id: htlc_index })) ?? {
            code: grpc.status.NOT_FOUND,
            details: "htlc unknown",
          }
        );
      };
    }
    return undefined;
  }

  private serverStream(method: FakeStreamMethod) {
    return (call: grpc.ServerWritableStream<unknown, unknown>) => {
      const refusal = this.refuse(call.metadata);
      if (refusal) return call.emit("error", refusal);
      this.record(method, call.request);
      const handler = this.streamHandlers.get(method);
      if (!handler) {
        return call.emit("error", {
          code: grpc.status.UNIMPLEMENTED,
          details: `fake lnd: no answer scripted for ${method}`,
        });
      }
      const { messages, end } = handler(call.request);
      for (const message of messages) call.write(message);
      if (end) call.emit("error", end);
      else call.end();
    };
  }

  private subscribeHtlcEvents(call: grpc.ServerWritableStream<unknown, WireHtlcEvent>): void {
    const refusal = this.refuse(call.metadata);
    if (refusal) {
      call.emit("error", refusal);
      return;
    }
    this.record("SubscribeHtlcEvents", call.request);
    call.write({ subscribed_event: {} } as WireHtlcEvent);
    this.htlcEventSubscribers.add(call);
    call.on("cancelled", () => {
      this.htlcEventSubscribers.delete(call);
      this.changed();
    });
    this.changed();
  }

  private htlcInterceptor(call: InterceptorCall): void {
    const refusal = this.refuse(call.metadata);
    if (refusal) {
      call.emit("error", refusal);
      return;
    }
    if (this.interceptor) {
      call.emit("error", { code: grpc.status.UNKNOWN, details: "interceptor already exists" });
      return;
    }
    this.interceptor = call;
    this.interceptorStreamsOpened++;
    call.on("data", (response: ReceivedResolution) => this.onResolution(call, response));
    call.on("cancelled", () =>
      this.onInterceptorGone(call, { code: grpc.status.CANCELLED, details: "cancelled", byClient: true }),
    );
    call.on("end", () => this.closeInterceptor(call, { code: grpc.status.UNKNOWN, details: "EOF" }, true));
    // lnd offers every forward it still holds to a new interceptor (--requireinterceptor).
    for (const request of this.held.values()) call.write(request);
    this.changed();
  }

  /** lnd's resolveFromClient: any error it returns ends the stream with that status. */
  private onResolution(call: InterceptorCall, response: ReceivedResolution): void {
    if (call !== this.interceptor) return;
    const key = response.presentFields.has(1) ? response.incoming_circuit_key : undefined;
    if (!key) {
      return this.closeInterceptor(call, {
        code: grpc.status.INVALID_ARGUMENT,
        details: "CircuitKey missing from ForwardHtlcInterceptResponse",
      });
    }
    const id = keyId(key);
    const offered = this.held.get(id);
    if (!offered) {
      this.resolutionLog.push(response);
      return this.closeInterceptor(call, {
        code: grpc.status.UNKNOWN,
        details: `forward does not exist: (Chan ID=${scidString(key.chan_id)}, HTLC ID=${key.htlc_id})`,
      });
    }
    if (response.action === "SETTLE") {
      const hash = createHash("sha256")
        .update(response.preimage ?? Buffer.alloc(0))
        .digest();
      response.preimageMatches = hash.equals(offered.payment_hash);
    }
    this.resolutionLog.push(response);
    const refusal = checkResolution(response);
    if (refusal) return this.closeInterceptor(call, refusal);
    this.held.delete(id);
    this.changed();
  }

  private closeInterceptor(call: InterceptorCall, failure: FakeLndFailure, byClient = false): void {
    if (call !== this.interceptor) return;
    call.emit("error", failure);
    this.onInterceptorGone(call, { ...failure, byClient });
  }

  private onInterceptorGone(call: InterceptorCall, end: FakeInterceptorStreamEnd): void {
    if (call !== this.interceptor) return;
    this.interceptor = undefined;
    this.interceptorEnds.push(end);
    // Without --requireinterceptor lnd resumes what it held when the interceptor leaves.
    if (!this.requireInterceptor) this.held.clear();
    this.changed();
  }
}

/** Starts a fake lnd on 127.0.0.1 with a free port. Stop it with stop(). */
export async function startFakeLnd(options: FakeLndOptions = {}): Promise<FakeLnd> {
  return new FakeLnd(options).start();
}

/** lnd's checks of one resolution (routerrpc forward_interceptor.go, v0.21.2). */
function checkResolution(response: ReceivedResolution): FakeLndFailure | undefined {
  switch (response.action) {
    case "SETTLE":
      if (!response.presentFields.has(3)) return { code: grpc.status.UNKNOWN, details: "missing preimage" };
      if (response.preimage?.length !== 32) {
        return {
          code: grpc.status.UNKNOWN,
          details: `invalid preimage length of ${response.preimage?.length ?? 0}, want 32`,
        };
      }
      return undefined;
    case "FAIL":
      // lnd tests the Go slice against nil: a failure_message field present on the wire,
      // even empty, counts as a failure message.
      if (response.presentFields.has(4)) {
        if (response.failure_code !== undefined && response.failure_code !== "RESERVED") {
          return {
            code: grpc.status.INVALID_ARGUMENT,
            details: "failure message and failure code are mutually exclusive",
          };
        }
        if (response.failure_message?.length !== FAILURE_MESSAGE_LENGTH) {
          return { code: grpc.status.INVALID_ARGUMENT, details: "failure message length invalid" };
        }
        return undefined;
      }
      if (!ALLOWED_FAILURE_CODES.has(response.failure_code ?? "RESERVED")) {
        return {
          code: grpc.status.INVALID_ARGUMENT,
          details: `unsupported failure code: ${response.failure_code}`,
        };
      }
      return undefined;
    case "RESUME":
    case "RESUME_MODIFIED":
      return undefined;
    default:
      return {
        code: grpc.status.INVALID_ARGUMENT,
        details: `unrecognized resolve action ${String(response.action)}`,
      };
  }
}

/**
 * The Router service definition with the HtlcInterceptor request decoder extended to report
 * which top-level fields were present on the wire: proto-loader's defaults hide the
 * difference between an absent bytes field and an empty one, and lnd does not.
 */
function withPresenceTracking(service: grpc.ServiceDefinition): grpc.ServiceDefinition {
  const interceptor = service.HtlcInterceptor;
  if (!interceptor) throw new Error("Router service without HtlcInterceptor");
  return {
    ...service,
    HtlcInterceptor: {
      ...interceptor,
      requestDeserialize: (bytes: Buffer) => ({
        ...(interceptor.requestDeserialize(bytes) as object),
        presentFields: topLevelFieldNumbers(bytes),
      }),
    },
  };
}

/** Field numbers of a protobuf message's top-level fields (wire format walk). */
export function topLevelFieldNumbers(bytes: Uint8Array): Set<number> {
  const fields = new Set<number>();
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = bytes[offset++];
      if (byte === undefined) throw new Error("truncated varint");
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < bytes.length) {
    const tag = varint();
    fields.add(Number(tag >> 3n));
    switch (Number(tag & 7n)) {
      case 0:
        varint();
        break;
      case 1:
        offset += 8;
        break;
      case 2: {
        const length = Number(varint());
        offset += length;
        break;
      }
      case 5:
        offset += 4;
        break;
      default:
        throw new Error(`unsupported wire type in tag ${tag}`);
    }
  }
  return fields;
}

function isFailure(value: unknown): value is FakeLndFailure {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as FakeLndFailure).code === "number" &&
    typeof (value as FakeLndFailure).details === "string" &&
    Object.keys(value).length === 2
  );
}

function keyId(key: WireCircuitKey): string {
  return `${key.chan_id}:${key.htlc_id}`;
}

/** lnd prints short channel ids as block:tx:output. */
function scidString(chanId: string): string {
  const scid = BigInt(chanId);
  return `${scid >> 40n}:${(scid >> 16n) & 0xffffffn}:${scid & 0xffffn}`;
}

/** A made-up but distinct block hash per height (the bridge uses only the height). */
function blockEpoch(height: number): { hash: Buffer; height: number } {
  const hash = Buffer.alloc(32);
  hash.writeUInt32LE(height, 0);
  return { hash, height };
}

function defaultGetInfo(): WireGetInfoResponse {
  return {
    version: "0.21.2-beta commit=v0.21.2-beta",
    commit_hash: "0000000000000000000000000000000000000000",
    identity_pubkey: "02" + "11".repeat(32),
    alias: "fake-lnd",
    color: "#3399ff",
    num_pending_channels: 0,
    num_active_channels: 0,
    num_inactive_channels: 0,
    num_peers: 0,
    block_height: 500,
    block_hash: "00".repeat(32),
    best_header_timestamp: "1700000000",
    synced_to_chain: true,
    synced_to_graph: true,
    chains: [{ chain: "bitcoin", network: "regtest" }],
    uris: [],
    features: {},
    require_htlc_interceptor: true,
    store_final_htlc_resolutions: true,
    wallet_synced: true,
  };
}

/** A ForwardHtlcInterceptRequest as the fake lnd sends one: every field present, zero unless offered otherwise. */
export function defaultInterceptRequest(): WireForwardHtlcInterceptRequest {
  return {
    incoming_circuit_key: { chan_id: "0", htlc_id: "0" },
    incoming_amount_msat: "0",
    incoming_expiry: 0,
    payment_hash: Buffer.alloc(32),
    outgoing_requested_chan_id: "0",
    outgoing_amount_msat: "0",
    outgoing_expiry: 0,
    custom_records: {},
    onion_blob: Buffer.alloc(0),
    auto_fail_height: 0,
    in_wire_custom_records: {},
    outgoing_requested_node_id: Buffer.alloc(0),
  };
}
