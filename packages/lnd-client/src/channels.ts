// Channels: listing, balances, opening, and channels still pending open or close.
// Short channel ids are bigint: real ones exceed 2^53.
import { i64FromWire, i64ToWire, u64FromWire, u64ToWire } from "./uint64.ts";

export interface ListChannelsRequest {
  activeOnly?: boolean;
  inactiveOnly?: boolean;
  publicOnly?: boolean;
  privateOnly?: boolean;
  /** Compressed public key (33 bytes) of a peer to filter on. */
  peer?: Uint8Array;
}

export interface PendingHtlc {
  incoming: boolean;
  amountSat: bigint;
  hashLock: Buffer;
  expirationHeight: number;
  htlcIndex: bigint;
  forwardingChannel: bigint;
  forwardingHtlcIndex: bigint;
  lockedIn: boolean;
}

export interface Channel {
  active: boolean;
  remotePubkey: string;
  /** "txid:output_index". */
  channelPoint: string;
  chanId: bigint;
  capacitySat: bigint;
  localBalanceSat: bigint;
  remoteBalanceSat: bigint;
  commitFeeSat: bigint;
  unsettledBalanceSat: bigint;
  totalSatoshisSent: bigint;
  totalSatoshisReceived: bigint;
  numUpdates: bigint;
  pendingHtlcs: PendingHtlc[];
  private: boolean;
  initiator: boolean;
  chanStatusFlags: string;
  aliasScids: bigint[];
  zeroConf: boolean;
  zeroConfConfirmedScid: bigint;
  peerAlias: string;
  peerScidAlias: bigint;
}

export interface Amount {
  sat: bigint;
  msat: bigint;
}

export interface ChannelBalance {
  local: Amount;
  remote: Amount;
  unsettledLocal: Amount;
  unsettledRemote: Amount;
  pendingOpenLocal: Amount;
  pendingOpenRemote: Amount;
}

export interface OpenChannelRequest {
  /** Compressed public key, 33 bytes. */
  nodePubkey: Uint8Array;
  localFundingAmountSat: bigint;
  pushSat?: bigint;
  satPerVbyte?: bigint;
  targetConf?: number;
  private?: boolean;
  minHtlcMsat?: bigint;
  minConfs?: number;
  spendUnconfirmed?: boolean;
  zeroConf?: boolean;
  scidAlias?: boolean;
  /** Set to announce this base fee (0 included) instead of lnd's configured default. */
  baseFeeMsat?: bigint;
  /** Set to announce this fee rate (0 included) instead of lnd's configured default. */
  feeRatePpm?: bigint;
  memo?: string;
}

/** The funding outpoint. `fundingTxid` is the usual (display order) hex txid. */
export interface ChannelPoint {
  fundingTxid: string;
  outputIndex: number;
}

export interface PendingChannel {
  remoteNodePub: string;
  channelPoint: string;
  capacitySat: bigint;
  localBalanceSat: bigint;
  remoteBalanceSat: bigint;
  chanStatusFlags: string;
  private: boolean;
}

export interface PendingChannels {
  totalLimboBalanceSat: bigint;
  pendingOpen: {
    channel: PendingChannel | undefined;
    commitFeeSat: bigint;
    fundingExpiryBlocks: number;
    confirmationsUntilActive: number;
    confirmationHeight: number;
  }[];
  waitingClose: {
    channel: PendingChannel | undefined;
    limboBalanceSat: bigint;
    closingTxid: string;
    blocksTilCloseConfirmed: number;
  }[];
  forceClosing: {
    channel: PendingChannel | undefined;
    closingTxid: string;
    limboBalanceSat: bigint;
    maturityHeight: number;
    blocksTilMaturity: number;
    recoveredBalanceSat: bigint;
  }[];
}

// ---- wire shapes (proto-loader objects of our proto subset) ----------------------------

export interface WireListChannelsRequest {
  active_only: boolean;
  inactive_only: boolean;
  public_only: boolean;
  private_only: boolean;
  peer?: Buffer;
  peer_alias_lookup: boolean;
}

export interface WireHtlc {
  incoming: boolean;
  amount: string;
  hash_lock: Buffer;
  expiration_height: number;
  htlc_index: string;
  forwarding_channel: string;
  forwarding_htlc_index: string;
  locked_in: boolean;
}

export interface WireChannel {
  active: boolean;
  remote_pubkey: string;
  channel_point: string;
  chan_id: string;
  capacity: string;
  local_balance: string;
  remote_balance: string;
  commit_fee: string;
  unsettled_balance: string;
  total_satoshis_sent: string;
  total_satoshis_received: string;
  num_updates: string;
  pending_htlcs: WireHtlc[];
  private: boolean;
  initiator: boolean;
  chan_status_flags: string;
  alias_scids: string[];
  zero_conf: boolean;
  zero_conf_confirmed_scid: string;
  peer_alias: string;
  peer_scid_alias: string;
}

export interface WireListChannelsResponse {
  channels: WireChannel[];
}

