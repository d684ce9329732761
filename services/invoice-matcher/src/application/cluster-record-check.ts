// Whether an HTLC, outcome or bridge status record can come from the node it names: the matcher decides only
// records of its cluster's nodes, and an HTLC record only for a forward that lnd would hand the
// interceptor, i.e. one over that node's own virtual scid (lnmux's scheme, virtual-scid.ts).
// A record that fails is refused before any decision (no state change): the shell logs it at warn,
// counts it in ic_matcher_rejected_records_total{reason} and dead-letters it (kafka/input-record.ts),
// so its partition goes on. It is a claim nobody entitled made (a forged or misrouted record), never a business outcome.
// Pure: the cluster comes from the config, the record from the topic.
import { hexToBytes, virtualScidForNode } from "@ic/lightning-protocol";

export type RecordRefusalReason = "unknown_node" | "not_virtual_scid";

export interface RecordRefusal {
  readonly reason: RecordRefusalReason;
  /** For the warn log: names the node and the scid, nothing secret. */
  readonly message: string;
}

export interface ClusterRecordCheck {
  /** undefined when the HTLC record may be decided. */
  htlcRecord(record: { readonly nodeId: string; readonly outgoingRequestedChanId: bigint }): RecordRefusal | undefined;
  /** undefined when the outcome record may be applied. */
  outcomeRecord(record: { readonly nodeId: string }): RecordRefusal | undefined;
  /** undefined when the bridge status record (its block height) may be recorded. */
  statusRecord(record: { readonly nodeId: string }): RecordRefusal | undefined;
}

export function clusterRecordCheck(cluster: readonly { readonly name: string; readonly pubkey: string }[]): ClusterRecordCheck {
  // Config pubkeys are lowercase hex; a record must name its node the same way (the node id is
  // part of the HTLC's identity in the invoice state).
  const virtualScids = new Map(cluster.map((node) => [node.pubkey, virtualScidForNode(hexToBytes(node.pubkey))]));
  const unknownNode = (nodeId: string): RecordRefusal => ({
    reason: "unknown_node",
    message: `record names node ${nodeId.slice(0, 80)}, which is not a configured cluster node`,
  });
  return {
    htlcRecord(record) {
      const scid = virtualScids.get(record.nodeId);
      if (scid === undefined) return unknownNode(record.nodeId);
      if (record.outgoingRequestedChanId !== scid)
        return {
          reason: "not_virtual_scid",
          message: `HTLC record of node ${record.nodeId} asks for channel ${record.outgoingRequestedChanId}, not that node's virtual scid ${scid}`,
        };
      return undefined;
    },
    outcomeRecord(record) {
      return virtualScids.has(record.nodeId) ? undefined : unknownNode(record.nodeId);
    },
    statusRecord(record) {
      return virtualScids.has(record.nodeId) ? undefined : unknownNode(record.nodeId);
    },
  };
}
