// BOLT 4 onion_routing_packet: version (1) || public_key (33) || hop_payloads (1300) || hmac (32).
export const ONION_VERSION = 0;
export const ONION_PACKET_LENGTH = 1366;
export const HOP_PAYLOADS_LENGTH = 1300;
export const ONION_HMAC_LENGTH = 32;
export const EPHEMERAL_KEY_OFFSET = 1;
export const HOP_PAYLOADS_OFFSET = 34;
export const HMAC_OFFSET = HOP_PAYLOADS_OFFSET + HOP_PAYLOADS_LENGTH;
