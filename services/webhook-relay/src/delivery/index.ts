// The relay's pure decisions: the signature, the body, the retry schedule and what to do after
// an attempt. No I/O, no clock, no randomness: those come in as arguments.
export {
  SIGNATURE_SCHEME,
  WEBHOOK_HEADERS,
  signatureHeader,
  verifyWebhookSignature,
  webhookSignature,
  type VerifyResult,
} from "./signature.ts";
export { retryDelayMs, type RetryPolicy } from "./retry-schedule.ts";
export {
  decideAfterAttempt,
  failureLabel,
  isRetryable,
  parseRetryAfter,
  type AttemptDecision,
  type AttemptOutcome,
  type GiveUpReason,
} from "./attempt-decision.ts";
export {
  WEBHOOK_BODY_TYPE,
  WEBHOOK_BODY_VERSION,
  webhookBody,
  webhookBodyJson,
  webhookRequestHeaders,
  type WebhookBodyJson,
  type WebhookHtlcJson,
} from "./webhook-body.ts";
