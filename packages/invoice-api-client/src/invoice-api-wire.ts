// The messages of proto/coordinator/invoices.proto as @grpc/proto-loader presents them with
// INVOICE_API_LOADER_OPTIONS: snake_case fields, 64-bit integers as decimal strings, enums by
// name, bytes as Buffer. Decoded messages have every field (defaults); messages we send may
// leave fields out, and a number is accepted where the loader would give a string.
// An enum value unknown to this file's version of the .proto is decoded as its number.

export type WireInvoiceMode = "INVOICE_MODE_UNSPECIFIED" | "AUTO_SETTLE" | "HOLD";

export type WireInvoiceStatus =
  | "STATUS_UNSPECIFIED"
  | "OPEN"
  | "ACCEPTED"
  | "SETTLE_REQUESTED"
  | "SETTLED"
  | "SETTLE_FAILED"
  | "CANCELLED"
  | "EXPIRED";

export type WireInvoiceEventKind =
  | "KIND_UNSPECIFIED"
  | "CREATED"
  | "ACCEPTED"
  | "SETTLE_REQUESTED"
  | "SETTLED"
  | "SETTLE_FAILED"
  | "CANCELLED"
  | "EXPIRED";

export interface WireInvoiceHtlc {
  node_id: string;
  chan_id: string;
  htlc_id: string;
  amount_msat: string;
  status: string;
}

export interface WireInvoice {
  payment_hash: string;
  external_ref: string;
  bolt11: string;
  status: WireInvoiceStatus | number;
  mode: WireInvoiceMode | number;
  amount_msat: string;
  amount_paid_msat: string;
  created_at_ms: string;
  expires_at_ms: string;
  htlcs: WireInvoiceHtlc[];
}

export interface WireAddInvoiceRequest {
  amount_msat: string;
  description: string;
  description_hash: Buffer;
  expiry_seconds: string;
  mode: WireInvoiceMode | number;
  external_ref: string;
}

export interface WireAddInvoiceResponse {
  invoice: WireInvoice | null;
  created: boolean;
}

export interface WireLookupInvoiceRequest {
  payment_hash: string;
  external_ref: string;
}

export interface WireInvoiceResponse {
  invoice: WireInvoice | null;
}

export interface WireListInvoicesRequest {
  page_size: number;
  page_token: string;
}

export interface WireListInvoicesResponse {
  invoices: WireInvoice[];
  next_page_token: string;
}

export interface WirePaymentHashRequest {
  payment_hash: string;
}

export interface WireSubscribeInvoicesRequest {
  after_sequence: string;
}

export interface WireInvoiceEvent {
  sequence: string;
  kind: WireInvoiceEventKind | number;
  invoice: WireInvoice | null;
  at_ms: string;
}

export type WireGetInfoRequest = Record<string, never>;

export interface WireClusterNode {
  name: string;
  pubkey: string;
  virtual_scid: string;
  bridge_connected: boolean;
}

export interface WireGetInfoResponse {
  coordinator_pubkey: string;
  network: string;
  nodes: WireClusterNode[];
}
