// What the page shows, as plain JSON (uint64 values as decimal strings), and the pure functions
// that make it from what the server gathered: metric scrapes, the invoice API's answers, Kafka
// offsets, invoice events. The server (src/console-server.ts) sends these; the page
// (web/) only renders them. Time comes in as an argument, never read here.
import type { InvoiceEventView, InvoiceStatus, InvoiceView } from "@ic/invoice-api-client";
import { sumOf, type ParsedMetrics } from "./prometheus-text.ts";

/** The result of one poll of an endpoint: what it said, or why it could not be read. */
export type Reading<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export interface BridgeRow {
  /** The cluster node's name. */
  readonly node: string;
  readonly pubkey: string | undefined;
  /** GetInfo's word: a live member in the node's command consumer group. */
  readonly apiSaysConnected: boolean | undefined;
  /** "up": metrics read; "unreachable": the poll failed (error says why); "not configured": no metricsUrl. */
  readonly metrics: "up" | "unreachable" | "not configured";
  readonly error: string | undefined;
  /** Both lnd streams (interceptor, htlc_events) open. */
  readonly lndConnected: boolean | undefined;
  readonly blockHeight: number | undefined;
  readonly heldHtlcs: number | undefined;
  readonly publishBacklog: number | undefined;
  /** Settle/fail resolutions sent to lnd so far (ic_bridge_commands_applied_total). */
  readonly decisionsApplied: number | undefined;
  /** Consumer lag of the node's command group, when Kafka is configured. */
  readonly commandLag: number | undefined;
}

export interface MatcherRow {
  readonly name: string;
  readonly metrics: "up" | "unreachable";
  readonly error: string | undefined;
  readonly tickBlockHeight: number | undefined;
  readonly stalledPartitions: number | undefined;
  readonly htlcsDecided: number | undefined;
  readonly commandsPublished: number | undefined;
  readonly outboxPublishFailures: number | undefined;
}

export interface GroupMember {
  readonly clientId: string;
  readonly host: string;
}

export interface LagRow {
  readonly topic: string;
  readonly lag: number;
  /** Partitions with no committed offset (the whole partition counts as lag). */
  readonly uncommittedPartitions: number;
}

export interface KafkaView {
  readonly state: "up" | "unreachable" | "not configured";
  readonly error: string | undefined;
  readonly matcherGroup: string;
  readonly groupState: string | undefined;
  readonly members: readonly GroupMember[];
  readonly lag: readonly LagRow[];
  readonly totalLag: number | undefined;
}

export interface HtlcPart {
  /** The cluster node's name (its pubkey when the API did not name it). */
  readonly node: string;
  readonly chanId: string;
  readonly htlcId: string;
  readonly amountMsat: string;
  readonly status: string;
}

export interface InvoiceRow {
  readonly paymentHash: string;
  readonly externalRef: string;
  readonly status: InvoiceStatus;
  readonly mode: string;
  /** null: amount-less. */
  readonly amountMsat: string | null;
  readonly amountPaidMsat: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  readonly parts: readonly HtlcPart[];
  /** Distinct nodes the parts arrived through, sorted. */
  readonly nodes: readonly string[];
}

export interface EventRow {
  readonly sequence: string;
  readonly kind: string;
  readonly atMs: number;
  readonly invoice: InvoiceRow;
}

export interface ApiView {
  readonly state: "up" | "unreachable";
  readonly error: string | undefined;
  readonly coordinatorPubkey: string | undefined;
  readonly network: string | undefined;
}

/** One point of the live chart: per second over the last poll interval. */
export interface RatePoint {
  readonly atMs: number;
  readonly settlementsPerSecond: number;
  /** HTLC settle and fail resolutions sent to lnd by every bridge (ic_bridge_commands_applied_total). */
  readonly settlesPerSecond: number;
  readonly failsPerSecond: number;
}

export interface Overview {
  readonly atMs: number;
  readonly api: ApiView;
  readonly bridges: readonly BridgeRow[];
  readonly matchers: readonly MatcherRow[];
  readonly kafka: KafkaView;
  /** Of the invoices scanned (the newest invoiceScanLimit). */
  readonly invoicesByState: Readonly<Record<string, number>>;
  readonly invoicesScanned: number;
  /** The invoice feed (SubscribeInvoices): "live", or why not. */
  readonly feed: { readonly state: "live" | "reconnecting"; readonly error: string | undefined; readonly lastSequence: string };
}

/** What the stream sends: a snapshot, an invoice event, or a chart point. */
export type StreamMessage =
  | { readonly type: "overview"; readonly overview: Overview }
  | { readonly type: "event"; readonly event: EventRow }
  | { readonly type: "rate"; readonly point: RatePoint };

export const INVOICE_STATES: readonly InvoiceStatus[] = ["OPEN", "ACCEPTED", "SETTLE_REQUESTED", "SETTLED", "SETTLE_FAILED", "CANCELLED", "EXPIRED"];

export function bridgeRow(
  node: string,
  apiNode: { pubkey: string; bridgeConnected: boolean } | undefined,
  scrape: Reading<ParsedMetrics> | undefined,
  commandLag: number | undefined,
): BridgeRow {
  const base = { node, pubkey: apiNode?.pubkey, apiSaysConnected: apiNode?.bridgeConnected, commandLag };
  const none = { lndConnected: undefined, blockHeight: undefined, heldHtlcs: undefined, publishBacklog: undefined, decisionsApplied: undefined };
  if (scrape === undefined) return { ...base, ...none, metrics: "not configured", error: undefined };
  if (!scrape.ok) return { ...base, ...none, metrics: "unreachable", error: scrape.error };
  const s = scrape.value.samples;
  const streams = s.filter((x) => x.name === "ic_bridge_stream_connected");
  return {
    ...base,
    metrics: "up",
    error: undefined,
    lndConnected: streams.length === 0 ? undefined : streams.every((x) => x.value === 1),
    blockHeight: sumOf(s, "ic_bridge_block_height"),
    heldHtlcs: sumOf(s, "ic_bridge_held_htlcs"),
    publishBacklog: sumOf(s, "ic_bridge_publish_backlog"),
    decisionsApplied: sumOf(s, "ic_bridge_commands_applied_total"),
  };
}

