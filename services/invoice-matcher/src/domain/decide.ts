import { MatcherInvariantError, type Decision } from "./decision.ts";
import { htlcArrived } from "./htlc-arrival.ts";
import { htlcFinal } from "./htlc-final.ts";
import { tick } from "./tick.ts";
import type { MatcherInput } from "./inputs.ts";
import { cancelInvoice, createInvoice, settleInvoice } from "./invoice-api.ts";
import type { MatcherConfig } from "./matcher-config.ts";
import { evolve, initialState, type InvoiceState } from "./state.ts";
import type { InvoiceEvent } from "./events.ts";

// The invoice matcher's decider: pure, one aggregate per payment hash. The shell loads the state,
// calls decide, persists the events (so evolve can rebuild the state), then sends the commands.
export const decide = (state: InvoiceState, input: MatcherInput, config: MatcherConfig): Decision => {
  switch (input.type) {
    case "CreateInvoice":
      return createInvoice(state, input);
    case "HtlcArrived":
      return htlcArrived(state, input, config);
    case "Tick":
      return tick(state, input, config);
    case "SettleInvoice":
      return settleInvoice(state, input, config);
    case "CancelInvoice":
      return cancelInvoice(state, input);
    case "HtlcFinal":
      return htlcFinal(state, input);
    default: {
      const unknownInput: never = input;
      throw new MatcherInvariantError(`unknown matcher input ${String((unknownInput as { type: unknown }).type)}`);
    }
  }
};

export type InvoiceDecider = {
  readonly decide: (state: InvoiceState, input: MatcherInput, config: MatcherConfig) => Decision;
  readonly evolve: (state: InvoiceState, event: InvoiceEvent) => InvoiceState;
  readonly initialState: () => InvoiceState;
};

export const invoiceDecider: InvoiceDecider = { decide, evolve, initialState };
