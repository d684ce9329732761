// What each POST carries: the invoice event as JSON, in the field names of the invoice-event
// schema (schemas/invoice-event.v2.avsc), uint64 amounts and ids as decimal strings (JSON numbers
// lose precision above 2^53; a channel id always exceeds it), plus the schema and deployment so a
// receiver serving several deployments can tell them apart. Pure.
import type { InvoiceEvent } from "@ic/event-log";
import { WEBHOOK_HEADERS } from "./signature.ts";

export const WEBHOOK_BODY_TYPE = "invoice-event";
/** The body's own version: a change a receiver must know of gets a new one. */
export const WEBHOOK_BODY_VERSION = 1;

export interface WebhookHtlcJson {
  readonly nodeId: string;
  readonly chanId: string;
  readonly htlcId: string;
  readonly amountMsat: string;
  readonly settled: boolean | null;
}

export interface WebhookBodyJson {
  readonly type: typeof WEBHOOK_BODY_TYPE;
  readonly version: typeof WEBHOOK_BODY_VERSION;
  readonly deployment: string;
  readonly eventId: string;
  readonly sequence: number;
  readonly paymentHash: string;
  readonly kind: InvoiceEvent["kind"];
  readonly externalRef: string | null;
  readonly bolt11: string | null;
  readonly amountMsat: string | null;
  readonly amountPaidMsat: string | null;
  readonly amountSettledMsat: string | null;
  readonly amountFailedMsat: string | null;
  readonly htlcs: readonly WebhookHtlcJson[];
  readonly reason: string | null;
  readonly atMs: number;
}

const decimal = (value: bigint | null): string | null => (value === null ? null : value.toString(10));

export function webhookBodyJson(event: InvoiceEvent, deployment: string): WebhookBodyJson {
  return {
    type: WEBHOOK_BODY_TYPE,
    version: WEBHOOK_BODY_VERSION,
    deployment,
    eventId: event.eventId,
    sequence: event.sequence,
    paymentHash: event.paymentHash,
    kind: event.kind,
    externalRef: event.externalRef,
    bolt11: event.bolt11,
    amountMsat: decimal(event.amountMsat),
    amountPaidMsat: decimal(event.amountPaidMsat),
    amountSettledMsat: decimal(event.amountSettledMsat),
    amountFailedMsat: decimal(event.amountFailedMsat),
    htlcs: event.htlcs.map((h) => ({
      nodeId: h.nodeId,
      chanId: h.chanId.toString(10),
      htlcId: h.htlcId.toString(10),
      amountMsat: h.amountMsat.toString(10),
      settled: h.settled,
    })),
    reason: event.reason,
    atMs: event.atMs,
  };
}

/** The exact body text: the bytes signed and sent (the same on every attempt). */
export function webhookBody(event: InvoiceEvent, deployment: string): string {
  return JSON.stringify(webhookBodyJson(event, deployment));
}

/** Every header of one attempt (content type, event id, timestamp, signature). */
export function webhookRequestHeaders(input: {
  eventId: string;
  timestampSec: number;
  signature: string;
}): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "ic-webhook-relay/1",
    [WEBHOOK_HEADERS.eventId]: input.eventId,
    [WEBHOOK_HEADERS.timestamp]: String(input.timestampSec),
    [WEBHOOK_HEADERS.signature]: input.signature,
  };
}
