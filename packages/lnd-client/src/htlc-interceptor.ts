// Router.HtlcInterceptor: lnd holds every forward until the interceptor answers for its
// circuit key. Two lnd rules shape this wrapper:
// - an answer for a circuit key lnd does not hold (unknown, already answered, auto-failed)
//   ends the whole stream, so send() refuses keys not offered on this stream or already
//   answered on it (lnd's own auto-fail at auto_fail_height cannot be seen from here);
// - a FAIL with a failure_message field present, even empty, is checked as a 292-byte
//   encrypted error, so optional bytes fields are written only when they carry data.
import type { ClientDuplexStream } from "@grpc/grpc-js";
import { status as Status } from "@grpc/grpc-js";
import { circuitKeyId, type CircuitKey } from "./circuit-key.ts";
import { customRecordsFromWire, customRecordsToWire, type CustomRecords } from "./custom-records.ts";
import { LndError } from "./lnd-error.ts";
import { LndStreamReader, type StreamContext } from "./lnd-stream.ts";
import { u64FromWire, u64ToWire } from "./uint64.ts";

// The key and its id live in circuit-key.ts (no imports, for pure code); the client exports them from here.
export { circuitKeyId, type CircuitKey };

export interface InterceptedHtlc {
  /** The same key comes again after an interceptor reconnect or an lnd restart. */
  incomingCircuitKey: CircuitKey;
  incomingAmountMsat: bigint;
  incomingExpiry: number;
  paymentHash: Buffer;
  /** The short channel id the payer asked to forward over: our virtual scid for our HTLCs. */
  outgoingRequestedChanId: bigint;
  outgoingAmountMsat: bigint;
  outgoingExpiry: number;
  customRecords: CustomRecords;
  /** The 1366-byte onion packet for the next hop (the virtual node for our HTLCs). */
  onionBlob: Buffer;
  /** lnd fails the held HTLC itself at this height. */
  autoFailHeight: number;
  inWireCustomRecords: CustomRecords;
  /** Set for blinded node-id forwards; outgoingRequestedChanId is then 2^64-1. */
  outgoingRequestedNodeId: Buffer | undefined;
}

/** Failure codes lnd accepts in an interceptor FAIL (it rejects every other). */
export type InterceptFailureCode =
  "TEMPORARY_CHANNEL_FAILURE" | "INVALID_ONION_VERSION" | "INVALID_ONION_HMAC" | "INVALID_ONION_KEY";

export type InterceptResolution =
  | { action: "SETTLE"; circuitKey: CircuitKey; preimage: Uint8Array }
  /** failureMessage: a BOLT 4 error packet encrypted by the virtual node, exactly 292 bytes. */
  | { action: "FAIL"; circuitKey: CircuitKey; failureMessage: Uint8Array }
  | { action: "FAIL"; circuitKey: CircuitKey; failureCode: InterceptFailureCode }
  | { action: "RESUME"; circuitKey: CircuitKey }
  | {
      action: "RESUME_MODIFIED";
      circuitKey: CircuitKey;
      inAmountMsat?: bigint;
      outAmountMsat?: bigint;
      outWireCustomRecords?: ReadonlyMap<bigint, Uint8Array>;
    };

export interface HtlcInterceptorStream extends AsyncIterable<InterceptedHtlc> {
  /**
   * Writes one resolution. Throws (and writes nothing) when the resolution is malformed
   * (RangeError/TypeError), when its circuit key was not offered on this stream or was
   * already answered on it (LndError "forward-not-held"; the stream stays open), or when the
   * stream has ended (LndError). An HTLC left unanswered stays held by lnd and is offered
   * again to the next interceptor (with --requireinterceptor).
   */
  send(resolution: InterceptResolution): void;
  /**
   * Ends the stream now. Resolutions written just before may not reach lnd; the HTLCs they
   * answer stay held and are offered again on the next stream.
   */
  close(): void;
  /** True once the stream has ended, for any reason. */
  readonly closed: boolean;
}

export const FAILURE_MESSAGE_LENGTH = 292;
const PREIMAGE_LENGTH = 32;

