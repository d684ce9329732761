// given / when / then for the invoice decider, in the manner of emmett's DeciderSpecification:
// history is given as events (folded with evolve), the input is decided, and the outcome is
// compared whole, so an unexpected extra event or command fails the test.
import { expect } from "vitest";
import type { MatcherCommand } from "../commands.ts";
import { decide } from "../decide.ts";
import type { Decision, InputRejectionCode } from "../decision.ts";
import type { InvoiceEvent } from "../events.ts";
import type { MatcherInput } from "../inputs.ts";
import type { MatcherConfig } from "../matcher-config.ts";
import { evolve, rebuildState, type InvoiceState } from "../state.ts";
import { testConfig } from "./fixtures.ts";

export type Outcome = {
  readonly decision: Decision;
  readonly before: InvoiceState;
  // The state after the decision's events, as the shell would persist it.
  readonly after: InvoiceState;
  then(expected: { events?: readonly InvoiceEvent[]; commands?: readonly MatcherCommand[] }): Outcome;
  thenNothingHappens(): Outcome;
  thenRejected(code: InputRejectionCode): Outcome;
};

const outcome = (before: InvoiceState, decision: Decision): Outcome => {
  const after = decision.events.reduce<InvoiceState>(evolve, before);
  const self: Outcome = {
    decision,
    before,
    after,
    then(expected) {
      expect(decision).toEqual({ events: expected.events ?? [], commands: expected.commands ?? [], rejection: null });
      return self;
    },
    thenNothingHappens() {
      expect(decision).toEqual({ events: [], commands: [], rejection: null });
      return self;
    },
    thenRejected(code) {
      expect(decision.events).toEqual([]);
      expect(decision.commands).toEqual([]);
      expect(decision.rejection?.code).toBe(code);
      return self;
    },
  };
  return self;
};

export const given = (...history: readonly InvoiceEvent[]) => ({
  when: (input: MatcherInput, config: MatcherConfig = testConfig): Outcome => {
    const before = rebuildState(history);
    return outcome(before, decide(before, input, config));
  },
});

// Runs inputs one after another through decide + evolve, as the shell does; returns the history.
export const run = (inputs: readonly MatcherInput[], config: MatcherConfig = testConfig): InvoiceEvent[] => {
  let state = rebuildState([]);
  const history: InvoiceEvent[] = [];
  for (const input of inputs) {
    const decision = decide(state, input, config);
    history.push(...decision.events);
    state = decision.events.reduce<InvoiceState>(evolve, state);
  }
  return history;
};
