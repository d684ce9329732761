// The bridge's live state: one interceptor session at a time, the block height, the keys awaiting
// lnd's final resolution, the commands carried out. Mutated only from the event loop, so a
// check-then-send on it is atomic. A file of its own, below both the runtime (bridge-runtime.ts)
// and the publish backlog (htlc-backlog.ts) that read it, so neither imports the other for it.
import type { HtlcInterceptorStream } from "@ic/lnd-client";
import type { AppliedCommands } from "./decisions/applied-commands.ts";
import type { AwaitingFinalResolution } from "./decisions/awaiting-final-resolution.ts";
import type { HeldHtlcs } from "./decisions/held-htlcs.ts";

export interface InterceptorSession {
  /** Goes into HtlcIntercepted.bridgeInstanceId. */
  readonly id: string;
  readonly stream: HtlcInterceptorStream;
  /** Keys offered on this stream and not answered: the only ones a command may answer. */
  readonly held: HeldHtlcs;
  readonly openedAtMs: number;
}

export interface BridgeState {
  blockHeight: number;
  session: InterceptorSession | undefined;
  htlcEventsSubscribed: boolean;
  interceptorSessions: number;
  readonly finals: AwaitingFinalResolution;
  readonly applied: AppliedCommands;
  /** Called after the block height rose (the publish backlog fails entries near their auto-fail height). */
  onBlockHeight?: (height: number) => void;
}
