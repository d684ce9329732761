// Start-up checks of the lnd node against the bridge's config. The bridge refuses to run on
// any problem: each one would cost money or availability later, silently:
// - another node (pubkey) or network: commands and the virtual scid belong to the pinned node;
// - without --requireinterceptor lnd resumes held HTLCs whenever the bridge disconnects, i.e.
//   forwards them to a channel that does not exist instead of waiting for the coordinator;
// - without --store-final-htlc-resolutions a settle cannot be confirmed final after a restart
//   (money-safety rule 6);
// - below minLndVersion the interceptor lacks fields and fixes the coordinator relies on.
import { lndHtlcTimingFor, OLDEST_TIMED_LND } from "@ic/lightning-protocol";
import type { NodeInfo } from "@ic/lnd-client";
import { compareLndVersions, parseLndVersion } from "../decisions/lnd-version.ts";

/** What start-up learnt from lnd: its GetInfo, or why it could not be had. */
export type NodeProbe =
  | { readonly reachable: true; readonly info: NodeInfo }
  | { readonly reachable: false; readonly reason: string };

export interface NodeExpectations {
  readonly grpcAddress: string;
  readonly expectedPubkey: string;
  readonly network: string;
  readonly minLndVersion: string;
}

export type NodeCheck =
  | "reachable"
  | "network"
  | "pubkey"
  | "version"
  | "requireinterceptor"
  | "store-final-htlc-resolutions";

export interface NodeProblem {
  readonly check: NodeCheck;
  /** What is wrong and how to fix it. */
  readonly message: string;
}

/** Every reason not to run against this node; empty when the bridge may start. */
export function nodeProblems(probe: NodeProbe, expected: NodeExpectations): NodeProblem[] {
  const at = `lnd at ${expected.grpcAddress}`;
  if (!probe.reachable) {
    return [
      {
        check: "reachable",
        message: `${probe.reason}. Fix: start lnd (and unlock its wallet), and check lnd.grpcAddress, lnd.tlsCertPath and lnd.macaroonPath`,
      },
    ];
  }
  const { info } = probe;
  const problems: NodeProblem[] = [];
  if (info.network !== expected.network) {
    problems.push({
      check: "network",
      message: `${at} runs on ${info.network === undefined ? "no reported network" : `network "${info.network}"`} but the bridge is configured for "${expected.network}". Fix: point lnd.grpcAddress at the ${expected.network} node, or correct "network"`,
    });
  }
  if (info.identityPubkey.toLowerCase() !== expected.expectedPubkey.toLowerCase()) {
    problems.push({
      check: "pubkey",
      message: `${at} has identity pubkey ${info.identityPubkey}, not the pinned expectedPubkey ${expected.expectedPubkey}. Fix: point lnd.grpcAddress at the pinned node; change expectedPubkey only if the node was replaced on purpose (its virtual scid changes, so route hints in invoices already issued stop working)`,
    });
  }
  const minimum = parseLndVersion(expected.minLndVersion);
  const actual = parseLndVersion(info.version);
  if (actual === undefined) {
    problems.push({
      check: "version",
      message: `${at} reports version "${info.version}", which the bridge cannot read. Fix: run a released lnd >= ${expected.minLndVersion}`,
    });
  } else if (minimum !== undefined && compareLndVersions(actual, minimum) < 0) {
    problems.push({
      check: "version",
      message: `${at} runs lnd ${info.version}, older than minLndVersion ${expected.minLndVersion}. Fix: upgrade lnd (0.20.2 or later is preferred: it keeps re-offered held HTLCs, lnd issue 10892)`,
    });
  } else if (lndHtlcTimingFor(actual) === undefined) {
    // The matcher's CLTV bounds and hold safety come from LND_HTLC_TIMING: an older lnd may fail
    // held HTLCs at heights the coordinator does not expect.
    problems.push({
      check: "version",
      message: `${at} runs lnd ${info.version}, older than lnd ${OLDEST_TIMED_LND.major}.${OLDEST_TIMED_LND.minor}, the oldest whose HTLC timing (auto-fail height, interceptor cut-off) the coordinator knows. Fix: upgrade lnd`,
    });
  }
  if (!info.requireHtlcInterceptor) {
    problems.push({
      check: "requireinterceptor",
      message: `${at} runs without --requireinterceptor: it would resume held HTLCs whenever the bridge disconnects. Fix: start lnd with --requireinterceptor (lnd.conf: requireinterceptor=true)`,
    });
  }
  if (!info.storeFinalHtlcResolutions) {
    problems.push({
      check: "store-final-htlc-resolutions",
      message: `${at} runs without --store-final-htlc-resolutions: settlements could not be confirmed final after a bridge restart. Fix: start lnd with --store-final-htlc-resolutions (lnd.conf: store-final-htlc-resolutions=true)`,
    });
  }
  return problems;
}

/** Worth a log line, not a refusal. */
export function nodeWarnings(info: NodeInfo): string[] {
  const warnings: string[] = [];
  const version = parseLndVersion(info.version);
  const fixed = parseLndVersion("0.20.2");
  if (version !== undefined && fixed !== undefined && compareLndVersions(version, fixed) < 0) {
    warnings.push(
      `lnd ${info.version} may evict re-offered intercepted HTLCs after one block when their channel went on chain (lnd issue 10892, fixed in 0.20.2): upgrade when you can`,
    );
  }
  if (!info.syncedToChain) {
    warnings.push(
      `lnd is not synced to the chain (block height ${info.blockHeight}): the matcher checks expiries against this height`,
    );
  }
  return warnings;
}

/** The message the bridge refuses to start with. */
export class NodeValidationError extends Error {
  override readonly name = "NodeValidationError";
  constructor(readonly problems: readonly NodeProblem[]) {
    super(`the interceptor bridge refuses to run:\n${problems.map((p) => `  - ${p.message}`).join("\n")}`);
  }
}
