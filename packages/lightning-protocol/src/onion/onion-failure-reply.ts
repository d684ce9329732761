// What the payer should be told for each onion defect, in the two forms lnd's HtlcInterceptor
// FAIL accepts: a failure_code lnd turns into update_fail_malformed_htlc itself (only for the
// BADONION codes: without a trustworthy shared secret no return packet can be built), or a
// failure message we encrypt into a 292-byte packet with buildFailurePacket.
import type { EncodableFailureMessage } from "../failure/failure-message.ts";
import { FAILURE_CODE } from "../failure/failure-message.ts";
import type { OnionError } from "./onion-error.ts";

/** lnrpc.Failure.FailureCode values accepted in ForwardHtlcInterceptResponse.failure_code. */
export const LND_FAILURE_CODE = {
  TEMPORARY_CHANNEL_FAILURE: 15,
  INVALID_ONION_VERSION: 8,
  INVALID_ONION_HMAC: 9,
  INVALID_ONION_KEY: 10,
} as const;

export type LndMalformedFailureCode = (typeof LND_FAILURE_CODE)[Exclude<keyof typeof LND_FAILURE_CODE, "TEMPORARY_CHANNEL_FAILURE">];

export type OnionFailureReply =
  | { readonly kind: "failure_code"; readonly lndFailureCode: LndMalformedFailureCode; readonly bolt4FailureCode: number }
  | { readonly kind: "failure_message"; readonly failure: EncodableFailureMessage };

export function failureReplyForOnionError(error: OnionError): OnionFailureReply {
  switch (error.code) {
    case "invalid_onion_length":
    case "invalid_onion_version":
      return { kind: "failure_code", lndFailureCode: LND_FAILURE_CODE.INVALID_ONION_VERSION, bolt4FailureCode: FAILURE_CODE.INVALID_ONION_VERSION };
    case "invalid_onion_key":
      return { kind: "failure_code", lndFailureCode: LND_FAILURE_CODE.INVALID_ONION_KEY, bolt4FailureCode: FAILURE_CODE.INVALID_ONION_KEY };
    case "invalid_onion_hmac":
      return { kind: "failure_code", lndFailureCode: LND_FAILURE_CODE.INVALID_ONION_HMAC, bolt4FailureCode: FAILURE_CODE.INVALID_ONION_HMAC };
    case "invalid_onion_payload":
      return { kind: "failure_message", failure: { type: "invalid_onion_payload", tlvType: error.tlvType, offset: Math.min(error.offset, 0xffff) } };
    case "not_final_hop":
      return { kind: "failure_message", failure: { type: "unknown_next_peer" } };
    default: {
      const unhandled: never = error;
      throw new TypeError(`unhandled onion error ${String(unhandled)}`);
    }
  }
}
