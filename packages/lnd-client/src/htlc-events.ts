// Router.SubscribeHtlcEvents, decoded. The coordinator's signal that an invoice is really
// SETTLED is a finalHtlc event (or LookupHtlcResolution) for each HTLC of its set.
import type { FailureCode } from "./payments.ts";
import { u64FromWire } from "./uint64.ts";

export type HtlcEventType = "UNKNOWN" | "SEND" | "RECEIVE" | "FORWARD";

export type FailureDetail =
  | "UNKNOWN"
  | "NO_DETAIL"
  | "ONION_DECODE"
  | "LINK_NOT_ELIGIBLE"
  | "ON_CHAIN_TIMEOUT"
  | "HTLC_EXCEEDS_MAX"
  | "INSUFFICIENT_BALANCE"
  | "INCOMPLETE_FORWARD"
  | "HTLC_ADD_FAILED"
  | "FORWARDS_DISABLED"
  | "INVOICE_CANCELED"
  | "INVOICE_UNDERPAID"
  | "INVOICE_EXPIRY_TOO_SOON"
  | "INVOICE_NOT_OPEN"
  | "MPP_INVOICE_TIMEOUT"
  | "ADDRESS_MISMATCH"
  | "SET_TOTAL_MISMATCH"
  | "SET_TOTAL_TOO_LOW"
  | "SET_OVERPAID"
  | "UNKNOWN_INVOICE"
  | "INVALID_KEYSEND"
  | "MPP_IN_PROGRESS"
  | "CIRCULAR_ROUTE"
  | "INVOICE_ALREADY_SETTLED"
  | "HTLC_INVOICE_TYPE_MISMATCH"
  | "AMP_ERROR"
  | "AMP_RECONSTRUCTION"
  | "EXTERNAL_VALIDATION_FAILED";

export interface HtlcInfo {
  incomingTimelock: number;
  outgoingTimelock: number;
  incomingAmtMsat: bigint;
  outgoingAmtMsat: bigint;
}

interface HtlcEventIds {
  /** Zero for sends. With incomingHtlcId this is the incoming circuit key. */
  incomingChannelId: bigint;
  /** Zero for receives. */
  outgoingChannelId: bigint;
  incomingHtlcId: bigint;
  outgoingHtlcId: bigint;
  timestampNs: bigint;
  eventType: HtlcEventType;
}

export type HtlcEvent = HtlcEventIds &
  (
    | { kind: "forward"; info: HtlcInfo | undefined }
    | { kind: "forwardFail" }
    | { kind: "settle"; preimage: Buffer }
    | {
        kind: "linkFail";
        info: HtlcInfo | undefined;
        wireFailure: FailureCode;
        failureDetail: FailureDetail;
        failureString: string;
      }
    /** Sent once, first: the subscription is in place, later events will not be missed. */
    | { kind: "subscribed" }
    /** The HTLC is irrevocably resolved; settled=false means it failed. */
    | { kind: "finalHtlc"; settled: boolean; offchain: boolean }
    /** An event kind newer than our proto subset. */
    | { kind: "unknown" }
  );

export interface WireHtlcInfo {
  incoming_timelock: number;
  outgoing_timelock: number;
  incoming_amt_msat: string;
  outgoing_amt_msat: string;
}

export interface WireHtlcEvent {
  incoming_channel_id: string;
  outgoing_channel_id: string;
  incoming_htlc_id: string;
  outgoing_htlc_id: string;
  timestamp_ns: string;
  event_type: HtlcEventType;
  event?:
    | "forward_event"
    | "forward_fail_event"
    | "settle_event"
    | "link_fail_event"
    | "subscribed_event"
    | "final_htlc_event";
  forward_event?: { info: WireHtlcInfo | null };
  forward_fail_event?: Record<string, never>;
  settle_event?: { preimage: Buffer };
  link_fail_event?: {
    info: WireHtlcInfo | null;
    wire_failure: FailureCode;
    failure_detail: FailureDetail;
    failure_string: string;
  };
  subscribed_event?: Record<string, never>;
  final_htlc_event?: { settled: boolean; offchain: boolean };
}

export function htlcEventFromWire(wire: WireHtlcEvent): HtlcEvent {
  const field = (name: string) => `HtlcEvent.${name}`;
  const ids: HtlcEventIds = {
    incomingChannelId: u64FromWire(wire.incoming_channel_id, field("incoming_channel_id")),
    outgoingChannelId: u64FromWire(wire.outgoing_channel_id, field("outgoing_channel_id")),
    incomingHtlcId: u64FromWire(wire.incoming_htlc_id, field("incoming_htlc_id")),
    outgoingHtlcId: u64FromWire(wire.outgoing_htlc_id, field("outgoing_htlc_id")),
    timestampNs: u64FromWire(wire.timestamp_ns, field("timestamp_ns")),
    eventType: wire.event_type,
  };
  switch (wire.event) {
    case "forward_event":
      return {
        ...ids,
        kind: "forward",
        info: htlcInfoFromWire(present(wire.forward_event, "forward_event").info),
      };
    case "forward_fail_event":
      return { ...ids, kind: "forwardFail" };
    case "settle_event":
      return { ...ids, kind: "settle", preimage: present(wire.settle_event, "settle_event").preimage };
    case "link_fail_event": {
      const fail = present(wire.link_fail_event, "link_fail_event");
      return {
        ...ids,
        kind: "linkFail",
        info: htlcInfoFromWire(fail.info),
        wireFailure: fail.wire_failure,
        failureDetail: fail.failure_detail,
        failureString: fail.failure_string,
      };
    }
    case "subscribed_event":
      return { ...ids, kind: "subscribed" };
    case "final_htlc_event": {
      // No defaults here: a made-up settled=false would read as "the HTLC failed".
      const final = present(wire.final_htlc_event, "final_htlc_event");
      return { ...ids, kind: "finalHtlc", settled: final.settled, offchain: final.offchain };
    }
    case undefined:
      return { ...ids, kind: "unknown" };
    default: {
      const unexpected: never = wire.event;
      throw new TypeError(`HtlcEvent.event: unexpected member ${String(unexpected)}`);
    }
  }
}

function present<T>(value: T | undefined | null, member: string): T {
  if (value === undefined || value === null)
    throw new TypeError(`HtlcEvent.event names ${member} but it is absent`);
  return value;
}

function htlcInfoFromWire(wire: WireHtlcInfo | null): HtlcInfo | undefined {
  if (wire === null) return undefined;
  return {
    incomingTimelock: wire.incoming_timelock,
    outgoingTimelock: wire.outgoing_timelock,
    incomingAmtMsat: u64FromWire(wire.incoming_amt_msat, "HtlcInfo.incoming_amt_msat"),
    outgoingAmtMsat: u64FromWire(wire.outgoing_amt_msat, "HtlcInfo.outgoing_amt_msat"),
  };
}
