// The InvoiceService port over the matcher: invoices are created, settled and cancelled through
// the same decider and transaction path as HTLCs, so API calls and HTLC decisions on one invoice
// are serialized by its version (one decision written per invoice version; invoice-processor.ts).
import { randomBytes } from "node:crypto";
import type pg from "pg";
import {
  bytesToHex,
  decodeInvoice,
  encodeInvoice,
  hexToBytes,
  virtualNodeRouteHints,
  virtualScidForNode,
  VIRTUAL_NODE_FEATURE_BITS,
  type Bolt11Network,
} from "@ic/lightning-protocol";
import type { InvoiceState } from "../domain/index.ts";
import {
  journalAfter,
  journalOfInvoice,
  listInvoiceStates,
  loadInvoice,
  paymentHashByExternalRef,
  bridgeHeartbeats,
} from "../postgres/invoice-store.ts";
import { createInvoiceRequestProblem, externalRefProblem } from "../invoice-service/create-invoice-limits.ts";
import {
  InvoiceServiceError,
  type CoordinatorInfo,
  type CreateInvoiceRequest,
  type InvoiceEventView,
  type InvoiceService,
} from "@ic/invoice-api-client";
import type { CoordinatorIdentity } from "./coordinator-identity.ts";
import type { InvoiceProcessor } from "./invoice-processor.ts";
import { createInvoiceHistory } from "./invoice-history.ts";
import { invoiceServiceErrorFor, toView } from "./invoice-view.ts";
import { publicKindOf } from "./public-invoice-events.ts";

export interface ClusterNodeSetting {
  name: string;
  pubkey: string;
}

export interface InvoiceServiceSettings {
  network: Bolt11Network;
  cluster: readonly ClusterNodeSetting[];
  virtualHopPolicy: { feeBaseMsat: bigint; feeProportionalMillionths: bigint; cltvExpiryDelta: number };
  minFinalCltvExpiryDelta: number;
  /** Used when a request gives no expiry; at most MAX_EXPIRY_SECONDS (the config checks it). */
  defaultExpirySeconds: number;
}