export interface WireAmount {
  sat: string;
  msat: string;
}

export interface WireChannelBalanceResponse {
  local_balance: WireAmount | null;
  remote_balance: WireAmount | null;
  unsettled_local_balance: WireAmount | null;
  unsettled_remote_balance: WireAmount | null;
  pending_open_local_balance: WireAmount | null;
  pending_open_remote_balance: WireAmount | null;
}

export interface WireOpenChannelRequest {
  node_pubkey: Buffer;
  local_funding_amount: string;
  push_sat: string;
  sat_per_vbyte: string;
  target_conf: number;
  private: boolean;
  min_htlc_msat: string;
  min_confs: number;
  spend_unconfirmed: boolean;
  zero_conf: boolean;
  scid_alias: boolean;
  base_fee: string;
  fee_rate: string;
  use_base_fee: boolean;
  use_fee_rate: boolean;
  memo: string;
}

export interface WireChannelPoint {
  funding_txid_bytes?: Buffer;
  funding_txid_str?: string;
  funding_txid?: "funding_txid_bytes" | "funding_txid_str";
  output_index: number;
}

export interface WirePendingChannel {
  remote_node_pub: string;
  channel_point: string;
  capacity: string;
  local_balance: string;
  remote_balance: string;
  chan_status_flags: string;
  private: boolean;
}

export interface WirePendingChannelsResponse {
  total_limbo_balance: string;
  pending_open_channels: {
    channel: WirePendingChannel | null;
    commit_fee: string;
    funding_expiry_blocks: number;
    confirmations_until_active: number;
    confirmation_height: number;
  }[];
  waiting_close_channels: {
    channel: WirePendingChannel | null;
    limbo_balance: string;
    closing_txid: string;
    blocks_til_close_confirmed: number;
  }[];
  pending_force_closing_channels: {
    channel: WirePendingChannel | null;
    closing_txid: string;
    limbo_balance: string;
    maturity_height: number;
    blocks_til_maturity: number;
    recovered_balance: string;
  }[];
}

// ---- conversions -----------------------------------------------------------------------

export function listChannelsRequestToWire(request: ListChannelsRequest): WireListChannelsRequest {
  return {
    active_only: request.activeOnly ?? false,
    inactive_only: request.inactiveOnly ?? false,
    public_only: request.publicOnly ?? false,
    private_only: request.privateOnly ?? false,
    ...(request.peer === undefined ? {} : { peer: Buffer.from(request.peer) }),
    peer_alias_lookup: false,
  };
}

export function channelFromWire(wire: WireChannel): Channel {
  const field = (name: string) => `Channel.${name}`;
  return {
    active: wire.active,
    remotePubkey: wire.remote_pubkey,
    channelPoint: wire.channel_point,
    chanId: u64FromWire(wire.chan_id, field("chan_id")),
    capacitySat: i64FromWire(wire.capacity, field("capacity")),
    localBalanceSat: i64FromWire(wire.local_balance, field("local_balance")),
    remoteBalanceSat: i64FromWire(wire.remote_balance, field("remote_balance")),
    commitFeeSat: i64FromWire(wire.commit_fee, field("commit_fee")),
    unsettledBalanceSat: i64FromWire(wire.unsettled_balance, field("unsettled_balance")),
    totalSatoshisSent: i64FromWire(wire.total_satoshis_sent, field("total_satoshis_sent")),
    totalSatoshisReceived: i64FromWire(wire.total_satoshis_received, field("total_satoshis_received")),
    numUpdates: u64FromWire(wire.num_updates, field("num_updates")),
    pendingHtlcs: wire.pending_htlcs.map(pendingHtlcFromWire),
    private: wire.private,
    initiator: wire.initiator,
    chanStatusFlags: wire.chan_status_flags,
    aliasScids: wire.alias_scids.map((scid) => u64FromWire(scid, field("alias_scids"))),
    zeroConf: wire.zero_conf,
    zeroConfConfirmedScid: u64FromWire(wire.zero_conf_confirmed_scid, field("zero_conf_confirmed_scid")),
    peerAlias: wire.peer_alias,
    peerScidAlias: u64FromWire(wire.peer_scid_alias, field("peer_scid_alias")),
  };
}

function pendingHtlcFromWire(wire: WireHtlc): PendingHtlc {
  const field = (name: string) => `HTLC.${name}`;
  return {
    incoming: wire.incoming,
    amountSat: i64FromWire(wire.amount, field("amount")),
    hashLock: wire.hash_lock,
    expirationHeight: wire.expiration_height,
    htlcIndex: u64FromWire(wire.htlc_index, field("htlc_index")),
    forwardingChannel: u64FromWire(wire.forwarding_channel, field("forwarding_channel")),
    forwardingHtlcIndex: u64FromWire(wire.forwarding_htlc_index, field("forwarding_htlc_index")),
    lockedIn: wire.locked_in,
  };
}