export interface WireCircuitKey {
  chan_id: string;
  htlc_id: string;
}

export interface WireForwardHtlcInterceptRequest {
  incoming_circuit_key: WireCircuitKey | null;
  incoming_amount_msat: string;
  incoming_expiry: number;
  payment_hash: Buffer;
  outgoing_requested_chan_id: string;
  outgoing_amount_msat: string;
  outgoing_expiry: number;
  custom_records: Record<string, Buffer>;
  onion_blob: Buffer;
  auto_fail_height: number;
  in_wire_custom_records: Record<string, Buffer>;
  outgoing_requested_node_id: Buffer;
}

export interface WireForwardHtlcInterceptResponse {
  incoming_circuit_key: WireCircuitKey;
  action: "SETTLE" | "FAIL" | "RESUME" | "RESUME_MODIFIED";
  preimage?: Buffer;
  failure_message?: Buffer;
  failure_code?: InterceptFailureCode;
  in_amount_msat?: string;
  out_amount_msat?: string;
  out_wire_custom_records?: Record<string, Buffer>;
}

export function interceptedHtlcFromWire(wire: WireForwardHtlcInterceptRequest): InterceptedHtlc {
  const field = (name: string) => `ForwardHtlcInterceptRequest.${name}`;
  if (wire.incoming_circuit_key === null) throw new TypeError(`${field("incoming_circuit_key")} is absent`);
  return {
    incomingCircuitKey: circuitKeyFromWire(wire.incoming_circuit_key),
    incomingAmountMsat: u64FromWire(wire.incoming_amount_msat, field("incoming_amount_msat")),
    incomingExpiry: wire.incoming_expiry,
    paymentHash: wire.payment_hash,
    outgoingRequestedChanId: u64FromWire(
      wire.outgoing_requested_chan_id,
      field("outgoing_requested_chan_id"),
    ),
    outgoingAmountMsat: u64FromWire(wire.outgoing_amount_msat, field("outgoing_amount_msat")),
    outgoingExpiry: wire.outgoing_expiry,
    customRecords: customRecordsFromWire(wire.custom_records, field("custom_records")),
    onionBlob: wire.onion_blob,
    autoFailHeight: wire.auto_fail_height,
    inWireCustomRecords: customRecordsFromWire(wire.in_wire_custom_records, field("in_wire_custom_records")),
    outgoingRequestedNodeId:
      wire.outgoing_requested_node_id.length > 0 ? wire.outgoing_requested_node_id : undefined,
  };
}

export function circuitKeyFromWire(wire: WireCircuitKey): CircuitKey {
  return {
    chanId: u64FromWire(wire.chan_id, "CircuitKey.chan_id"),
    htlcId: u64FromWire(wire.htlc_id, "CircuitKey.htlc_id"),
  };
}

export function circuitKeyToWire(key: CircuitKey): WireCircuitKey {
  return {
    chan_id: u64ToWire(key.chanId, "CircuitKey.chan_id"),
    htlc_id: u64ToWire(key.htlcId, "CircuitKey.htlc_id"),
  };
}

