// lnd's block counts around a held HTLC, per lnd version line: the one home of these numbers for
// the matcher's config bounds and the bridge's start-up check (docs: /work/shared DESIGN §11, lnd
// htlcswitch/interceptable_switch.go and the invoice registry).
//
// - autoFailBlocks: lnd fails a held (intercepted) HTLC by itself at incoming expiry - this
//   (the auto_fail_height it sends the interceptor).
// - interceptorMinExpiryBlocks: lnd fails an HTLC within this many blocks of its incoming expiry
//   without ever offering it to the interceptor.
// - minFinalCltvExpiryDelta: the least final CLTV delta lnd accepts in an invoice.

export interface LndHtlcTiming {
  /** First lnd version of the line, "major.minor". */
  readonly since: string;
  readonly autoFailBlocks: number;
  readonly interceptorMinExpiryBlocks: number;
  readonly minFinalCltvExpiryDelta: number;
}

export type LndTimingLine = "0.19" | "0.21";

/** 0.19 covers 0.19.x and 0.20.x; 0.21 covers 0.21 and later (until a newer line is added). */
export const LND_HTLC_TIMING: { readonly [line in LndTimingLine]: LndHtlcTiming } = {
  "0.19": { since: "0.19", autoFailBlocks: 13, interceptorMinExpiryBlocks: 16, minFinalCltvExpiryDelta: 18 },
  "0.21": { since: "0.21", autoFailBlocks: 19, interceptorMinExpiryBlocks: 22, minFinalCltvExpiryDelta: 24 },
};

/** The line whose numbers are the strictest: what a config must satisfy to run against any lnd the table knows. */
export const STRICTEST_LND_TIMING_LINE: LndTimingLine = "0.21";

/** The oldest lnd the table knows: a bridge refuses an older one. */
export const OLDEST_TIMED_LND = { major: 0, minor: 19 } as const;

/** The timing of an lnd version, or undefined when it is older than the table knows. */
export function lndHtlcTimingFor(version: { readonly major: number; readonly minor: number }): LndHtlcTiming | undefined {
  const { major, minor } = version;
  if (major > 0 || minor >= 21) return LND_HTLC_TIMING["0.21"];
  if (minor >= OLDEST_TIMED_LND.minor) return LND_HTLC_TIMING["0.19"];
  return undefined;
}
