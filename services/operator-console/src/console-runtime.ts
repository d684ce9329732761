// The console's imperative shell: it polls the invoice API (GetInfo, ListInvoices), every
// bridge's and matcher's /metrics and, when configured, Kafka's offsets; follows
// SubscribeInvoices (reconnecting after the last sequence seen); and hands the page snapshots,
// events and chart points through subscribe(). What is shown is made by the pure functions of
// view/console-model.ts. Nothing here throws to the caller: an unreachable part is a state.
import { setTimeout as delay } from "node:timers/promises";
import type { InvoiceApiClient, InvoiceView } from "@ic/invoice-api-client";
import type { Logger } from "pino";
import type { ConsoleConfig } from "./config.ts";
import { notConfiguredKafka, type KafkaLagReader, type KafkaReading } from "./kafka-lag.ts";
import { reasonOf, scrapeMetrics } from "./metrics-scrape.ts";
import {
  bridgeCounter,
  bridgeRow,
  countByState,
  counterRate,
  eventRow,
  invoiceRow,
  matcherRow,
  perSecond,
  type ApiView,
  type EventRow,
  type InvoiceRow,
  type Overview,
  type RatePoint,
  type Reading,
  type StreamMessage,
} from "./view/console-model.ts";
import type { ParsedMetrics } from "./view/prometheus-text.ts";

export interface ConsoleRuntime {
  overview(): Overview;
  /** The newest scanned invoices, newest first, of one state (or all). */
  invoices(state: string | undefined, limit: number): InvoiceRow[];
  lookup(query: { paymentHash: string } | { externalRef: string }): Promise<InvoiceRow>;
  /** The messages a page that connects now needs (snapshot, recent events, chart), then live ones. */
  subscribe(listener: (message: StreamMessage) => void): { backlog: StreamMessage[]; unsubscribe(): void };
  stop(): Promise<void>;
}

const CHART_POINTS = 300;
const PAGE_SIZE = 1000;
const MAX_SCAN_PAGES = 200;
/** Settlements that happened this long before the console started still count in the chart's first points. */
const LIVE_GRACE_MS = 10_000;

