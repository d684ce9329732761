// How values read on the page. Pure; amounts stay exact (decimal strings, never doubles).

/** "1500000000" msat -> "1,500,000 sat"; a remainder below a sat is kept: "1,000.5 sat". */
export function formatMsat(msat: string | null): string {
  if (msat === null) return "any amount";
  if (!/^\d+$/.test(msat)) return msat;
  const value = BigInt(msat);
  const sats = (value / 1000n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const rest = value % 1000n;
  return rest === 0n ? `${sats} sat` : `${sats}.${rest.toString().padStart(3, "0").replace(/0+$/, "")} sat`;
}

/** The first 8 and last 4 hex characters of a hash or key. */
export function shortHex(hex: string | undefined): string {
  if (hex === undefined) return "-";
  return hex.length <= 16 ? hex : `${hex.slice(0, 8)}…${hex.slice(-4)}`;
}

/** "3 s ago", "5 min ago", "2 h ago" from two times in ms. */
export function ago(atMs: number, nowMs: number): string {
  const seconds = Math.max(0, Math.round((nowMs - atMs) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

/** A number or "-" when unknown. */
export function orDash(value: number | string | undefined | null): string {
  return value === undefined || value === null ? "-" : String(value);
}