export function channelBalanceFromWire(wire: WireChannelBalanceResponse): ChannelBalance {
  const amount = (value: WireAmount | null, name: string): Amount => ({
    sat: u64FromWire(value?.sat ?? "0", `ChannelBalanceResponse.${name}.sat`),
    msat: u64FromWire(value?.msat ?? "0", `ChannelBalanceResponse.${name}.msat`),
  });
  return {
    local: amount(wire.local_balance, "local_balance"),
    remote: amount(wire.remote_balance, "remote_balance"),
    unsettledLocal: amount(wire.unsettled_local_balance, "unsettled_local_balance"),
    unsettledRemote: amount(wire.unsettled_remote_balance, "unsettled_remote_balance"),
    pendingOpenLocal: amount(wire.pending_open_local_balance, "pending_open_local_balance"),
    pendingOpenRemote: amount(wire.pending_open_remote_balance, "pending_open_remote_balance"),
  };
}

export function openChannelRequestToWire(request: OpenChannelRequest): WireOpenChannelRequest {
  const field = (name: string) => `OpenChannelRequest.${name}`;
  return {
    node_pubkey: Buffer.from(request.nodePubkey),
    local_funding_amount: i64ToWire(request.localFundingAmountSat, field("local_funding_amount")),
    push_sat: i64ToWire(request.pushSat ?? 0n, field("push_sat")),
    sat_per_vbyte: u64ToWire(request.satPerVbyte ?? 0n, field("sat_per_vbyte")),
    target_conf: request.targetConf ?? 0,
    private: request.private ?? false,
    min_htlc_msat: i64ToWire(request.minHtlcMsat ?? 0n, field("min_htlc_msat")),
    min_confs: request.minConfs ?? 0,
    spend_unconfirmed: request.spendUnconfirmed ?? false,
    zero_conf: request.zeroConf ?? false,
    scid_alias: request.scidAlias ?? false,
    base_fee: u64ToWire(request.baseFeeMsat ?? 0n, field("base_fee")),
    fee_rate: u64ToWire(request.feeRatePpm ?? 0n, field("fee_rate")),
    use_base_fee: request.baseFeeMsat !== undefined,
    use_fee_rate: request.feeRatePpm !== undefined,
    memo: request.memo ?? "",
  };
}

export function channelPointFromWire(wire: WireChannelPoint): ChannelPoint {
  // lnd fills funding_txid_bytes in internal byte order; the display txid is its reverse.
  const fundingTxid =
    wire.funding_txid === "funding_txid_str"
      ? (wire.funding_txid_str ?? "")
      : Buffer.from(wire.funding_txid_bytes ?? [])
          .reverse()
          .toString("hex");
  return { fundingTxid, outputIndex: wire.output_index };
}

export function pendingChannelsFromWire(wire: WirePendingChannelsResponse): PendingChannels {
  const field = (name: string) => `PendingChannelsResponse.${name}`;
  return {
    totalLimboBalanceSat: i64FromWire(wire.total_limbo_balance, field("total_limbo_balance")),
    pendingOpen: wire.pending_open_channels.map((open) => ({
      channel: pendingChannelFromWire(open.channel),
      commitFeeSat: i64FromWire(open.commit_fee, field("pending_open_channels.commit_fee")),
      fundingExpiryBlocks: open.funding_expiry_blocks,
      confirmationsUntilActive: open.confirmations_until_active,
      confirmationHeight: open.confirmation_height,
    })),
    waitingClose: wire.waiting_close_channels.map((closing) => ({
      channel: pendingChannelFromWire(closing.channel),
      limboBalanceSat: i64FromWire(closing.limbo_balance, field("waiting_close_channels.limbo_balance")),
      closingTxid: closing.closing_txid,
      blocksTilCloseConfirmed: closing.blocks_til_close_confirmed,
    })),
    forceClosing: wire.pending_force_closing_channels.map((closing) => ({
      channel: pendingChannelFromWire(closing.channel),
      closingTxid: closing.closing_txid,
      limboBalanceSat: i64FromWire(
        closing.limbo_balance,
        field("pending_force_closing_channels.limbo_balance"),
      ),
      maturityHeight: closing.maturity_height,
      blocksTilMaturity: closing.blocks_til_maturity,
      recoveredBalanceSat: i64FromWire(
        closing.recovered_balance,
        field("pending_force_closing_channels.recovered_balance"),
      ),
    })),
  };
}

function pendingChannelFromWire(wire: WirePendingChannel | null): PendingChannel | undefined {
  if (wire === null) return undefined;
  const field = (name: string) => `PendingChannel.${name}`;
  return {
    remoteNodePub: wire.remote_node_pub,
    channelPoint: wire.channel_point,
    capacitySat: i64FromWire(wire.capacity, field("capacity")),
    localBalanceSat: i64FromWire(wire.local_balance, field("local_balance")),
    remoteBalanceSat: i64FromWire(wire.remote_balance, field("remote_balance")),
    chanStatusFlags: wire.chan_status_flags,
    private: wire.private,
  };
}