export function startConsoleRuntime(
  config: ConsoleConfig,
  deps: { api: InvoiceApiClient; kafka: KafkaLagReader | undefined; logger: Logger; now?: () => number },
): ConsoleRuntime {
  const now = deps.now ?? Date.now;
  const { api, logger } = deps;
  const startedAtMs = now();
  const timeoutMs = Math.max(2000, config.pollIntervalMs * 2);
  const listeners = new Set<(message: StreamMessage) => void>();
  const events: EventRow[] = [];
  const chart: RatePoint[] = [];
  const nodeNames = new Map<string, string>();
  let scanned: InvoiceRow[] = [];
  let scanDue = true;
  let pollsSinceScan = 0;
  let settledSinceTick = 0;
  let lastSequence = 0n;
  let feed: Overview["feed"] = { state: "reconnecting", error: "not connected yet", lastSequence: "0" };
  let apiView: ApiView = { state: "unreachable", error: "not polled yet", coordinatorPubkey: undefined, network: undefined };
  let current: Overview | undefined;
  let previous: { atMs: number; settles: number | undefined; fails: number | undefined } | undefined;
  const stopping = new AbortController();
  const lastProblem = new Map<string, string | undefined>();

  const publish = (message: StreamMessage): void => {
    for (const listener of listeners) listener(message);
  };
  /** Logs a part's problem when it starts or changes, and its recovery once: not every poll. */
  const note = (part: string, problem: string | undefined): void => {
    if (lastProblem.get(part) === problem) return;
    lastProblem.set(part, problem);
    if (problem === undefined) logger.info({ part }, "reachable again");
    else logger.warn({ part, problem }, "unreachable");
  };

  async function scanInvoices(): Promise<void> {
    const newest: InvoiceView[] = [];
    let pageToken: string | undefined;
    for (let page = 0; page < MAX_SCAN_PAGES; page++) {
      const answer = await api.listInvoices(pageToken === undefined ? { limit: PAGE_SIZE } : { limit: PAGE_SIZE, pageToken });
      newest.push(...answer.invoices);
      if (newest.length > config.invoiceScanLimit) newest.splice(0, newest.length - config.invoiceScanLimit);
      pageToken = answer.nextPageToken;
      if (pageToken === undefined) break;
    }
    scanned = newest.reverse().map((invoice) => invoiceRow(invoice, nodeNames));
  }

  async function poll(): Promise<void> {
    const atMs = now();
    let apiNodes: { name: string; pubkey: string; bridgeConnected: boolean }[] = [];
    try {
      const info = await withTimeout(api.getInfo(), timeoutMs);
      apiNodes = info.nodes.map((n) => ({ name: n.name, pubkey: n.pubkey, bridgeConnected: n.bridgeConnected }));
      for (const n of apiNodes) nodeNames.set(n.pubkey, n.name);
      apiView = { state: "up", error: undefined, coordinatorPubkey: info.coordinatorPubkey, network: info.network };
      if (scanDue || ++pollsSinceScan >= 10) {
        scanDue = false;
        pollsSinceScan = 0;
        await withTimeout(scanInvoices(), timeoutMs * 5);
      }
    } catch (error) {
      apiView = { state: "unreachable", error: reasonOf(error), coordinatorPubkey: apiView.coordinatorPubkey, network: apiView.network };
    }
    note("invoice API", apiView.error);
    const [bridgeScrapes, matcherScrapes, kafka] = await Promise.all([
      Promise.all(config.bridges.map((b) => scrapeMetrics(b.metricsUrl, timeoutMs))),
      Promise.all(config.matchers.map((m) => scrapeMetrics(m.metricsUrl, timeoutMs))),
      readKafka(apiNodes),
    ]);
    const scrapeOf = new Map<string, Reading<ParsedMetrics>>(config.bridges.map((b, i) => [b.name, bridgeScrapes[i]!]));
    config.bridges.forEach((b, i) => note(`bridge ${b.name} metrics`, bridgeScrapes[i]!.ok ? undefined : (bridgeScrapes[i] as { error: string }).error));
    config.matchers.forEach((m, i) => note(`matcher ${m.name} metrics`, matcherScrapes[i]!.ok ? undefined : (matcherScrapes[i] as { error: string }).error));
    note("kafka", kafka.view.error);
    const names = [...new Set([...apiNodes.map((n) => n.name), ...config.bridges.map((b) => b.name)])].sort();
    const bridges = names.map((name) =>
      bridgeRow(
        name,
        apiNodes.find((n) => n.name === name),
        scrapeOf.get(name),
        kafka.commandLag.get(name),
      ),
    );
    const matchers = config.matchers.map((m, i) => matcherRow(m.name, matcherScrapes[i]!));
    current = {
      atMs,
      api: apiView,
      bridges,
      matchers,
      kafka: kafka.view,
      invoicesByState: countByState(scanned),
      invoicesScanned: scanned.length,
      feed,
    };
    publish({ type: "overview", overview: current });

    const settles = bridgeCounter(bridgeScrapes, "ic_bridge_commands_applied_total", { action: "SETTLE" });
    const fails = bridgeCounter(bridgeScrapes, "ic_bridge_commands_applied_total", { action: "FAIL" });
    if (previous !== undefined) {
      const seconds = (atMs - previous.atMs) / 1000;
      const point: RatePoint = {
        atMs,
        settlementsPerSecond: perSecond(settledSinceTick, atMs - previous.atMs),
        settlesPerSecond: counterRate(previous.settles, settles, seconds),
        failsPerSecond: counterRate(previous.fails, fails, seconds),
      };
      chart.push(point);
      if (chart.length > CHART_POINTS) chart.shift();
      publish({ type: "rate", point });
    }
    settledSinceTick = 0;
    previous = { atMs, settles, fails };
  }

  async function readKafka(nodes: readonly { name: string; pubkey: string }[]): Promise<KafkaReading> {
    if (deps.kafka === undefined) return notConfiguredKafka(config.deployment);
    return deps.kafka.read(nodes);
  }

  async function pollLoop(): Promise<void> {
    while (!stopping.signal.aborted) {
      const started = now();
      try {
        await poll();
      } catch (error) {
        logger.error({ err: reasonOf(error) }, "poll failed");
      }
      await sleep(Math.max(0, config.pollIntervalMs - (now() - started)), stopping.signal);
    }
  }

  async function feedLoop(): Promise<void> {
    let delayMs = 500;
    while (!stopping.signal.aborted) {
      try {
        const stream = api.subscribeInvoices(lastSequence, stopping.signal);
        for await (const event of stream) {
          if (feed.state !== "live") {
            feed = { state: "live", error: undefined, lastSequence: lastSequence.toString() };
            note("invoice feed", undefined);
          }
          delayMs = 500;
          lastSequence = event.sequence;
          feed = { ...feed, lastSequence: lastSequence.toString() };
          const row = eventRow(event, nodeNames);
          events.push(row);
          if (events.length > config.recentEvents) events.shift();
          if (event.kind === "SETTLED" && event.atMs >= startedAtMs - LIVE_GRACE_MS) settledSinceTick++;
          scanDue = true;
          publish({ type: "event", event: row });
        }
        if (stopping.signal.aborted) return;
        feed = { ...feed, state: "reconnecting", error: "the API ended the stream" };
      } catch (error) {
        if (stopping.signal.aborted) return;
        feed = { ...feed, state: "reconnecting", error: reasonOf(error) };
      }
      note("invoice feed", feed.error);
      await sleep(delayMs, stopping.signal);
      delayMs = Math.min(delayMs * 2, 10_000);
    }
  }

  const loops = Promise.all([pollLoop(), feedLoop()]);

  return {
    overview: () =>
      current ?? {
        atMs: now(),
        api: apiView,
        bridges: [],
        matchers: [],
        kafka: notConfiguredKafka(config.deployment).view,
        invoicesByState: countByState([]),
        invoicesScanned: 0,
        feed,
      },
    invoices(state, limit) {
      return scanned.filter((row) => state === undefined || row.status === state).slice(0, limit);
    },
    async lookup(query) {
      return invoiceRow(await api.lookupInvoice(query), nodeNames);
    },
    subscribe(listener) {
      listeners.add(listener);
      const backlog: StreamMessage[] = [
        { type: "overview", overview: this.overview() },
        ...events.map((event): StreamMessage => ({ type: "event", event })),
        ...chart.map((point): StreamMessage => ({ type: "rate", point })),
      ];
      return { backlog, unsubscribe: () => listeners.delete(listener) };
    },
    async stop() {
      stopping.abort();
      listeners.clear();
      await loops;
      await deps.kafka?.close();
    },
  };
}

/** Waits ms, or less when the console stops (Node's abortable timer; the abort ends the wait, it is no error). */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return delay(ms, undefined, { signal }).catch(() => undefined);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(Object.assign(new Error("timed out"), { name: "TimeoutError" })), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}
