// The webhook signature: HMAC-SHA256 with the endpoint's secret over `<timestamp>.<body>`, where
// timestamp is the attempt's Unix time in seconds (decimal) and body the exact bytes POSTed.
// Signing the timestamp with the body lets a receiver refuse old requests (a replay captured on
// the way) by the timestamp alone; each attempt is signed anew with its own timestamp.
// Pure and deterministic: the time comes in.
import { createHmac, timingSafeEqual } from "node:crypto";

/** Header names of every POST (lowercase, as Node's http gives them to a receiver). */
export const WEBHOOK_HEADERS = {
  /** The invoice event's eventId: the same on every attempt and redelivery; receivers dedupe by it. */
  eventId: "ic-webhook-id",
  /** Unix seconds of this attempt, decimal; part of what is signed. */
  timestamp: "ic-webhook-timestamp",
  /** `v1=<hex HMAC-SHA256>`: the scheme version and the signature. */
  signature: "ic-webhook-signature",
} as const;

export const SIGNATURE_SCHEME = "v1";

/** Hex HMAC-SHA256(secret, `${timestampSec}.${body}`). */
export function webhookSignature(secret: string, timestampSec: number, body: string): string {
  return createHmac("sha256", secret).update(`${timestampSec}.${body}`, "utf8").digest("hex");
}

/** The signature header's value. */
export function signatureHeader(secret: string, timestampSec: number, body: string): string {
  return `${SIGNATURE_SCHEME}=${webhookSignature(secret, timestampSec, body)}`;
}

export type VerifyResult =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: "missing-header" | "bad-timestamp" | "stale-timestamp" | "unknown-scheme" | "mismatch";
    };

/**
 * What a receiver does (README, "Verifying a webhook"): recompute the HMAC over the timestamp
 * header and the raw body, compare in constant time, and refuse a timestamp further than
 * toleranceSec from its own clock.
 */
export function verifyWebhookSignature(input: {
  readonly secret: string;
  readonly body: string;
  readonly timestampHeader: string | undefined;
  readonly signatureHeader: string | undefined;
  readonly nowSec: number;
  readonly toleranceSec: number;
}): VerifyResult {
  if (input.timestampHeader === undefined || input.signatureHeader === undefined)
    return { ok: false, reason: "missing-header" };
  if (!/^\d{1,12}$/.test(input.timestampHeader)) return { ok: false, reason: "bad-timestamp" };
  const timestamp = Number(input.timestampHeader);
  if (Math.abs(input.nowSec - timestamp) > input.toleranceSec)
    return { ok: false, reason: "stale-timestamp" };
  const [scheme, given] = splitOnce(input.signatureHeader, "=");
  if (scheme !== SIGNATURE_SCHEME || given === undefined) return { ok: false, reason: "unknown-scheme" };
  const expected = Buffer.from(webhookSignature(input.secret, timestamp, input.body), "hex");
  const actual = /^[0-9a-f]{64}$/.test(given) ? Buffer.from(given, "hex") : Buffer.alloc(0);
  return actual.length === expected.length && timingSafeEqual(actual, expected)
    ? { ok: true }
    : { ok: false, reason: "mismatch" };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
