// The port's views <-> their gRPC messages. The server encodes with the to* functions, the
// client decodes with the from* functions; a round trip gives back the same view, which the
// tests check field by field. uint64 values cross as decimal strings, never as numbers.
import type {
  ClusterNodeView,
  CoordinatorInfo,
  InvoiceEventKind,
  InvoiceEventView,
  InvoiceHtlcView,
  InvoiceMode,
  InvoiceStatus,
  InvoiceView,
} from "./invoice-service.ts";
import type {
  WireClusterNode,
  WireGetInfoResponse,
  WireInvoice,
  WireInvoiceEvent,
  WireInvoiceEventKind,
  WireInvoiceHtlc,
  WireInvoiceMode,
  WireInvoiceStatus,
} from "./invoice-api-wire.ts";

const INVOICE_STATUSES: readonly InvoiceStatus[] = ["OPEN", "ACCEPTED", "SETTLE_REQUESTED", "SETTLED", "SETTLE_FAILED", "CANCELLED", "EXPIRED"];
const EVENT_KINDS: readonly InvoiceEventKind[] = ["CREATED", "ACCEPTED", "SETTLE_REQUESTED", "SETTLED", "SETTLE_FAILED", "CANCELLED", "EXPIRED"];

/** An answer this client cannot read (e.g. an enum value added by a newer server). */
export class UnreadableApiAnswer extends Error {
  override readonly name = "UnreadableApiAnswer";
}

export function toWireMode(mode: InvoiceMode): WireInvoiceMode {
  switch (mode) {
    case "auto":
      return "AUTO_SETTLE";
    case "hold":
      return "HOLD";
    default: {
      const unknownMode: never = mode;
      throw new Error(`unknown invoice mode ${String(unknownMode)}`);
    }
  }
}

export function fromWireMode(mode: WireInvoiceMode | number): InvoiceMode {
  if (mode === "AUTO_SETTLE") return "auto";
  if (mode === "HOLD") return "hold";
  throw new UnreadableApiAnswer(`invoice mode ${String(mode)} is unknown to this client`);
}

export function toWireInvoice(invoice: InvoiceView): WireInvoice {
  return {
    payment_hash: invoice.paymentHash,
    external_ref: invoice.externalRef,
    bolt11: invoice.bolt11,
    status: invoice.status,
    mode: toWireMode(invoice.mode),
    // Amount-less is 0 on the wire: an invoice for 0 msat does not exist.
    amount_msat: uint64String(invoice.amountMsat ?? 0n, "amountMsat"),
    amount_paid_msat: uint64String(invoice.amountPaidMsat, "amountPaidMsat"),
    created_at_ms: String(invoice.createdAtMs),
    expires_at_ms: String(invoice.expiresAtMs),
    htlcs: invoice.htlcs.map(toWireHtlc),
  };
}

export function fromWireInvoice(wire: WireInvoice | null): InvoiceView {
  if (wire === null) throw new UnreadableApiAnswer("the answer has no invoice");
  const amountMsat = BigInt(wire.amount_msat);
  return {
    paymentHash: wire.payment_hash,
    externalRef: wire.external_ref,
    bolt11: wire.bolt11,
    status: oneOf(INVOICE_STATUSES, wire.status, "invoice status"),
    mode: fromWireMode(wire.mode),
    amountMsat: amountMsat === 0n ? null : amountMsat,
    amountPaidMsat: BigInt(wire.amount_paid_msat),
    createdAtMs: safeInteger(wire.created_at_ms, "created_at_ms"),
    expiresAtMs: safeInteger(wire.expires_at_ms, "expires_at_ms"),
    htlcs: wire.htlcs.map(fromWireHtlc),
  };
}

function toWireHtlc(htlc: InvoiceHtlcView): WireInvoiceHtlc {
  return {
    node_id: htlc.nodeId,
    chan_id: uint64String(htlc.chanId, "chanId"),
    htlc_id: uint64String(htlc.htlcId, "htlcId"),
    amount_msat: uint64String(htlc.amountMsat, "amountMsat"),
    status: htlc.status,
  };
}

function fromWireHtlc(wire: WireInvoiceHtlc): InvoiceHtlcView {
  return {
    nodeId: wire.node_id,
    chanId: BigInt(wire.chan_id),
    htlcId: BigInt(wire.htlc_id),
    amountMsat: BigInt(wire.amount_msat),
    status: wire.status,
  };
}

export function toWireEvent(event: InvoiceEventView): WireInvoiceEvent {
  return {
    sequence: uint64String(event.sequence, "sequence"),
    kind: event.kind,
    invoice: toWireInvoice(event.invoice),
    at_ms: String(event.atMs),
  };
}

export function fromWireEvent(wire: WireInvoiceEvent): InvoiceEventView {
  return {
    sequence: BigInt(wire.sequence),
    kind: oneOf(EVENT_KINDS, wire.kind, "invoice event kind"),
    invoice: fromWireInvoice(wire.invoice),
    atMs: safeInteger(wire.at_ms, "at_ms"),
  };
}

export function toWireInfo(info: CoordinatorInfo): WireGetInfoResponse {
  return { coordinator_pubkey: info.coordinatorPubkey, network: info.network, nodes: info.nodes.map(toWireNode) };
}

export function fromWireInfo(wire: WireGetInfoResponse): CoordinatorInfo {
  return { coordinatorPubkey: wire.coordinator_pubkey, network: wire.network, nodes: wire.nodes.map(fromWireNode) };
}

function toWireNode(node: ClusterNodeView): WireClusterNode {
  return {
    name: node.name,
    pubkey: node.pubkey,
    virtual_scid: uint64String(node.virtualScid, "virtualScid"),
    bridge_connected: node.bridgeConnected,
  };
}

function fromWireNode(wire: WireClusterNode): ClusterNodeView {
  return {
    name: wire.name,
    pubkey: wire.pubkey,
    virtualScid: BigInt(wire.virtual_scid),
    bridgeConnected: wire.bridge_connected,
  };
}

const UINT64_MAX = 2n ** 64n - 1n;

// protobufjs would wrap an out-of-range value modulo 2^64 without a word: a bug upstream must
// fail the call (INTERNAL), never send a different amount or id.
function uint64String(value: bigint, field: string): string {
  if (value < 0n || value > UINT64_MAX) throw new RangeError(`${field} ${value} does not fit in uint64`);
  return value.toString();
}

function oneOf<T extends string>(allowed: readonly T[], value: string | number, what: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new UnreadableApiAnswer(`${what} ${String(value)} is unknown to this client`);
  return found;
}

function safeInteger(value: string, field: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed)) throw new UnreadableApiAnswer(`${field} ${value} is not a safe integer`);
  return parsed;
}

// Type-level guarantee that the port's enums and the wire's are the same words: a status or
// kind added to one and not the other breaks the build here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statusesMatch: Same<InvoiceStatus, Exclude<WireInvoiceStatus, "STATUS_UNSPECIFIED">> = true;
const kindsMatch: Same<InvoiceEventKind, Exclude<WireInvoiceEventKind, "KIND_UNSPECIFIED">> = true;
void statusesMatch;
void kindsMatch;
