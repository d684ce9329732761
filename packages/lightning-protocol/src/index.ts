// @ic/lightning-protocol: the virtual node's Lightning protocol core. Pure: no I/O, no clock, no
// randomness; every uint64 is a bigint.
export { ok, err, type Result } from "./result.ts";
export { bytesToHex, hexToBytes } from "./bytes/hex.ts";

export type { Secp256k1Backend, Secp256k1BackendName, RecoverableSignature } from "./crypto/secp256k1-backend.ts";
export {
  loadSecp256k1Backend,
  describeLoadedBackend,
  type LoadedSecp256k1Backend,
  type SkippedSecp256k1Backend,
} from "./crypto/load-secp256k1-backend.ts";
export { createAddonSecp256k1Backend } from "./crypto/addon-secp256k1.ts";
export { createNativeSecp256k1Backend } from "./crypto/native-secp256k1.ts";
export { createNobleSecp256k1Backend } from "./crypto/noble-secp256k1.ts";

export { readBigSize, encodeBigSize, MAX_UINT64, type BigSizeError, type BigSizeRead } from "./encoding/bigsize.ts";
export { readTu32, readTu64, encodeTu32, encodeTu64, type TruncatedUintError } from "./encoding/truncated-uint.ts";
export { parseTlvStream, encodeTlvStream, type TlvRecord, type TlvRecordInput, type TlvStreamError, type TlvStreamViolation } from "./encoding/tlv-stream.ts";

export { ONION_PACKET_LENGTH, HOP_PAYLOADS_LENGTH } from "./onion/onion-packet.ts";
export { deriveOnionKey, type OnionKeyType } from "./onion/onion-keys.ts";
export {
  parseHopPayload,
  HOP_PAYLOAD_TYPE,
  CUSTOM_RECORD_MIN_TYPE,
  type HopPayload,
  type PaymentData,
  type HopPayloadError,
  type HopPayloadViolation,
} from "./onion/hop-payload.ts";
export type { OnionError, OnionErrorCode } from "./onion/onion-error.ts";
export { peelFinalHop, peelHop, type PeelFinalHopResult, type PeelHopResult } from "./onion/peel-hop.ts";
export { buildOnion, type OnionHop, type BuiltOnion } from "./onion/build-onion.ts";
export { encodeHopPayload } from "./onion/encode-hop-payload.ts";
export { failureReplyForOnionError, LND_FAILURE_CODE, type OnionFailureReply, type LndMalformedFailureCode } from "./onion/onion-failure-reply.ts";

export {
  FAILURE_CODE,
  encodeFailureMessage,
  decodeFailureMessage,
  failureCodeOf,
  type FailureMessage,
  type EncodableFailureMessage,
  type FailureMessageError,
} from "./failure/failure-message.ts";
export {
  buildFailurePacket,
  decodeFailurePacket,
  wrapFailurePacket,
  sealFailureMessage,
  FAILURE_PACKET_LENGTH,
  type DecodedFailurePacket,
  type FailurePacketError,
} from "./failure/failure-packet.ts";

export { encodeInvoice } from "./bolt11/encode-invoice.ts";
export { decodeInvoice, type InvoiceDecodeError, type InvoiceDecodeErrorCode } from "./bolt11/decode-invoice.ts";
export type { InvoiceToSign, DecodedInvoice, FallbackAddress } from "./bolt11/invoice.ts";
export { BOLT11_PREFIX, type Bolt11Network } from "./bolt11/network.ts";
export { encodeAmount, decodeAmount, type AmountError } from "./bolt11/amount.ts";
export { FEATURE_BIT, VIRTUAL_NODE_FEATURE_BITS } from "./bolt11/feature-bits.ts";
export type { RouteHint, RouteHintHop } from "./bolt11/route-hint.ts";
export { virtualNodeRouteHints, type ClusterNodePolicy } from "./bolt11/virtual-node-route-hints.ts";
export { DEFAULT_EXPIRY_SECONDS, DEFAULT_MIN_FINAL_CLTV_EXPIRY_DELTA } from "./bolt11/tagged-field.ts";

export { deriveInvoiceSecrets, type InvoiceSecrets } from "./secrets/invoice-secrets.ts";
export { virtualScidForNode } from "./scid/virtual-scid.ts";
export {
  formatShortChannelId,
  parseShortChannelId,
  shortChannelIdParts,
  shortChannelIdFromParts,
  type ShortChannelIdParts,
} from "./scid/short-channel-id.ts";
export {
  LND_HTLC_TIMING,
  STRICTEST_LND_TIMING_LINE,
  OLDEST_TIMED_LND,
  lndHtlcTimingFor,
  type LndHtlcTiming,
  type LndTimingLine,
} from "./lnd/lnd-htlc-timing.ts";
