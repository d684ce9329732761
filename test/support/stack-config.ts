// The generated description of the running stack (written by `infra/stack up`).
import { readFileSync, existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export interface StackNode {
  name: string;
  role: "payer" | "cluster";
  grpcAddress: string;
  p2pAddress: string;
  tlsCertPath: string;
  macaroonPath: string;
  pubkey: string;
  lndDir: string;
  pidFile: string;
}

export interface StackConfig {
  runDir: string;
  postgresUrl: string;
  /** The schema registry's Confluent-compatible API (infra/scripts/schema-registry.sh): every service's schemaRegistryUrl. */
  schemaRegistryUrl: string;
  kafkaBrokers: string[];
  /** Credentials file (JSON {username, password, mechanism}) of each Kafka principal. */
  kafkaCredentials: {
    admin: string;
    matcher: string;
    public: string;
    bridges: Record<"alpha" | "bravo", string>;
    /** The operator console's principal (DESCRIBE only, for consumer lag); absent in a stack.json from before it existed. */
    operatorConsole?: string;
    /** The webhook relay's principal (READ of the invoice events, WRITE of its dead letters); absent in an older stack.json. */
    webhookRelay?: string;
  };
  /** Benchmarks only: the broker's unauthenticated listener, when Kafka was started with IC_KAFKA_OPEN_PORT. */
  kafkaOpenBrokers?: string[];
  /** The embedded deployment's name (topics, groups, ACL prefixes): "ic". */
  kafkaDeployment: string;
  cluster: {
    network: "regtest";
    lndVersion: string;
    binDir: string;
    channelCapacitySat: number;
    btcd: { rpcAddress: string; rpcCertPath: string; rpcUser: string; rpcPass: string };
    nodes: Record<"payer" | "alpha" | "bravo", StackNode>;
  };
}

/** The operator console's credentials file; fails clearly on a stack.json written before that principal existed. */
export function operatorConsoleCredentials(stack: StackConfig): string {
  const file = stack.kafkaCredentials.operatorConsole;
  if (file === undefined) throw new Error("the stack config names no kafkaCredentials.operatorConsole: bring the stack up again with 'infra/stack up' (it adds the principal without a restart)");
  return file;
}

/** The webhook relay's credentials file; fails clearly on a stack.json written before that principal existed. */
export function webhookRelayCredentials(stack: StackConfig): string {
  const file = stack.kafkaCredentials.webhookRelay;
  if (file === undefined) throw new Error("the stack config names no kafkaCredentials.webhookRelay: bring the stack up again with 'infra/stack up'");
  return file;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function loadStackConfig(): StackConfig {
  const file = process.env.IC_STACK_CONFIG ?? path.join(repoRoot, ".run/stack.json");
  if (!existsSync(file)) {
    throw new Error(`no stack config at ${file}: bring the stack up first with 'infra/stack up'`);
  }
  return JSON.parse(readFileSync(file, "utf8")) as StackConfig;
}
