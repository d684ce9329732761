// An HTLC is identified by the lnd node that holds it and lnd's incoming circuit key on that
// node. Circuit keys are only unique per node: two nodes of the cluster can both hold
// (chan 7, htlc 0), so the node pubkey is part of the identity.
export type HtlcKey = {
  readonly nodeId: string;
  readonly chanId: bigint;
  readonly htlcId: bigint;
};

// A string form usable as a Map key and in JSON; injective because a pubkey hex never holds ":".
export type HtlcKeyId = string;

export const htlcKeyId = (key: HtlcKey): HtlcKeyId => `${key.nodeId}:${key.chanId}:${key.htlcId}`;

export const sameHtlcKey = (a: HtlcKey, b: HtlcKey): boolean =>
  a.nodeId === b.nodeId && a.chanId === b.chanId && a.htlcId === b.htlcId;
