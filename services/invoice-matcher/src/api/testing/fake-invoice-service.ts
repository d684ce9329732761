// An in-memory InvoiceService for the API's tests, built on the matcher's own decider: create,
// settle and cancel are decided by `decide` (the same rules, refusals and messages as the real
// service, mapped by the same invoiceServiceErrorFor), the state is `evolve`d from the events, views
// are the service's `toView`, and each public event is published with the invoice as of that event,
// as SubscribeInvoices does. What the fake adds is the plumbing: no Postgres (idempotency by
// external_ref and paging in memory, a fake bolt11), and the matcher's side (a set arriving, lnd's
// final word, expiry) driven by the test through accept/confirmSettled/confirmSettleFailed/expire,
// which feed the decider the inputs those would be. The port's request limits are checked as the
// service checks them (create-invoice-limits.ts). Every port call is recorded, so tests can check
// what the API layer handed over; failNext injects errors; waitFor wakes on every change, so tests
// wait on conditions, never on time.
import { createHash } from "node:crypto";
import {
  InvoiceServiceError,
  type CoordinatorInfo,
  type CreateInvoiceRequest,
  type InvoiceEventKind,
  type InvoiceEventView,
  type InvoiceHtlcView,
  type InvoiceService,
  type InvoiceView,
} from "@ic/invoice-api-client";
import { FAKE_COORDINATOR_INFO } from "@ic/invoice-api-client/testing";
import { invoiceServiceErrorFor, toView } from "../../application/invoice-view.ts";
import { publicKindOf } from "../../application/public-invoice-events.ts";
import { decide, evolve, initialState, type InvoiceState, type MatcherInput } from "../../domain/index.ts";
import { arrival, HEIGHT, MIN_FINAL_CLTV_DELTA, testConfig } from "../../domain/testing/fixtures.ts";
import { createInvoiceRequestProblem, externalRefProblem } from "../../invoice-service/create-invoice-limits.ts";

export type FakeInvoiceServiceMethod = keyof InvoiceService;

export interface RecordedPortCall {
  method: FakeInvoiceServiceMethod;
  input: unknown;
}

export interface FakeInvoiceServiceOptions {
  /** Unix ms; default a fixed instant, so answers are reproducible. */
  now?: () => number;
  info?: CoordinatorInfo;
}

export const FAKE_NOW_MS = 1_732_400_000_000;

export { FAKE_COORDINATOR_INFO };

const DEFAULT_EXPIRY_SECONDS = 3600;

interface StoredInvoice {
  request: CreateInvoiceRequest;
  state: InvoiceState;
}

const view = (stored: StoredInvoice): InvoiceView => toView(stored.state);

export class FakeInvoiceService implements InvoiceService {
  readonly calls: RecordedPortCall[] = [];
  private readonly invoices: StoredInvoice[] = [];
  private readonly events: InvoiceEventView[] = [];
  private readonly failures = new Map<FakeInvoiceServiceMethod, unknown>();
  private readonly listeners = new Set<() => void>();
  private readonly now: () => number;
  private info: CoordinatorInfo;
  private openSubscriptions = 0;
  private streamsEnded = false;

  constructor(options: FakeInvoiceServiceOptions = {}) {
    this.now = options.now ?? (() => FAKE_NOW_MS);
    this.info = options.info ?? FAKE_COORDINATOR_INFO;
  }

  /** The next call of `method` fails with `error` (once). */
  failNext(method: FakeInvoiceServiceMethod, error: unknown): void {
    this.failures.set(method, error);
  }

  setInfo(info: CoordinatorInfo): void {
    this.info = info;
  }

  get subscriptionCount(): number {
    return this.openSubscriptions;
  }

  get invoiceEvents(): readonly InvoiceEventView[] {
    return this.events;
  }

