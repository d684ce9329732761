// In-memory event ports for tests: records published by the bridge (each one encoded with the
// real Avro codec first, so a record the schema would refuse fails here too), commands handed
// to the bridge on demand, and a command log for the SETTLE read-back. Tests wait on
// conditions (waitFor), re-checked on every change, never on time.
import { encode, type BridgeStatus, type HtlcCommand, type HtlcIntercepted, type HtlcOutcome } from "@ic/event-log";
import type { CommandBatchHandler, EventPorts, SettleHistory } from "../event-ports.ts";

export class InMemoryEventLog {
  readonly intercepted: HtlcIntercepted[] = [];
  readonly outcomes: HtlcOutcome[] = [];
  /** Status records taken, in order. */
  readonly statuses: BridgeStatus[] = [];
  /** Status publishes to refuse before accepting again (fault injection; HTLC publishes are not affected). */
  failStatusPublishes = 0;
  /** Status publishes refused (by failStatusPublishes or while unavailable). */
  refusedStatusPublishes = 0;
  /** Every command delivered so far, in order: what the commands topic would hold. */
  readonly commandLog: HtlcCommand[] = [];
  /** Publishes to refuse before accepting again (fault injection). */
  failPublishes = 0;
  /**
   * Kafka down (fault injection): while true every publish rejects and connectPorts() rejects.
   * Set it with setUnavailable, so that waiters re-check.
   */
  unavailable = false;
  /** Publish attempts refused while unavailable. */
  refusedWhileUnavailable = 0;
  /** connectPorts() calls refused while unavailable. */
  refusedConnects = 0;
  /** How many SETTLE read-backs were served. */
  settleHistoryReads = 0;
  private handler: CommandBatchHandler | undefined;
  private readonly waiters = new Set<() => void>();

  setUnavailable(unavailable: boolean): void {
    this.unavailable = unavailable;
    this.changed();
  }

  /** ports(), as a connect that fails while the log is unavailable (Kafka unreachable at start). */
  async connectPorts(): Promise<EventPorts> {
    if (this.unavailable) {
      this.refusedConnects++;
      this.changed();
      throw new Error("connect ECONNREFUSED 127.0.0.1:9092 (injected: Kafka unavailable)");
    }
    return this.ports();
  }

  /** Ports for one bridge; several bridges (one after another) may share the log. */
  ports(): EventPorts {
    const settleHistory: SettleHistory = {
      settleCommands: async (nodeId) => {
        this.settleHistoryReads++;
        this.changed();
        return this.commandLog.filter((c) => c.nodeId === nodeId && c.action === "SETTLE");
      },
    };
    return {
      publisher: {
        publishIntercepted: async (record) => {
          this.refuseIfFailing();
          encode("htlc-intercepted", record);
          this.intercepted.push(record);
          this.changed();
        },
        publishOutcomes: async (records) => {
          this.refuseIfFailing();
          for (const record of records) encode("htlc-outcome", record);
          this.outcomes.push(...records);
          this.changed();
        },
      },
      status: {
        publishStatus: async (record) => {
          if (this.unavailable || this.failStatusPublishes > 0) {
            if (!this.unavailable) this.failStatusPublishes--;
            this.refusedStatusPublishes++;
            this.changed();
            throw new Error("event log did not take the status (injected)");
          }
          encode("bridge-status", record);
          this.statuses.push(record);
          this.changed();
        },
      },
      commands: {
        start: async (handler) => {
          this.handler = handler;
          this.changed();
        },
        stop: async () => {
          this.handler = undefined;
          this.changed();
        },
      },
      settleHistory,
      close: async () => {},
    };
  }

  get consuming(): boolean {
    return this.handler !== undefined;
  }

  /** Hands commands to the bridge as one batch; rejects as the bridge's handler does. */
  async deliver(...commands: HtlcCommand[]): Promise<void> {
    const handler = this.handler;
    if (handler === undefined) throw new Error("no bridge is consuming commands");
    for (const command of commands) encode("htlc-command", command);
    this.commandLog.push(...commands.filter((c) => !this.commandLog.includes(c)));
    await handler(commands);
  }

  outcomesOf(kind: HtlcOutcome["kind"]): HtlcOutcome[] {
    return this.outcomes.filter((o) => o.kind === kind);
  }

  waitFor(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
  }

  private refuseIfFailing(): void {
    if (this.unavailable) {
      this.refusedWhileUnavailable++;
      this.changed();
      throw new Error("event log unavailable (injected: Kafka down)");
    }
    if (this.failPublishes > 0) {
      this.failPublishes--;
      this.changed();
      throw new Error("event log unavailable (injected)");
    }
  }

  private changed(): void {
    for (const check of [...this.waiters]) check();
  }
}
