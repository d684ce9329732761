// Settings of the decider. Validated once at startup so a bad value fails loudly there rather
// than as a wrong money decision later.

export type VirtualHopPolicy = {
  // The fee and CLTV delta advertised in the route hints (cluster node -> virtual node). lnd does
  // not enforce them on the virtual hop, so the matcher does.
  readonly feeBaseMsat: bigint;
  readonly feeProportionalMillionths: bigint;
  readonly cltvExpiryDelta: number;
};

export type MatcherConfig = {
  // How long an HTLC of an incomplete MPP set is held, counted from its own arrival.
  readonly mppTimeoutMs: number;
  // How long a complete set of a hold invoice waits for the application to settle or cancel.
  readonly acceptTimeoutMs: number;
  readonly virtualHopPolicy: VirtualHopPolicy;
  // Hold invoices: blocks kept between the current height and the earliest auto_fail_height of a
  // held part. Within it SettleInvoice is refused and the matcher cancels the set itself, so the
  // preimage never leaves for a set lnd may already be failing part of.
  readonly holdSafetyMarginBlocks: number;
};

export type MatcherConfigInput = {
  readonly mppTimeoutMs?: number;
  readonly acceptTimeoutMs?: number;
  readonly virtualHopPolicy?: Partial<VirtualHopPolicy>;
  readonly holdSafetyMarginBlocks?: number;
};

// A settle decided at height h may reach lnd a block or two later (Kafka, the bridge, a block
// found meanwhile): fewer than 3 blocks of margin is not safe.
export const MIN_HOLD_SAFETY_MARGIN_BLOCKS = 3;

// BOLT 4: the final node "SHOULD wait for at least 60 seconds after the initial HTLC" before
// failing an incomplete set (lnmux used 30 s; that is a gap we do not copy).
export const MIN_MPP_TIMEOUT_MS = 60_000;

export const DEFAULT_MATCHER_CONFIG: MatcherConfig = {
  mppTimeoutMs: 120_000,
  // lnmux's value.
  acceptTimeoutMs: 60_000,
  // lnmux's default route-hint policy: free, 40 blocks.
  virtualHopPolicy: { feeBaseMsat: 0n, feeProportionalMillionths: 0n, cltvExpiryDelta: 40 },
  holdSafetyMarginBlocks: MIN_HOLD_SAFETY_MARGIN_BLOCKS,
};

export class MatcherConfigError extends Error {
  override readonly name = "MatcherConfigError";
}

const UINT32_MAX = 0xffffffffn;

export const validateMatcherConfig = (input: MatcherConfigInput = {}): MatcherConfig => {
  const mppTimeoutMs = input.mppTimeoutMs ?? DEFAULT_MATCHER_CONFIG.mppTimeoutMs;
  if (!Number.isSafeInteger(mppTimeoutMs) || mppTimeoutMs < MIN_MPP_TIMEOUT_MS)
    throw new MatcherConfigError(
      `mppTimeoutMs must be an integer >= ${MIN_MPP_TIMEOUT_MS} (BOLT 4: wait at least 60 s for the rest of an MPP set), got ${mppTimeoutMs}`,
    );

  const acceptTimeoutMs = input.acceptTimeoutMs ?? DEFAULT_MATCHER_CONFIG.acceptTimeoutMs;
  if (!Number.isSafeInteger(acceptTimeoutMs) || acceptTimeoutMs <= 0)
    throw new MatcherConfigError(`acceptTimeoutMs must be a positive integer, got ${acceptTimeoutMs}`);

  const defaults = DEFAULT_MATCHER_CONFIG.virtualHopPolicy;
  const feeBaseMsat = input.virtualHopPolicy?.feeBaseMsat ?? defaults.feeBaseMsat;
  const feeProportionalMillionths = input.virtualHopPolicy?.feeProportionalMillionths ?? defaults.feeProportionalMillionths;
  const cltvExpiryDelta = input.virtualHopPolicy?.cltvExpiryDelta ?? defaults.cltvExpiryDelta;
  // Route hints carry these as u32 fee_base_msat, u32 fee_proportional_millionths, u16 delta (BOLT 11 `r`).
  if (typeof feeBaseMsat !== "bigint" || feeBaseMsat < 0n || feeBaseMsat > UINT32_MAX)
    throw new MatcherConfigError(`virtualHopPolicy.feeBaseMsat must be a bigint in 0..2^32-1, got ${String(feeBaseMsat)}`);
  if (typeof feeProportionalMillionths !== "bigint" || feeProportionalMillionths < 0n || feeProportionalMillionths > UINT32_MAX)
    throw new MatcherConfigError(
      `virtualHopPolicy.feeProportionalMillionths must be a bigint in 0..2^32-1, got ${String(feeProportionalMillionths)}`,
    );
  if (!Number.isInteger(cltvExpiryDelta) || cltvExpiryDelta < 0 || cltvExpiryDelta > 0xffff)
    throw new MatcherConfigError(`virtualHopPolicy.cltvExpiryDelta must be an integer in 0..65535, got ${cltvExpiryDelta}`);

  const holdSafetyMarginBlocks = input.holdSafetyMarginBlocks ?? DEFAULT_MATCHER_CONFIG.holdSafetyMarginBlocks;
  if (!Number.isInteger(holdSafetyMarginBlocks) || holdSafetyMarginBlocks < MIN_HOLD_SAFETY_MARGIN_BLOCKS || holdSafetyMarginBlocks > 1000)
    throw new MatcherConfigError(
      `holdSafetyMarginBlocks must be an integer in ${MIN_HOLD_SAFETY_MARGIN_BLOCKS}..1000 (blocks kept before a held part's auto-fail height), got ${holdSafetyMarginBlocks}`,
    );

  return { mppTimeoutMs, acceptTimeoutMs, virtualHopPolicy: { feeBaseMsat, feeProportionalMillionths, cltvExpiryDelta }, holdSafetyMarginBlocks };
};
