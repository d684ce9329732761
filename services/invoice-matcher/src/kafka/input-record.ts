// What one consumed record of the matcher's input topics is, before anything is decided: routed
// by its topic (the role of a per-node topic), decoded as that topic's schema, and checked to come
// from the node whose topic it arrived on and from the cluster. Pure (the codec and the checks
// hold no I/O), so every branch is a unit test (input-record.unit.spec.ts).
//
// Three kinds of records are not decided:
// - poison ("undecodable", "refused"): no retry can fix it. Bytes that are not one of our records,
//   a schema nobody knows, a published version edited in place, or a record that decodes but no
//   cluster node could have written (another node than its topic's, a node outside the cluster, a
//   forward not over the node's virtual scid: a forged or misrouted claim). The consumer copies it
//   to the dead-letter topic and goes on;
// - held ("newer-schema"): a schema version this matcher does not know yet decodes once it is
//   upgraded (readers upgrade first), so its partition waits;
// - ignored by design ("not-final-outcome"): a bridge's report of what it did (SETTLE_SENT,
//   FAIL_SENT, SKIPPED_NOT_HELD, SETTLE_REFUSED_MISMATCH, ...) is a valid record kept for audits;
//   only lnd's final word changes an invoice (rule 6).
import {
  decodeAs,
  decodeFailureAction,
  EventDecodeError,
  type BridgeStatus,
  type ConsumedRecord,
  type DeadLetter,
  type DeploymentTopics,
  type HtlcIntercepted,
  type HtlcOutcome,
  type HtlcOutcomeKind,
} from "@ic/event-log";
import type { ClusterRecordCheck, RecordRefusalReason } from "../application/cluster-record-check.ts";
import { topicNodeMismatch } from "../application/record-source.ts";

export type FinalOutcome = HtlcOutcome & { readonly kind: "FINAL_SETTLED" | "FINAL_FAILED" };

export interface InputRefusal {
  readonly reason: "topic-node-mismatch" | RecordRefusalReason;
  /** For the warn log and the dead letter's detail: names nodes and scids, nothing secret. */
  readonly message: string;
  readonly recordNodeId: string;
  /** The node of the topic it arrived on (topic-node-mismatch). */
  readonly topicNodeId?: string | undefined;
  readonly paymentHash?: string;
}

export type InputRecord =
  | { readonly kind: "htlc"; readonly htlc: HtlcIntercepted }
  | { readonly kind: "final-outcome"; readonly outcome: FinalOutcome }
  | { readonly kind: "bridge-status"; readonly status: BridgeStatus }
  | { readonly kind: "not-final-outcome"; readonly outcomeKind: HtlcOutcomeKind }
  | { readonly kind: "newer-schema"; readonly error: EventDecodeError }
  | { readonly kind: "undecodable"; readonly error: EventDecodeError }
  | { readonly kind: "refused"; readonly refusal: InputRefusal };

export interface InputRecordContext {
  readonly topics: Pick<DeploymentTopics, "nodeTopic">;
  readonly check: ClusterRecordCheck;
}

type Decoded<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly input: InputRecord };

function decoded<T>(decode: () => T): Decoded<T> {
  try {
    return { ok: true, value: decode() };
  } catch (error) {
    if (!(error instanceof EventDecodeError)) throw error;
    return { ok: false, input: decodeFailureAction(error) === "hold" ? { kind: "newer-schema", error } : { kind: "undecodable", error } };
  }
}

/** What the record is; throws only for a topic the matcher does not read (a wiring bug). */
export function readInputRecord(record: ConsumedRecord, context: InputRecordContext): InputRecord {
  const role = context.topics.nodeTopic(record.topic)?.role;
  // Only node N's bridge principal can write node N's topics (ACLs): a record naming another
  // node cannot come from the node it names.
  const mismatch = (nodeId: string, paymentHash?: string): InputRecord | undefined => {
    const found = topicNodeMismatch(context.topics, record.topic, nodeId);
    if (found === undefined) return undefined;
    return {
      kind: "refused",
      refusal: {
        reason: found.reason,
        message: `record names node ${nodeId.slice(0, 80)}, not the node of the topic it arrived on`,
        recordNodeId: nodeId,
        topicNodeId: found.topicNodeId,
        ...(paymentHash === undefined ? {} : { paymentHash }),
      },
    };
  };
  const refused = (refusal: { reason: RecordRefusalReason; message: string } | undefined, nodeId: string, paymentHash?: string): InputRecord | undefined =>
    refusal === undefined ? undefined : { kind: "refused", refusal: { ...refusal, recordNodeId: nodeId, ...(paymentHash === undefined ? {} : { paymentHash }) } };

  switch (role) {
    case "bridgeStatus": {
      const status = decoded(() => decodeAs("bridge-status", record));
      if (!status.ok) return status.input;
      return mismatch(status.value.nodeId) ?? refused(context.check.statusRecord(status.value), status.value.nodeId) ?? { kind: "bridge-status", status: status.value };
    }
    case "htlcIntercepted": {
      const htlc = decoded(() => decodeAs("htlc-intercepted", record));
      if (!htlc.ok) return htlc.input;
      const { nodeId, paymentHash } = htlc.value;
      return mismatch(nodeId, paymentHash) ?? refused(context.check.htlcRecord(htlc.value), nodeId, paymentHash) ?? { kind: "htlc", htlc: htlc.value };
    }
    case "htlcOutcomes": {
      const outcome = decoded(() => decodeAs("htlc-outcome", record));
      if (!outcome.ok) return outcome.input;
      const { nodeId, paymentHash } = outcome.value;
      const refusal = mismatch(nodeId, paymentHash) ?? refused(context.check.outcomeRecord(outcome.value), nodeId, paymentHash);
      if (refusal !== undefined) return refusal;
      const value = outcome.value;
      return isFinal(value) ? { kind: "final-outcome", outcome: value } : { kind: "not-final-outcome", outcomeKind: value.kind };
    }
    case "htlcCommands":
    case undefined:
      throw new Error(`${record.topic} is not an input topic of the matcher`);
  }
}

function isFinal(outcome: HtlcOutcome): outcome is FinalOutcome {
  return outcome.kind === "FINAL_SETTLED" || outcome.kind === "FINAL_FAILED";
}

/** The dead letter of a poison record; undefined for anything else. */
export function poisonLetter(input: InputRecord): DeadLetter | undefined {
  switch (input.kind) {
    case "undecodable":
      return { reason: input.error.reason, detail: input.error.message };
    case "refused":
      return { reason: input.refusal.reason, detail: input.refusal.message };
    case "htlc":
    case "final-outcome":
    case "bridge-status":
    case "not-final-outcome":
    case "newer-schema":
      return undefined;
  }
}
