// On-chain wallet: balances (satoshis) and receive addresses, used to fund channels.
import { i64FromWire } from "./uint64.ts";

export interface WalletBalance {
  totalSat: bigint;
  confirmedSat: bigint;
  unconfirmedSat: bigint;
  lockedSat: bigint;
  /** Kept back by lnd to fee-bump anchor channels; not spendable on channel opens. */
  reservedForAnchorsSat: bigint;
}

export type AddressType =
  | "WITNESS_PUBKEY_HASH"
  | "NESTED_PUBKEY_HASH"
  | "UNUSED_WITNESS_PUBKEY_HASH"
  | "UNUSED_NESTED_PUBKEY_HASH"
  | "TAPROOT_PUBKEY"
  | "UNUSED_TAPROOT_PUBKEY";

export interface WireWalletBalanceResponse {
  total_balance: string;
  confirmed_balance: string;
  unconfirmed_balance: string;
  locked_balance: string;
  reserved_balance_anchor_chan: string;
}

export function walletBalanceFromWire(wire: WireWalletBalanceResponse): WalletBalance {
  const field = (name: string) => `WalletBalanceResponse.${name}`;
  return {
    totalSat: i64FromWire(wire.total_balance, field("total_balance")),
    confirmedSat: i64FromWire(wire.confirmed_balance, field("confirmed_balance")),
    unconfirmedSat: i64FromWire(wire.unconfirmed_balance, field("unconfirmed_balance")),
    lockedSat: i64FromWire(wire.locked_balance, field("locked_balance")),
    reservedForAnchorsSat: i64FromWire(
      wire.reserved_balance_anchor_chan,
      field("reserved_balance_anchor_chan"),
    ),
  };
}
