// BOLT 11 amount: a decimal count of BTC, mBTC (m), uBTC (u), nBTC (n) or pBTC (p) in the
// human-readable part. 1 BTC = 10^11 msat, so m = 10^8, u = 10^5, n = 100 msat and p = 0.1 msat:
// a p amount must end in 0 to be a whole number of msat.
import { err, ok, type Result } from "../result.ts";
import { MAX_UINT64 } from "../encoding/bigsize.ts";

const MSAT_PER_UNIT: ReadonlyArray<readonly [string, bigint]> = [
  ["", 100_000_000_000n],
  ["m", 100_000_000n],
  ["u", 100_000n],
  ["n", 100n],
];

/** Shortest exact form: the largest unit that divides the amount, else pico-BTC (10 p per msat). */
export function encodeAmount(amountMsat: bigint): string {
  if (amountMsat <= 0n || amountMsat > MAX_UINT64) throw new RangeError("invoice amount must be 1 msat .. 2^64-1 msat (omit it for an amount-less invoice)");
  for (const [multiplier, msat] of MSAT_PER_UNIT) {
    if (amountMsat % msat === 0n) return `${amountMsat / msat}${multiplier}`;
  }
  return `${amountMsat * 10n}p`;
}

export type AmountError = "amount_not_a_number" | "amount_zero" | "amount_sub_msat" | "amount_too_large";

/** Reads the text after the currency prefix; "" means no amount. */
export function decodeAmount(text: string): Result<bigint | undefined, AmountError> {
  if (text === "") return ok(undefined);
  // 30 digits is far above 2^64 msat in any unit; the cap keeps BigInt parsing of hostile input cheap.
  const match = /^([0-9]{1,30})([munp]?)$/.exec(text);
  if (match === null) return err("amount_not_a_number");
  const digits = BigInt(match[1] as string);
  const multiplier = match[2] as string;
  if (digits === 0n) return err("amount_zero");
  let msat: bigint;
  if (multiplier === "p") {
    if (digits % 10n !== 0n) return err("amount_sub_msat");
    msat = digits / 10n;
  } else {
    const unit = MSAT_PER_UNIT.find(([m]) => m === multiplier);
    msat = digits * (unit?.[1] ?? 0n);
  }
  if (msat > MAX_UINT64) return err("amount_too_large");
  return ok(msat);
}
