// Rules a record must satisfy beyond what Avro can express (cross-field and key-format rules).
// Checked on encode (nothing wrong is produced) and on decode (a foreign or buggy producer's
// record becomes a typed decode error instead of reaching a decision).
import type { FieldProblem } from "./errors.ts";
import type { EventRecords, HtlcCommand, HtlcIntercepted, SchemaName } from "./event-records.ts";
import { parseDecimalUint64 } from "./logical-types.ts";

export type RecordInvariant<T> = (value: T) => FieldProblem[];

export type RecordInvariants<M> = { readonly [K in keyof M]?: RecordInvariant<M[K]> };

// lnd takes a preimage only with SETTLE, and for FAIL either its own failure code or our
// encrypted 292-byte packet, never both (routerrpc ForwardHtlcInterceptResponse).
function htlcCommandInvariant(command: HtlcCommand): FieldProblem[] {
  const problems: FieldProblem[] = [];
  switch (command.action) {
    case "SETTLE":
      if (command.preimage === null) problems.push({ path: "preimage", problem: "required when action is SETTLE" });
      if (command.failureMessage !== null)
        problems.push({ path: "failureMessage", problem: "must be null when action is SETTLE" });
      if (command.failureCode !== null) problems.push({ path: "failureCode", problem: "must be null when action is SETTLE" });
      break;
    case "FAIL":
      if (command.preimage !== null) problems.push({ path: "preimage", problem: "must be null when action is FAIL" });
      if ((command.failureMessage === null) === (command.failureCode === null)) {
        problems.push({ path: "failureMessage", problem: "exactly one of failureMessage and failureCode is required when action is FAIL" });
      }
      break;
    default: {
      const unknown: never = command.action;
      problems.push({ path: "action", problem: `unknown action ${String(unknown)}` });
    }
  }
  return problems;
}

// lnd's custom_records map is keyed by uint64 TLV type.
function htlcInterceptedInvariant(htlc: HtlcIntercepted): FieldProblem[] {
  return Object.keys(htlc.customRecords)
    .filter((key) => parseDecimalUint64(key) === undefined)
    .map(() => ({ path: "customRecords", problem: "keys must be TLV types as canonical decimal uint64 strings" }))
    .slice(0, 1);
}

export const eventRecordInvariants: RecordInvariants<EventRecords> = {
  "htlc-command": htlcCommandInvariant,
  "htlc-intercepted": htlcInterceptedInvariant,
} satisfies { [K in SchemaName]?: RecordInvariant<EventRecords[K]> };
