// Why an onion could not be peeled. Messages describe the defect only: no key, shared secret,
// payload bytes or payment secret ever appears in them, so they are safe to log and to publish.
import type { HopPayloadViolation } from "./hop-payload.ts";

export type OnionError =
  | { readonly code: "invalid_onion_length"; readonly message: string; readonly length: number }
  | { readonly code: "invalid_onion_version"; readonly message: string; readonly version: number }
  | { readonly code: "invalid_onion_key"; readonly message: string }
  | { readonly code: "invalid_onion_hmac"; readonly message: string }
  | {
      readonly code: "invalid_onion_payload";
      readonly message: string;
      readonly violation: HopPayloadViolation | "legacy_payload" | "payload_exceeds_packet";
      readonly tlvType: bigint;
      readonly offset: number;
    }
  /** peelFinalHop only: the payer wants the virtual node to forward, and it has no channels. */
  | { readonly code: "not_final_hop"; readonly message: string };

export type OnionErrorCode = OnionError["code"];
