// An in-memory InvoiceService for the API's tests, with the port's documented behaviour:
// the port's request limits (create-invoice-limits.ts, the same check as the real service),
// idempotent create by external_ref (ALREADY_EXISTS on other terms), settle for HOLD
// invoices with an accepted set only, cancel refused once settle-requested, a global event
// sequence that subscriptions replay from. The matcher's side (a set arriving, lnd's final
// word, expiry) is driven by the test through accept/confirmSettled/expire. Every port
// call is recorded, so tests can check what the API layer handed over; failNext injects
// errors; waitFor wakes on every change, so tests wait on conditions, never on time.
import { createHash } from "node:crypto";
import { createInvoiceRequestProblem, externalRefProblem } from "../../invoice-service/create-invoice-limits.ts";
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
  view: InvoiceView;
}

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

  /** The matcher saw a complete set: HOLD invoices become ACCEPTED, AUTO_SETTLE ones SETTLE_REQUESTED. */
  accept(paymentHash: string, htlcs: InvoiceHtlcView[]): InvoiceView {
    const stored = this.byHash(paymentHash);
    if (stored.view.status !== "OPEN") throw new Error(`fake: accept needs an OPEN invoice, it is ${stored.view.status}`);
    const amountPaidMsat = htlcs.reduce((sum, htlc) => sum + htlc.amountMsat, 0n);
    const status = stored.view.mode === "hold" ? "ACCEPTED" : "SETTLE_REQUESTED";
    if (status === "SETTLE_REQUESTED") {
      this.update(stored, { htlcs, amountPaidMsat, status: "ACCEPTED" }, "ACCEPTED");
    }
    return this.update(stored, { htlcs, amountPaidMsat, status }, status);
  }

  /** lnd reported every HTLC of the set final. */
  confirmSettled(paymentHash: string): InvoiceView {
    const stored = this.byHash(paymentHash);
    if (stored.view.status !== "SETTLE_REQUESTED") throw new Error(`fake: confirmSettled needs SETTLE_REQUESTED, it is ${stored.view.status}`);
    return this.update(stored, { status: "SETTLED", htlcs: stored.view.htlcs.map((htlc) => ({ ...htlc, status: "SETTLED" })) }, "SETTLED");
  }

  /** lnd reported every HTLC of the set final and failed those at the given indexes of htlcs. */
  confirmSettleFailed(paymentHash: string, failedIndexes: readonly number[]): InvoiceView {
    const stored = this.byHash(paymentHash);
    if (stored.view.status !== "SETTLE_REQUESTED") throw new Error(`fake: confirmSettleFailed needs SETTLE_REQUESTED, it is ${stored.view.status}`);
    const htlcs = stored.view.htlcs.map((htlc, i) => ({ ...htlc, status: failedIndexes.includes(i) ? "FAILED" : "SETTLED" }));
    return this.update(stored, { status: "SETTLE_FAILED", htlcs }, "SETTLE_FAILED");
  }

  expire(paymentHash: string): InvoiceView {
    const stored = this.byHash(paymentHash);
    if (stored.view.status !== "OPEN") throw new Error(`fake: expire needs an OPEN invoice, it is ${stored.view.status}`);
    return this.update(stored, { status: "EXPIRED" }, "EXPIRED");
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
    const existing = this.invoices.find((stored) => stored.view.externalRef === request.externalRef);
    if (existing !== undefined) {
      if (!sameTerms(existing.request, request))
        throw new InvoiceServiceError("already_exists", `external_ref ${request.externalRef} names an invoice with other terms`);
      return { invoice: existing.view, created: false };
    }
    const createdAtMs = this.now();
    const paymentHash = createHash("sha256").update(`fake invoice ${request.externalRef}`).digest("hex");
    const view: InvoiceView = {
      paymentHash,
      externalRef: request.externalRef,
      bolt11: `lnbcrt${request.amountMsat ?? ""}fake1${paymentHash.slice(0, 20)}`,
      status: "OPEN",
      mode: request.mode,
      amountMsat: request.amountMsat ?? null,
      amountPaidMsat: 0n,
      createdAtMs,
      expiresAtMs: createdAtMs + (request.expirySeconds ?? DEFAULT_EXPIRY_SECONDS) * 1000,
      htlcs: [],
    };
    const stored = { request, view };
    this.invoices.push(stored);
    this.publish("CREATED", view);
    return { invoice: view, created: true };
  }

  async lookupInvoice(query: { paymentHash: string } | { externalRef: string }): Promise<InvoiceView> {
    this.enter("lookupInvoice", query);
    const refProblem = "externalRef" in query ? externalRefProblem(query.externalRef) : null;
    if (refProblem !== null) throw new InvoiceServiceError("invalid_argument", refProblem);
    const found =
      "paymentHash" in query
        ? this.invoices.find((stored) => stored.view.paymentHash === query.paymentHash)
        : this.invoices.find((stored) => stored.view.externalRef === query.externalRef);
    if (found === undefined)
      throw new InvoiceServiceError("not_found", "paymentHash" in query ? `no invoice with payment hash ${query.paymentHash}` : `no invoice with external_ref ${query.externalRef}`);
    return found.view;
  }

  async listInvoices(request: { limit: number; pageToken?: string }): Promise<{ invoices: InvoiceView[]; nextPageToken?: string }> {
    this.enter("listInvoices", request);
    let start = 0;
    if (request.pageToken !== undefined) {
      const match = /^fake-page:(\d+)$/.exec(request.pageToken);
      if (match === null) throw new InvoiceServiceError("invalid_argument", "page_token is not one this server issued");
      start = Number(match[1]);
    }
    const invoices = this.invoices.slice(start, start + request.limit).map((stored) => stored.view);
    const end = start + invoices.length;
    return end < this.invoices.length ? { invoices, nextPageToken: `fake-page:${end}` } : { invoices };
  }

  async settleInvoice(paymentHash: string): Promise<InvoiceView> {
    this.enter("settleInvoice", paymentHash);
    const stored = this.byHashOrNotFound(paymentHash);
    if (stored.view.mode !== "hold")
      throw new InvoiceServiceError("failed_precondition", "only HOLD invoices are settled by request; AUTO_SETTLE invoices settle themselves");
    switch (stored.view.status) {
      case "ACCEPTED":
        return this.update(stored, { status: "SETTLE_REQUESTED" }, "SETTLE_REQUESTED");
      case "SETTLE_REQUESTED":
      case "SETTLED":
      case "SETTLE_FAILED":
        return stored.view;
      case "OPEN":
        throw new InvoiceServiceError("failed_precondition", "the invoice has no complete HTLC set to settle");
      case "CANCELLED":
      case "EXPIRED":
        throw new InvoiceServiceError("failed_precondition", `the invoice is ${stored.view.status}`);
      default: {
        const unknownStatus: never = stored.view.status;
        throw new Error(`unknown status ${String(unknownStatus)}`);
      }
    }
  }

  async cancelInvoice(paymentHash: string): Promise<InvoiceView> {
    this.enter("cancelInvoice", paymentHash);
    const stored = this.byHashOrNotFound(paymentHash);
    switch (stored.view.status) {
      case "OPEN":
      case "ACCEPTED":
        return this.update(
          stored,
          { status: "CANCELLED", htlcs: stored.view.htlcs.map((htlc) => ({ ...htlc, status: "FAILED" })) },
          "CANCELLED",
        );
      case "CANCELLED":
      case "EXPIRED":
        return stored.view;
      case "SETTLE_REQUESTED":
      case "SETTLED":
      case "SETTLE_FAILED":
        throw new InvoiceServiceError("failed_precondition", "the invoice is being settled or is settled; it cannot be cancelled");
      default: {
        const unknownStatus: never = stored.view.status;
        throw new Error(`unknown status ${String(unknownStatus)}`);
      }
    }
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
    const stored = this.invoices.find((candidate) => candidate.view.paymentHash === paymentHash);
    if (stored === undefined) throw new Error(`fake: no invoice ${paymentHash}`);
    return stored;
  }

  private byHashOrNotFound(paymentHash: string): StoredInvoice {
    const stored = this.invoices.find((candidate) => candidate.view.paymentHash === paymentHash);
    if (stored === undefined) throw new InvoiceServiceError("not_found", `no invoice with payment hash ${paymentHash}`);
    return stored;
  }

  private update(stored: StoredInvoice, change: Partial<InvoiceView>, kind: InvoiceEventKind): InvoiceView {
    stored.view = { ...stored.view, ...change };
    this.publish(kind, stored.view);
    return stored.view;
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
