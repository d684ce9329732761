// Typed lnd clients for the stack's nodes (payer, alpha, bravo).
import { connectLnd, type LndClient } from "@ic/lnd-client";
import type { StackConfig, StackNode } from "./stack-config.ts";

export type NodeName = "payer" | "alpha" | "bravo";
export type StackClients = Record<NodeName, LndClient> & { closeAll(): void };

export function connectNode(node: StackNode): Promise<LndClient> {
  return connectLnd({ grpcAddress: node.grpcAddress, tlsCertPath: node.tlsCertPath, macaroonPath: node.macaroonPath });
}

export async function connectAll(stack: StackConfig): Promise<StackClients> {
  const { payer, alpha, bravo } = stack.cluster.nodes;
  const [p, a, b] = await Promise.all([connectNode(payer), connectNode(alpha), connectNode(bravo)]);
  const clients = { payer: p, alpha: a, bravo: b };
  return { ...clients, closeAll: () => Object.values(clients).forEach((c) => c.close()) };
}