export function createInvoiceService(deps: {
  pool: pg.Pool;
  processor: InvoiceProcessor;
  identity: CoordinatorIdentity;
  settings: InvoiceServiceSettings;
  now: () => number;
  /** Whether a node's bridge is connected (its command consumer group has a live member). */
  bridgeConnected: (nodePubkey: string) => Promise<boolean>;
}): InvoiceService {
  const { pool, processor, identity, settings } = deps;
  const routeHints = virtualNodeRouteHints(
    settings.cluster.map((n) => ({
      nodePubkey: hexToBytes(n.pubkey),
      feeBaseMsat: Number(settings.virtualHopPolicy.feeBaseMsat),
      feeProportionalMillionths: Number(settings.virtualHopPolicy.feeProportionalMillionths),
      cltvExpiryDelta: settings.virtualHopPolicy.cltvExpiryDelta,
    })),
  );

  async function mustLoad(paymentHash: string): Promise<InvoiceState> {
    const state = await loadInvoice(pool, paymentHash);
    if (state === undefined || state.invoice === null) throw new InvoiceServiceError("not_found", `no invoice with payment hash ${paymentHash}`);
    return state;
  }

  function validate(request: CreateInvoiceRequest): void {
    const problem = createInvoiceRequestProblem(request);
    if (problem !== null) throw new InvoiceServiceError("invalid_argument", problem.message);
  }

  // Idempotency on external_ref: the same request again gets the same invoice; the same
  // reference with other terms is refused. Description and expiry live only in the signed
  // invoice, so it is decoded (only on this duplicate path).
  function sameRequest(state: InvoiceState, request: CreateInvoiceRequest): boolean {
    const terms = state.invoice!.terms;
    if (terms.amountMsat !== (request.amountMsat ?? null) || terms.mode !== request.mode) return false;
    const decoded = decodeInvoice(identity.backend, terms.bolt11);
    if (!decoded.ok) return false;
    const issued = decoded.value;
    const wantedHash = request.descriptionHash === undefined ? undefined : bytesToHex(request.descriptionHash);
    const issuedHash = issued.descriptionHash === undefined ? undefined : bytesToHex(issued.descriptionHash);
    return (
      issuedHash === wantedHash &&
      (wantedHash !== undefined || (issued.description ?? "") === (request.description ?? "")) &&
      issued.expirySeconds === (request.expirySeconds ?? settings.defaultExpirySeconds)
    );
  }

  return {
    async createInvoice(request) {
      validate(request);
      const existingHash = await paymentHashByExternalRef(pool, request.externalRef);
      if (existingHash !== undefined) {
        const state = await mustLoad(existingHash);
        if (!sameRequest(state, request)) {
          throw new InvoiceServiceError("already_exists", `external_ref ${request.externalRef} is already used by an invoice with other terms`);
        }
        return { invoice: toView(state), created: false };
      }
      const now = deps.now();
      const paymentSecret = randomBytes(32);
      const { paymentHash } = identity.preimageFor(paymentSecret);
      const expirySeconds = request.expirySeconds ?? settings.defaultExpirySeconds;
      const bolt11 = encodeInvoice(identity.backend, identity.nodePrivateKey, {
        network: settings.network,
        ...(request.amountMsat !== undefined ? { amountMsat: request.amountMsat } : {}),
        timestamp: Math.floor(now / 1000),
        paymentHash,
        paymentSecret,
        ...(request.descriptionHash !== undefined ? { descriptionHash: request.descriptionHash } : { description: request.description ?? "" }),
        expirySeconds,
        minFinalCltvExpiryDelta: settings.minFinalCltvExpiryDelta,
        featureBits: VIRTUAL_NODE_FEATURE_BITS,
        routeHints,
      });
      const createdAt = Math.floor(now / 1000) * 1000;
      const paymentHashHex = bytesToHex(paymentHash);
      try {
        const { decision, state } = await processor.process(paymentHashHex, {
          type: "CreateInvoice",
          data: {
            paymentHash: paymentHashHex,
            paymentSecret: bytesToHex(paymentSecret),
            amountMsat: request.amountMsat ?? null,
            createdAt,
            expiresAt: createdAt + expirySeconds * 1000,
            minFinalCltvExpiryDelta: settings.minFinalCltvExpiryDelta,
            mode: request.mode,
            externalRef: request.externalRef,
            bolt11,
          },
        });
        if (decision.rejection) throw invoiceServiceErrorFor(decision.rejection);
        return { invoice: toView(state), created: true };
      } catch (error) {
        // Two creations raced on one external_ref: the unique index let one win.
        if ((error as { code?: string }).code === "23505") return this.createInvoice(request);
        throw error;
      }
    },

    async lookupInvoice(query) {
      const refProblem = "externalRef" in query ? externalRefProblem(query.externalRef) : null;
      if (refProblem !== null) throw new InvoiceServiceError("invalid_argument", refProblem);
      const paymentHash = "paymentHash" in query ? query.paymentHash : await paymentHashByExternalRef(pool, query.externalRef);
      if (paymentHash === undefined) throw new InvoiceServiceError("not_found", "no invoice with that external_ref");
      return toView(await mustLoad(paymentHash));
    },

    async listInvoices({ limit, pageToken }) {
      let afterCreated = -1;
      let afterHash = "";
      if (pageToken) {
        const m = /^(\d+):([0-9a-f]{64})$/.exec(Buffer.from(pageToken, "base64url").toString());
        if (!m) throw new InvoiceServiceError("invalid_argument", "page_token is not one this server issued");
        afterCreated = Number(m[1]);
        afterHash = m[2]!;
      }
      const states = await listInvoiceStates(pool, afterCreated, afterHash, limit);
      const invoices = states.map(toView);
      const last = invoices.at(-1);
      return {
        invoices,
        ...(invoices.length === limit && last ? { nextPageToken: Buffer.from(`${last.createdAtMs}:${last.paymentHash}`).toString("base64url") } : {}),
      };
    },

    async settleInvoice(paymentHash) {
      // The cluster's height as the bridges last reported it, to refuse a settle near a part's auto-fail height.
      const blockHeight = Math.max(0, ...[...(await bridgeHeartbeats(pool)).values()].map((h) => h.blockHeight));
      const { decision, state } = await processor.process(paymentHash, { type: "SettleInvoice", data: { paymentHash, now: deps.now(), blockHeight } });
      if (decision.rejection) throw invoiceServiceErrorFor(decision.rejection);
      if (state.invoice === null) throw new InvoiceServiceError("not_found", `no invoice with payment hash ${paymentHash}`);
      return toView(state);
    },

    async cancelInvoice(paymentHash) {
      const blockHeight = Math.max(0, ...[...(await bridgeHeartbeats(pool)).values()].map((h) => h.blockHeight));
      const { decision, state } = await processor.process(paymentHash, {
        type: "CancelInvoice",
        data: { paymentHash, now: deps.now(), blockHeight },
      });
      if (decision.rejection) throw invoiceServiceErrorFor(decision.rejection);
      if (state.invoice === null) throw new InvoiceServiceError("not_found", `no invoice with payment hash ${paymentHash}`);
      return toView(state);
    },

    async *subscribeInvoices(afterSequence, signal) {
      let cursor = afterSequence;
      // Each event carries the invoice as of that event, rebuilt from the journal (invoice-history.ts).
      const history = createInvoiceHistory((paymentHash, after, upto) => journalOfInvoice(pool, paymentHash, after, upto));
      while (!signal.aborted) {
        // Internal events are read too, so the cursor moves past them: filtering them in SQL would
        // rescan every internal event after the last public one on each poll.
        const entries = await journalAfter(pool, cursor, 100);
        for (const entry of entries) {
          cursor = entry.globalSeq;
          const kind = publicKindOf(entry.eventType);
          if (kind === undefined) continue;
          const state = await history.stateAt(entry.paymentHash, entry.sequence);
          if (state.invoice) yield { sequence: entry.globalSeq, kind, invoice: toView(state), atMs: entry.atMs } satisfies InvoiceEventView;
        }
        if (entries.length === 0) await abortableDelay(200, signal);
      }
    },

    async getInfo(): Promise<CoordinatorInfo> {
      const nodes = await Promise.all(
        settings.cluster.map(async (n) => ({
          name: n.name,
          pubkey: n.pubkey,
          virtualScid: virtualScidForNode(hexToBytes(n.pubkey)),
          bridgeConnected: await deps.bridgeConnected(n.pubkey).catch(() => false),
        })),
      );
      return { coordinatorPubkey: identity.nodePubkeyHex, network: settings.network, nodes };
    },
  };
}

function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
