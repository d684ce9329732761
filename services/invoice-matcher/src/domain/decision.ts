import type { MatcherCommand } from "./commands.ts";
import type { InvoiceEvent } from "./events.ts";

// The answer to one input. Events are persisted (and published) before commands are sent: that
// ordering is what makes a settle decision durable before any SettleHtlc reaches lnd.

export type InputRejectionCode =
  | "invalid_terms"
  // CreateInvoice for a payment hash that already has different terms.
  | "terms_conflict"
  | "unknown_invoice"
  // The invoice's status does not allow the input (e.g. settle an OPEN invoice).
  | "invalid_status"
  // A held part of the set is within the safety margin of its auto-fail height: settling now
  // could release the preimage for a set lnd is failing part of.
  | "hold_set_near_auto_fail";

// An API input that was refused. Carries nothing secret: it goes back to the caller.
export type InputRejection = { readonly code: InputRejectionCode; readonly message: string };

export type Decision = {
  readonly events: readonly InvoiceEvent[];
  readonly commands: readonly MatcherCommand[];
  readonly rejection: InputRejection | null;
};

export const nothing = (): Decision => ({ events: [], commands: [], rejection: null });

export const decided = (events: readonly InvoiceEvent[], commands: readonly MatcherCommand[] = []): Decision => ({
  events,
  commands,
  rejection: null,
});

// An answer to a replayed input: commands again, never new events (money-safety rule 4).
export const answered = (commands: readonly MatcherCommand[]): Decision => ({ events: [], commands, rejection: null });

export const rejected = (code: InputRejectionCode, message: string): Decision => ({
  events: [],
  commands: [],
  rejection: { code, message },
});

// The decider was called on the wrong aggregate or its state broke an invariant: a bug in the
// shell or the domain, never a business outcome. Refusing to answer is the safe reaction.
export class MatcherInvariantError extends Error {
  override readonly name = "MatcherInvariantError";
}
