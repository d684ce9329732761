// The services as the tests and the chaos run start them: each its own process, `node --import
// tsx <entry> --config <file>` (one process, not the tsx launcher's two, so SIGKILL kills the
// service itself), logging pino JSON lines to a file. And the matcher set-up the fail-over tests
// share: made-up cluster nodes a and b, a fresh coordinator key, seed and API token.
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { openSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testCredentialsFiles } from "@ic/event-log/testing";
import { bytesToHex, loadSecp256k1Backend } from "@ic/lightning-protocol";
import { connectInvoiceApi, type InvoiceApiClient } from "@ic/invoice-api-client";
import { parseMatcherConfig, type MatcherServiceConfig } from "../../services/invoice-matcher/src/config.ts";
import { freePort } from "./free-port.ts";
import type { StackConfig } from "./stack-config.ts";
import { waitUntil } from "./wait-until.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Writes the config to <dir>/<name>.json and starts the service, appending to <dir>/<name>.log. */
export function spawnService(opts: { dir: string; name: string; entry: string; config: unknown; env?: Record<string, string> }): { child: ChildProcess; log: string } {
  const file = path.join(opts.dir, `${opts.name}.json`);
  writeFileSync(file, JSON.stringify(opts.config, null, 2));
  const log = path.join(opts.dir, `${opts.name}.log`);
  const out = openSync(log, "a");
  const child = spawn(process.execPath, ["--import", "tsx", opts.entry, "--config", file], {
    cwd: repo,
    env: { ...process.env, LOG_LEVEL: "info", ...opts.env },
    stdio: ["ignore", out, out],
  });
  return { child, log };
}

/** Resolves once the process has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once("exit", () => resolve()));
}

export interface MatcherSetup {
  readonly nodes: { readonly a: string; readonly b: string };
  readonly nodeKey: Buffer;
  readonly seed: string;
  readonly token: string;
  /** The config file's contents (no secrets: those go in `env`). */
  readonly raw: Record<string, unknown>;
  /** The same, parsed as the matcher will (topics, group id). */
  readonly config: MatcherServiceConfig;
  readonly env: Record<string, string>;
}

/** A matcher on the stack's Kafka (as the matcher principal) and Postgres, for made-up nodes a and b. */
export function matcherSetup(stack: StackConfig, opts: { deployment: string; dbSchema: string; extra?: Record<string, unknown> }): MatcherSetup {
  const backend = loadSecp256k1Backend().backend;
  const nodes = { a: bytesToHex(backend.publicKeyCreate(randomBytes(32))), b: bytesToHex(backend.publicKeyCreate(randomBytes(32))) };
  const nodeKey = randomBytes(32);
  const seed = randomBytes(32).toString("hex");
  const token = randomBytes(24).toString("hex");
  const raw: Record<string, unknown> = {
    network: "regtest",
    postgresUrl: stack.postgresUrl,
    dbSchema: opts.dbSchema,
    deployment: opts.deployment,
    kafka: { brokers: stack.kafkaBrokers, clientId: opts.deployment, credentialsFile: testCredentialsFiles().matcher },
    cluster: [
      { name: "a", pubkey: nodes.a },
      { name: "b", pubkey: nodes.b },
    ],
    virtualHopPolicy: { feeBaseMsat: 0, feeProportionalMillionths: 0, cltvExpiryDelta: 40 },
    ...opts.extra,
  };
  const config = parseMatcherConfig({ ...raw, nodeKey: nodeKey.toString("hex"), preimageSeed: seed, api: { ...(raw.api as object | undefined), authToken: token } });
  const env = { IC_MATCHER_NODE_KEY: nodeKey.toString("hex"), IC_MATCHER_PREIMAGE_SEED: seed, IC_MATCHER_API_TOKEN: token };
  return { nodes, nodeKey, seed, token, raw, config, env };
}

/** Starts a matcher process of the set-up on its own API port and waits until its API answers. */
export async function startMatcherProcess(setup: MatcherSetup, opts: { dir: string; name: string; extra?: Record<string, unknown> }): Promise<{ child: ChildProcess; api: InvoiceApiClient; log: string }> {
  const apiPort = await freePort();
  const { child, log } = spawnService({
    dir: opts.dir,
    name: opts.name,
    entry: "services/invoice-matcher/src/main.ts",
    config: { ...setup.raw, ...opts.extra, api: { listen: `127.0.0.1:${apiPort}` } },
    env: setup.env,
  });
  const api = connectInvoiceApi(`127.0.0.1:${apiPort}`, setup.token);
  await waitUntil(`${opts.name} answering its API`, () => api.getInfo().then(() => true, () => undefined), { timeoutMs: 90_000, intervalMs: 250 });
  return { child, api, log };
}