  /** Resolves once `condition` holds, re-checked after every change of the fake. */
  waitFor(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (!condition()) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  /**
   * The matcher saw `htlcs` arrive (each a valid part on its node, paying its amount of a set of
   * their sum, with the invoice's payment secret): a HOLD invoice becomes ACCEPTED, an AUTO_SETTLE
   * one SETTLE_REQUESTED, as the decider rules. Throws if they do not complete a set.
   */
  accept(paymentHash: string, htlcs: InvoiceHtlcView[]): InvoiceView {
    const stored = this.byHash(paymentHash);
    const { terms } = this.invoiceOf(stored);
    const totalMsat = htlcs.reduce((sum, htlc) => sum + htlc.amountMsat, 0n);
    for (const htlc of htlcs) {
      const input = arrival({
        key: { nodeId: htlc.nodeId, chanId: htlc.chanId, htlcId: htlc.htlcId },
        paymentHash,
        amtMsat: htlc.amountMsat,
        totalMsat,
        paymentSecret: terms.paymentSecret,
        now: this.now(),
      });
      this.apply(stored, input);
    }
    const status = this.invoiceOf(stored).status;
    if (status !== "ACCEPTED" && status !== "SETTLE_REQUESTED") throw new Error(`fake: the HTLCs did not complete a set; the invoice is ${status}`);
    return view(stored);
  }

  /** lnd reported every HTLC of the settle-requested set final and settled. */
  confirmSettled(paymentHash: string): InvoiceView {
    return this.confirmFinal(paymentHash, []);
  }

  /** lnd reported every HTLC of the set final and failed those at the given indexes of htlcs. */
  confirmSettleFailed(paymentHash: string, failedIndexes: readonly number[]): InvoiceView {
    return this.confirmFinal(paymentHash, failedIndexes);
  }

  /** The invoice's expiry passed with nothing held (a Tick at its expiresAt). */
  expire(paymentHash: string): InvoiceView {
    const stored = this.byHash(paymentHash);
    this.apply(stored, { type: "Tick", data: { paymentHash, now: this.invoiceOf(stored).terms.expiresAt, blockHeight: HEIGHT } });
    return view(stored);
  }

  /** Ends every open subscription as if the event source went away (the port's stream ends). */
  endSubscriptions(): void {
    this.streamsEnded = true;
    this.changed();
  }

  async createInvoice(request: CreateInvoiceRequest): Promise<{ invoice: InvoiceView; created: boolean }> {
    this.enter("createInvoice", request);
    const problem = createInvoiceRequestProblem(request);
    if (problem !== null) throw new InvoiceServiceError("invalid_argument", problem.message);
    const existing = this.invoices.find((stored) => stored.request.externalRef === request.externalRef);
    if (existing !== undefined) {
      if (!sameTerms(existing.request, request))
        throw new InvoiceServiceError("already_exists", `external_ref ${request.externalRef} names an invoice with other terms`);
      return { invoice: view(existing), created: false };
    }
    const createdAt = this.now();
    const paymentHash = createHash("sha256").update(`fake invoice ${request.externalRef}`).digest("hex");
    const stored: StoredInvoice = { request, state: initialState() };
    this.apply(stored, {
      type: "CreateInvoice",
      data: {
        paymentHash,
        paymentSecret: createHash("sha256").update(`fake payment secret ${request.externalRef}`).digest("hex"),
        amountMsat: request.amountMsat ?? null,
        createdAt,
        expiresAt: createdAt + (request.expirySeconds ?? DEFAULT_EXPIRY_SECONDS) * 1000,
        minFinalCltvExpiryDelta: MIN_FINAL_CLTV_DELTA,
        mode: request.mode,
        externalRef: request.externalRef,
        bolt11: `lnbcrt${request.amountMsat ?? ""}fake1${paymentHash.slice(0, 20)}`,
      },
    });
    this.invoices.push(stored);
    return { invoice: view(stored), created: true };
  }

  async lookupInvoice(query: { paymentHash: string } | { externalRef: string }): Promise<InvoiceView> {
    this.enter("lookupInvoice", query);
    const refProblem = "externalRef" in query ? externalRefProblem(query.externalRef) : null;
    if (refProblem !== null) throw new InvoiceServiceError("invalid_argument", refProblem);
    const found =
      "paymentHash" in query
        ? this.invoices.find((stored) => stored.state.paymentHash === query.paymentHash)
        : this.invoices.find((stored) => stored.request.externalRef === query.externalRef);
    if (found === undefined)
      throw new InvoiceServiceError("not_found", "paymentHash" in query ? `no invoice with payment hash ${query.paymentHash}` : `no invoice with external_ref ${query.externalRef}`);
    return view(found);
  }

  async listInvoices(request: { limit: number; pageToken?: string }): Promise<{ invoices: InvoiceView[]; nextPageToken?: string }> {
    this.enter("listInvoices", request);
    let start = 0;
    if (request.pageToken !== undefined) {
      const match = /^fake-page:(\d+)$/.exec(request.pageToken);
      if (match === null) throw new InvoiceServiceError("invalid_argument", "page_token is not one this server issued");
      start = Number(match[1]);
    }
    const invoices = this.invoices.slice(start, start + request.limit).map(view);
    const end = start + invoices.length;
    return end < this.invoices.length ? { invoices, nextPageToken: `fake-page:${end}` } : { invoices };
  }

  async settleInvoice(paymentHash: string): Promise<InvoiceView> {
    this.enter("settleInvoice", paymentHash);
    const stored = this.byHashOrNotFound(paymentHash);
    this.apply(stored, { type: "SettleInvoice", data: { paymentHash, now: this.now(), blockHeight: HEIGHT } });
    return view(stored);
  }

  async cancelInvoice(paymentHash: string): Promise<InvoiceView> {
    this.enter("cancelInvoice", paymentHash);
    const stored = this.byHashOrNotFound(paymentHash);
    this.apply(stored, { type: "CancelInvoice", data: { paymentHash, now: this.now(), blockHeight: HEIGHT } });
    return view(stored);
  }

  async *subscribeInvoices(afterSequence: bigint, signal: AbortSignal): AsyncIterable<InvoiceEventView> {
    this.enter("subscribeInvoices", afterSequence);
    this.openSubscriptions++;
    this.changed();
    try {
      let next = this.events.findIndex((event) => event.sequence > afterSequence);
      if (next === -1) next = this.events.length;
      while (!signal.aborted) {
        const event = this.events[next];
        if (event !== undefined) {
          next++;
          yield event;
          continue;
        }
        if (this.streamsEnded) return;
        await this.nextChange(signal);
      }
    } finally {
      this.openSubscriptions--;
      this.changed();
    }
  }

  async getInfo(): Promise<CoordinatorInfo> {
    this.enter("getInfo", undefined);
    return this.info;
  }

  private enter(method: FakeInvoiceServiceMethod, input: unknown): void {
    this.calls.push({ method, input });
    if (!this.failures.has(method)) return;
    const error = this.failures.get(method);
    this.failures.delete(method);
    throw error;
  }

  private byHash(paymentHash: string): StoredInvoice {
    const stored = this.invoices.find((candidate) => candidate.state.paymentHash === paymentHash);
    if (stored === undefined) throw new Error(`fake: no invoice ${paymentHash}`);
    return stored;
  }

  private byHashOrNotFound(paymentHash: string): StoredInvoice {
    const stored = this.invoices.find((candidate) => candidate.state.paymentHash === paymentHash);
    if (stored === undefined) throw new InvoiceServiceError("not_found", `no invoice with payment hash ${paymentHash}`);
    return stored;
  }

  private invoiceOf(stored: StoredInvoice): NonNullable<InvoiceState["invoice"]> {
    if (stored.state.invoice === null) throw new Error("fake: an invoice without terms");
    return stored.state.invoice;
  }

  /** lnd's final word on every part of the settle-requested set, failing those at `failedIndexes`. */
  private confirmFinal(paymentHash: string, failedIndexes: readonly number[]): InvoiceView {
    const stored = this.byHash(paymentHash);
    const { status, settledSet } = this.invoiceOf(stored);
    if (status !== "SETTLE_REQUESTED") throw new Error(`fake: lnd's final word needs SETTLE_REQUESTED, the invoice is ${status}`);
    const parts = [...stored.state.htlcs.entries()].filter(([id]) => settledSet.includes(id)).map(([, htlc]) => htlc.key);
    parts.forEach((key, i) => {
      this.apply(stored, { type: "HtlcFinal", data: { key, paymentHash, settled: !failedIndexes.includes(i), now: this.now() } });
    });
    return view(stored);
  }

  /** Decides `input` with the matcher's decider; a refusal is the port's error, as in the service. */
  private apply(stored: StoredInvoice, input: MatcherInput): void {
    const decision = decide(stored.state, input, testConfig);
    if (decision.rejection) throw invoiceServiceErrorFor(decision.rejection);
    for (const event of decision.events) {
      stored.state = evolve(stored.state, event);
      const kind = publicKindOf(event.type);
      if (kind !== undefined) this.publish(kind, view(stored));
    }
  }

  private publish(kind: InvoiceEventKind, invoice: InvoiceView): void {
    this.events.push({ sequence: BigInt(this.events.length + 1), kind, invoice, atMs: this.now() });
    this.changed();
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }

  private nextChange(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.listeners.delete(done);
        signal.removeEventListener("abort", done);
        resolve();
      };
      this.listeners.add(done);
      signal.addEventListener("abort", done, { once: true });
    });
  }
}

function sameTerms(a: CreateInvoiceRequest, b: CreateInvoiceRequest): boolean {
  return (
    a.amountMsat === b.amountMsat &&
    a.description === b.description &&
    Buffer.from(a.descriptionHash ?? []).equals(Buffer.from(b.descriptionHash ?? [])) &&
    (a.expirySeconds ?? DEFAULT_EXPIRY_SECONDS) === (b.expirySeconds ?? DEFAULT_EXPIRY_SECONDS) &&
    a.mode === b.mode
  );
}
