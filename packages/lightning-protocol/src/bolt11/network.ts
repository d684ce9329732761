// BOLT 11 currency prefixes (after "ln"). bcrt and tbs are listed before bc and tb so that the
// longest prefix wins when reading a human-readable part.
export type Bolt11Network = "mainnet" | "testnet" | "signet" | "regtest";

export const BOLT11_PREFIX: Readonly<Record<Bolt11Network, string>> = {
  mainnet: "bc",
  testnet: "tb",
  signet: "tbs",
  regtest: "bcrt",
};

const BY_LONGEST_PREFIX: ReadonlyArray<readonly [string, Bolt11Network]> = [
  ["bcrt", "regtest"],
  ["tbs", "signet"],
  ["bc", "mainnet"],
  ["tb", "testnet"],
];

/** Splits "bcrt2500u" into the network and the amount text that follows its prefix. */
export function matchNetworkPrefix(currencyAndAmount: string): { network: Bolt11Network; rest: string } | null {
  for (const [prefix, network] of BY_LONGEST_PREFIX) {
    if (!currencyAndAmount.startsWith(prefix)) continue;
    const rest = currencyAndAmount.slice(prefix.length);
    // "tbs" must not be read as testnet + amount "s...": an amount always starts with a digit.
    if (rest === "" || /^[0-9]/.test(rest)) return { network, rest };
  }
  return null;
}