export function matcherRow(name: string, scrape: Reading<ParsedMetrics>): MatcherRow {
  if (!scrape.ok)
    return {
      name,
      metrics: "unreachable",
      error: scrape.error,
      tickBlockHeight: undefined,
      stalledPartitions: undefined,
      htlcsDecided: undefined,
      commandsPublished: undefined,
      outboxPublishFailures: undefined,
    };
  const s = scrape.value.samples;
  return {
    name,
    metrics: "up",
    error: undefined,
    tickBlockHeight: sumOf(s, "ic_matcher_tick_block_height"),
    stalledPartitions: sumOf(s, "ic_matcher_stalled_partitions"),
    htlcsDecided: sumOf(s, "ic_matcher_htlcs_received_total"),
    commandsPublished: sumOf(s, "ic_matcher_commands_published_total"),
    outboxPublishFailures: sumOf(s, "ic_matcher_outbox_publish_failures_total"),
  };
}

/**
 * Lag per topic: for each partition, the high watermark less the committed offset (a partition
 * the group never committed counts whole, from the low watermark). Kafka's "-1" is no commit.
 */
export function lagRows(
  committed: readonly { topic: string; partition: number; offset: string }[],
  watermarks: readonly { topic: string; partition: number; low: string; high: string }[],
): LagRow[] {
  const byTopic = new Map<string, { lag: number; uncommitted: number }>();
  for (const w of watermarks) {
    const row = byTopic.get(w.topic) ?? { lag: 0, uncommitted: 0 };
    const commit = committed.find((c) => c.topic === w.topic && c.partition === w.partition);
    const high = Number(w.high);
    if (commit === undefined || Number(commit.offset) < 0) {
      row.lag += Math.max(0, high - Number(w.low));
      row.uncommitted++;
    } else row.lag += Math.max(0, high - Number(commit.offset));
    byTopic.set(w.topic, row);
  }
  return [...byTopic.entries()]
    .map(([topic, r]) => ({ topic, lag: r.lag, uncommittedPartitions: r.uncommitted }))
    .sort((a, b) => a.topic.localeCompare(b.topic));
}

export function invoiceRow(invoice: InvoiceView, nodeNames: ReadonlyMap<string, string>): InvoiceRow {
  const parts = invoice.htlcs.map((h) => ({
    node: nodeNames.get(h.nodeId) ?? h.nodeId,
    chanId: h.chanId.toString(),
    htlcId: h.htlcId.toString(),
    amountMsat: h.amountMsat.toString(),
    status: h.status,
  }));
  return {
    paymentHash: invoice.paymentHash,
    externalRef: invoice.externalRef,
    status: invoice.status,
    mode: invoice.mode,
    amountMsat: invoice.amountMsat === null ? null : invoice.amountMsat.toString(),
    amountPaidMsat: invoice.amountPaidMsat.toString(),
    createdAtMs: invoice.createdAtMs,
    expiresAtMs: invoice.expiresAtMs,
    parts,
    nodes: [...new Set(parts.map((p) => p.node))].sort(),
  };
}

export function eventRow(event: InvoiceEventView, nodeNames: ReadonlyMap<string, string>): EventRow {
  return { sequence: event.sequence.toString(), kind: event.kind, atMs: event.atMs, invoice: invoiceRow(event.invoice, nodeNames) };
}

export function countByState(invoices: readonly { status: string }[]): Record<string, number> {
  const counts: Record<string, number> = Object.fromEntries(INVOICE_STATES.map((s) => [s, 0]));
  for (const invoice of invoices) counts[invoice.status] = (counts[invoice.status] ?? 0) + 1;
  return counts;
}

/** A search box's text: 64 hex characters look up a payment hash, anything else a reference. */
export function searchQuery(text: string): { paymentHash: string } | { externalRef: string } | undefined {
  const q = text.trim();
  if (q === "") return undefined;
  return /^[0-9a-fA-F]{64}$/.test(q) ? { paymentHash: q.toLowerCase() } : { externalRef: q };
}

/** Per-second rate of a counter between two readings; a counter that went down (a restart) counts from 0. */
export function counterRate(previous: number | undefined, current: number | undefined, seconds: number): number {
  if (current === undefined || seconds <= 0) return 0;
  if (previous === undefined) return 0;
  const delta = current >= previous ? current - previous : current;
  return delta / seconds;
}

/** A count over a span of milliseconds as a per-second rate (0 for an empty span). */
export function perSecond(count: number, spanMs: number): number {
  return spanMs <= 0 ? 0 : count / (spanMs / 1000);
}

/**
 * Sum of a per-bridge counter by label value (e.g. action=SETTLE), over the bridges that answered
 * (undefined when none did). A bridge that answered without the series counts 0: a labelled
 * counter has no series until its first increment, and the first settle must show as a rise.
 */
export function bridgeCounter(scrapes: readonly (Reading<ParsedMetrics> | undefined)[], name: string, where: Readonly<Record<string, string>>): number | undefined {
  let total: number | undefined;
  for (const scrape of scrapes) {
    if (scrape === undefined || !scrape.ok) continue;
    total = (total ?? 0) + (sumOf(scrape.value.samples, name, where) ?? 0);
  }
  return total;
}