/** Validates a resolution and builds the message lnd accepts for it; throws RangeError/TypeError otherwise. */
export function interceptResolutionToWire(resolution: InterceptResolution): WireForwardHtlcInterceptResponse {
  const incoming_circuit_key = circuitKeyToWire(resolution.circuitKey);
  switch (resolution.action) {
    case "SETTLE":
      if (resolution.preimage.length !== PREIMAGE_LENGTH) {
        throw new RangeError(
          `SETTLE needs a ${PREIMAGE_LENGTH}-byte preimage, got ${resolution.preimage.length} bytes`,
        );
      }
      return { incoming_circuit_key, action: "SETTLE", preimage: Buffer.from(resolution.preimage) };
    case "FAIL":
      if ("failureMessage" in resolution) {
        if (resolution.failureMessage.length !== FAILURE_MESSAGE_LENGTH) {
          throw new RangeError(
            `FAIL failureMessage must be ${FAILURE_MESSAGE_LENGTH} bytes, got ${resolution.failureMessage.length}`,
          );
        }
        return {
          incoming_circuit_key,
          action: "FAIL",
          failure_message: Buffer.from(resolution.failureMessage),
        };
      }
      if (!INTERCEPT_FAILURE_CODES.has(resolution.failureCode)) {
        throw new RangeError(`lnd rejects interceptor failure code ${String(resolution.failureCode)}`);
      }
      return { incoming_circuit_key, action: "FAIL", failure_code: resolution.failureCode };
    case "RESUME":
      return { incoming_circuit_key, action: "RESUME" };
    case "RESUME_MODIFIED": {
      const wire: WireForwardHtlcInterceptResponse = { incoming_circuit_key, action: "RESUME_MODIFIED" };
      if (resolution.inAmountMsat !== undefined) {
        wire.in_amount_msat = u64ToWire(
          resolution.inAmountMsat,
          "ForwardHtlcInterceptResponse.in_amount_msat",
        );
      }
      if (resolution.outAmountMsat !== undefined) {
        wire.out_amount_msat = u64ToWire(
          resolution.outAmountMsat,
          "ForwardHtlcInterceptResponse.out_amount_msat",
        );
      }
      if (resolution.outWireCustomRecords !== undefined && resolution.outWireCustomRecords.size > 0) {
        wire.out_wire_custom_records = customRecordsToWire(
          resolution.outWireCustomRecords,
          "ForwardHtlcInterceptResponse.out_wire_custom_records",
        );
      }
      return wire;
    }
    default: {
      const unexpected: never = resolution;
      throw new TypeError(`unknown interceptor action ${String((unexpected as { action: unknown }).action)}`);
    }
  }
}

const INTERCEPT_FAILURE_CODES: ReadonlySet<string> = new Set<InterceptFailureCode>([
  "TEMPORARY_CHANNEL_FAILURE",
  "INVALID_ONION_VERSION",
  "INVALID_ONION_HMAC",
  "INVALID_ONION_KEY",
]);

export type InterceptorCall = ClientDuplexStream<
  WireForwardHtlcInterceptResponse,
  WireForwardHtlcInterceptRequest
>;

export class HtlcInterceptorDuplex implements HtlcInterceptorStream {
  private readonly reader: LndStreamReader<WireForwardHtlcInterceptRequest, InterceptedHtlc>;
  /** Circuit keys offered on this stream and not answered yet. */
  private readonly awaitingAnswer = new Set<string>();

  constructor(
    private readonly call: InterceptorCall,
    private readonly context: StreamContext,
  ) {
    this.reader = new LndStreamReader(
      call,
      (wire: WireForwardHtlcInterceptRequest) => {
        const htlc = interceptedHtlcFromWire(wire);
        this.awaitingAnswer.add(circuitKeyId(htlc.incomingCircuitKey));
        return htlc;
      },
      context,
    );
  }

  get closed(): boolean {
    return this.reader.isFinished || this.reader.isCancelled;
  }

  send(resolution: InterceptResolution): void {
    const wire = interceptResolutionToWire(resolution);
    const { address, method } = this.context;
    if (this.closed) {
      throw (
        this.reader.error ??
        new LndError(
          "cancelled",
          Status.CANCELLED,
          address,
          method,
          "stream closed",
          `the HTLC interceptor stream to lnd at ${address} is closed; the resolution was not sent`,
        )
      );
    }
    const key = circuitKeyId(resolution.circuitKey);
    if (!this.awaitingAnswer.delete(key)) {
      throw new LndError(
        "forward-not-held",
        Status.FAILED_PRECONDITION,
        address,
        method,
        `circuit key ${key} not awaiting an answer`,
        `not sent to lnd at ${address}: circuit key ${key} was not offered on this interceptor stream or was already answered, and lnd would close the stream`,
      );
    }
    this.call.write(wire);
  }

  close(): void {
    this.reader.cancel();
  }

  [Symbol.asyncIterator](): AsyncIterator<InterceptedHtlc> {
    return this.reader[Symbol.asyncIterator]();
  }

  onFinish(callback: () => void): void {
    this.reader.onFinish(callback);
  }
}
