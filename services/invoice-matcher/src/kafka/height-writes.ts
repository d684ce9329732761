// Which HTLC block heights are worth a write to bridge_heartbeats. Every intercepted HTLC carries
// its node's block height, and the matcher raises the node's recorded height from it (the ticker
// and invoice creation read it); the write only ever raises it (greatest(...)), so a height no
// higher than one this process already wrote for the node changes nothing, and skipping it saves
// a statement and a commit per HTLC. The node's liveness time is refreshed by its bridge's status
// records (every block and every status interval) either way.
export class HeightWrites {
  private readonly written = new Map<string, number>();

  /** True when `height` is above every height written for the node by this process so far. */
  raises(nodeId: string, height: number): boolean {
    return height > (this.written.get(nodeId) ?? -1);
  }

  /** After a successful write (a failed one fails its HTLC record, before its decision: retried with it). */
  wrote(nodeId: string, height: number): void {
    if (this.raises(nodeId, height)) this.written.set(nodeId, height);
  }
}
