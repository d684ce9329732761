import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signatureHeader, verifyWebhookSignature, webhookSignature } from "./signature.ts";

const SECRET = "whsec-test-0123456789abcdef";
const BODY = '{"eventId":"e-1","amountMsat":"18446744073709551615"}';
const NOW = 1_800_000_000;

const verify = (overrides: Partial<Parameters<typeof verifyWebhookSignature>[0]> = {}) =>
  verifyWebhookSignature({
    secret: SECRET,
    body: BODY,
    timestampHeader: String(NOW),
    signatureHeader: signatureHeader(SECRET, NOW, BODY),
    nowSec: NOW,
    toleranceSec: 300,
    ...overrides,
  });

describe("webhook signature", () => {
  it("is HMAC-SHA256 over `<timestamp>.<body>` with the endpoint's secret, in hex (what a receiver recomputes with any HMAC library)", () => {
    const independent = createHmac("sha256", SECRET).update(`${NOW}.${BODY}`).digest("hex");
    expect(webhookSignature(SECRET, NOW, BODY)).toBe(independent);
    expect(signatureHeader(SECRET, NOW, BODY)).toBe(`v1=${independent}`);
  });

  it("changes with the secret, the timestamp and any byte of the body", () => {
    const base = webhookSignature(SECRET, NOW, BODY);
    expect(webhookSignature(`${SECRET}x`, NOW, BODY)).not.toBe(base);
    expect(webhookSignature(SECRET, NOW + 1, BODY)).not.toBe(base);
    expect(webhookSignature(SECRET, NOW, BODY.replace("615", "614"))).not.toBe(base);
  });

  it("accepts the relay's own header within the tolerance, on either side of the receiver's clock", () => {
    expect(verify()).toEqual({ ok: true });
    expect(verify({ nowSec: NOW + 300 })).toEqual({ ok: true });
    expect(verify({ nowSec: NOW - 300 })).toEqual({ ok: true });
  });

  it("refuses a timestamp outside the tolerance (a replayed capture), even with a valid signature", () => {
    expect(verify({ nowSec: NOW + 301 })).toEqual({ ok: false, reason: "stale-timestamp" });
    expect(verify({ nowSec: NOW - 301 })).toEqual({ ok: false, reason: "stale-timestamp" });
  });

  it("refuses a body, timestamp or secret other than the signed ones", () => {
    expect(verify({ body: `${BODY} ` })).toEqual({ ok: false, reason: "mismatch" });
    expect(verify({ secret: "another-secret" })).toEqual({ ok: false, reason: "mismatch" });
    // The timestamp header moved by one second within the tolerance: the signature no longer covers it.
    expect(verify({ timestampHeader: String(NOW + 1) })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses missing headers, an unreadable timestamp, another scheme and a malformed signature", () => {
    expect(verify({ timestampHeader: undefined })).toEqual({ ok: false, reason: "missing-header" });
    expect(verify({ signatureHeader: undefined })).toEqual({ ok: false, reason: "missing-header" });
    expect(verify({ timestampHeader: "1.8e9" })).toEqual({ ok: false, reason: "bad-timestamp" });
    expect(verify({ timestampHeader: "" })).toEqual({ ok: false, reason: "bad-timestamp" });
    expect(verify({ signatureHeader: `v0=${webhookSignature(SECRET, NOW, BODY)}` })).toEqual({
      ok: false,
      reason: "unknown-scheme",
    });
    expect(verify({ signatureHeader: webhookSignature(SECRET, NOW, BODY) })).toEqual({
      ok: false,
      reason: "unknown-scheme",
    });
    expect(verify({ signatureHeader: "v1=zz" })).toEqual({ ok: false, reason: "mismatch" });
    expect(verify({ signatureHeader: `v1=${webhookSignature(SECRET, NOW, BODY).toUpperCase()}` })).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(verify({ signatureHeader: `v1=${webhookSignature(SECRET, NOW, BODY).slice(2)}` })).toEqual({
      ok: false,
      reason: "mismatch",
    });
  });
});
