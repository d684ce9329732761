// The coordinator as separate containers (infra/containers): the matcher (+ invoice API) and one
// bridge per cluster node, each its own Podman container from the images build-images.sh made,
// with host networking (the stack listens on 127.0.0.1 only; a container on Podman's bridge
// network would not reach it). Config is a mounted read-only file, secrets come from the
// environment (matcher keys, API token) or mounted read-only files (Kafka credentials, lnd's
// TLS cert and macaroon) copied for the images' user (uid 1000). The containers run with
// --init (catatonit: SIGTERM reaches node), a read-only root file system and restart=always.
// Every config names the stack's schema registry. Optionally the operator console (its page on
// loopback, the API token from the environment) and the webhook relay (the public invoice events
// to one endpoint, its HMAC secret from the environment) as containers of their own.
// Used by the demo (--containers) and the container e2e test. The engine-level helpers (build,
// inspect, crash, logs) also drive Docker (infra/containers/docker.sh): the compose-on-Docker test.
import { execFile } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { connectInvoiceApi, type InvoiceApiClient } from "@ic/invoice-api-client";
import { runAllSteps } from "./run-all-steps.ts";
import { secretEnvNameFor } from "../../services/webhook-relay/src/config.ts";
import { operatorConsoleCredentials, webhookRelayCredentials, type StackConfig } from "./stack-config.ts";
import { waitUntil } from "./wait-until.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);
/** The images' user: mounted files must be readable by it. */
const IMAGE_UID = 1000;
const IMAGE_PREFIX = process.env.IC_IMAGE_PREFIX ?? "localhost/invoice-coordinator";

/**
 * The engines the project's scripts drive: Podman (infra/containers/podman.sh, the default) and
 * Docker's own engine (infra/containers/docker.sh docker: the project's dockerd and its plugins).
 */
export type ContainerEngine = "podman" | "docker";
const engineCommandLine: Record<ContainerEngine, string[]> = {
  podman: [path.join(repo, "infra/containers/podman.sh")],
  docker: [path.join(repo, "infra/containers/docker.sh"), "docker"],
};

/** A command of the engine with the project's settings and extra environment; throws with its stderr. */
export async function engineCommand(
  engine: ContainerEngine,
  env: Record<string, string>,
  ...args: string[]
): Promise<string> {
  try {
    const { stdout } = await run("bash", [...engineCommandLine[engine], ...args], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, ...env },
    });
    return stdout.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`${engine} ${args[0]} failed: ${stderr || (error as Error).message}`);
  }
}

/** podman with the project's settings (infra/containers/podman.sh); throws with podman's stderr. */
export function podman(...args: string[]): Promise<string> {
  return engineCommand("podman", {}, ...args);
}

/** podman with extra environment: `--env NAME` (no value) hands a secret to a container without putting it on a command line. */
export function podmanWithEnv(env: Record<string, string>, ...args: string[]): Promise<string> {
  return engineCommand("podman", env, ...args);
}

/** A container's output, stdout and stderr (the engine's logs split them as the container wrote them). */
export async function containerLogs(name: string, tail?: number, engine: ContainerEngine = "podman"): Promise<string> {
  try {
    const { stdout, stderr } = await run(
      "bash",
      [...engineCommandLine[engine], "logs", ...(tail === undefined ? [] : ["--tail", String(tail)]), name],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    return `${stdout}${stderr}`.trim();
  } catch (error) {
    return `(no logs of ${name}: ${(error as Error).message})`;
  }
}

/**
 * Builds the service images (cached: only what changed since the last build) with the engine
 * (build-images.sh; IC_CONTAINER_ENGINE=docker for Docker). Fails with build-images.sh's message:
 * the engine missing and not installable, no base image, a failed step.
 */
export async function buildImages(engine: ContainerEngine = "podman", services: string[] = []): Promise<string[]> {
  try {
    const { stdout } = await run("bash", [path.join(repo, "infra/containers/build-images.sh"), ...services], {
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, IC_CONTAINER_ENGINE: engine },
    });
    return stdout.trim().split("\n");
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").slice(-15).join("\n");
    throw new Error(
      `building the service images with ${engine} failed (infra/containers/build-images.sh):\n${stderr || (error as Error).message}`,
    );
  }
}

/** The coordinator's containers: the matcher and one bridge per cluster node. */
export type ContainerRole = "matcher" | "alpha" | "bravo";
/** With the operator console and the webhook relay, when asked for (ContainerOptions.console, .webhooks). */
export type OptionalContainerRole = "console" | "relay";
export type AnyContainerRole = ContainerRole | OptionalContainerRole;
type StoppedContainer = ContainerState & { stopMs: number };

export interface ContainerState {
  name: string;
  image: string;
  status: string;
  restarts: number;
  exitCode: number;
  pid: number;
}

/** A container's state as the engine reports it (Podman and Docker name the image differently). */
export async function containerState(engine: ContainerEngine, name: string): Promise<ContainerState> {
  const image = engine === "podman" ? "{{.ImageName}}" : "{{.Config.Image}}";
  const [status, restarts, exitCode, pid, imageName] = (
    await engineCommand(
      engine,
      {},
      "inspect",
      "--format",
      `{{.State.Status}}|{{.RestartCount}}|{{.State.ExitCode}}|{{.State.Pid}}|${image}`,
      name,
    )
  ).split("|");
  return {
    name,
    image: imageName ?? "",
    status: status ?? "",
    restarts: Number(restarts),
    exitCode: Number(exitCode),
    pid: Number(pid),
  };
}

/**
 * Kills the container's processes from the host (SIGKILL to its init), as a crash would (the
 * engine's own `kill` may count as a stop by the user, after which no policy restarts it).
 * Resolves once the engine's restart policy has started it again.
 */
export async function crashContainer(engine: ContainerEngine, name: string): Promise<ContainerState> {
  const before = await containerState(engine, name);
  if (before.status !== "running" || before.pid <= 0) throw new Error(`${name} is not running (${before.status})`);
  process.kill(before.pid, "SIGKILL");
  return waitUntil(
    `the restart policy to start ${name} again`,
    async () => {
      const after = await containerState(engine, name);
      return after.restarts > before.restarts && after.status === "running" && after.pid !== before.pid
        ? after
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
}

export interface CoordinatorContainers {
  /** The containers started (console and relay only when asked for). */
  readonly names: Record<ContainerRole, string> & Partial<Record<OptionalContainerRole, string>>;
  readonly api: InvoiceApiClient;
  readonly apiAddress: string;
  /** The console's page, when it was started: http://127.0.0.1:<port>. */
  readonly consoleUrl: string | undefined;
  /** When each container first reported healthy (ms since the start of `start`), for the demo's story. */
  readonly readyAfterMs: Record<ContainerRole, number> & Partial<Record<OptionalContainerRole, number>>;
  /** Runs the image's HEALTHCHECK now (Podman schedules it only with systemd): true when healthy. */
  healthy(role: AnyContainerRole): Promise<boolean>;
  waitHealthy(role: AnyContainerRole, timeoutMs?: number): Promise<number>;
  state(role: AnyContainerRole): Promise<ContainerState>;
  /**
   * Kills the container's processes from the host (SIGKILL to its init), as a crash would:
   * `podman kill` counts as stopped by the user and Podman would not restart the container.
   * Resolves once the restart policy has started it again.
   */
  crash(role: ContainerRole): Promise<ContainerState>;
  /** podman stop (SIGTERM, then SIGKILL after 10 s), logs saved to .run/logs, containers removed. Returns each one's exit state. */
  stop(): Promise<Record<ContainerRole, StoppedContainer> & Partial<Record<OptionalContainerRole, StoppedContainer>>>;
}

export interface ContainerOptions {
  /** Container names start with it; containers of an earlier run with these names are removed first. */
  namePrefix: string;
  deployment: string;
  dbSchema: string;
  secrets: { nodeKey: string; preimageSeed: string; apiToken: string };
  apiPort: number;
  /** /metrics and /readyz of matcher, alpha, bravo (127.0.0.1). */
  metricsPorts: Record<ContainerRole, number>;
  logLevel?: string;
  /** Extra label on every container (tests clean up leftovers of an interrupted run by it). */
  label?: string;
  /**
   * Also run the operator console's image: its page on 127.0.0.1:<port>, polling the API, the
   * three containers' metrics and Kafka (consumer lag, as its own principal operator-console).
   */
  console?: { port: number };
  /**
   * Also run the webhook relay's image: the deployment's public invoice events (from the start of
   * the topic) POSTed, signed, to one endpoint; its Kafka principal webhook-relay, its secret by
   * environment (IC_WEBHOOK_SECRET_<NAME>), /readyz on 127.0.0.1:<metricsPort>.
   */
  webhooks?: { metricsPort: number; endpoint: { name: string; url: string; secret: string } };
}

/** Removes containers with the label (left by an interrupted run: with restart=always they would go on holding lnd's interceptors). */
export async function removeContainersLabelled(label: string): Promise<string[]> {
  const names = (await podman("ps", "-a", "--filter", `label=${label}`, "--format", "{{.Names}}"))
    .split("\n")
    .filter((n) => n !== "");
  if (names.length > 0) await podman("rm", "-f", "-t", "5", ...names);
  return names;
}

export async function startCoordinatorContainers(
  stack: StackConfig,
  options: ContainerOptions,
): Promise<CoordinatorContainers> {
  const started = Date.now();
  const dir = path.join(stack.runDir, "containers", options.namePrefix);
  const { alpha, bravo } = stack.cluster.nodes;
  const names: Record<ContainerRole, string> & Partial<Record<OptionalContainerRole, string>> = {
    matcher: `${options.namePrefix}-matcher`,
    alpha: `${options.namePrefix}-bridge-alpha`,
    bravo: `${options.namePrefix}-bridge-bravo`,
    ...(options.console === undefined ? {} : { console: `${options.namePrefix}-console` }),
    ...(options.webhooks === undefined ? {} : { relay: `${options.namePrefix}-webhook-relay` }),
  };
  const roles = Object.keys(names) as AnyContainerRole[];
  const nameOf = (role: AnyContainerRole): string => {
    const name = names[role];
    if (name === undefined) throw new Error(`no ${role} container: startCoordinatorContainers was not asked for it`);
    return name;
  };
  const apiAddress = `127.0.0.1:${options.apiPort}`;
  const consoleUrl = options.console === undefined ? undefined : `http://127.0.0.1:${options.console.port}`;
  await podman("rm", "-f", "--ignore", ...Object.values(names));
  rmSync(dir, { recursive: true, force: true });

  // Per container: config/ (the JSON file) and secrets/ (copies readable by the image's user only), both mounted read-only.
  const configFileName: Record<AnyContainerRole, string> = {
    matcher: "matcher.json",
    alpha: "bridge.json",
    bravo: "bridge.json",
    console: "console.json",
    relay: "relay.json",
  };
  const mountsFor = (role: AnyContainerRole, config: unknown, secretFiles: Record<string, string>): string[] => {
    const configDir = path.join(dir, role, "config");
    const secretsDir = path.join(dir, role, "secrets");
    mkdirSync(configDir, { recursive: true });
    mkdirSync(secretsDir, { recursive: true });
    const configFile = path.join(configDir, configFileName[role]);
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    for (const [name, source] of Object.entries(secretFiles)) {
      const target = path.join(secretsDir, name);
      copyFileSync(source, target);
      chownSync(target, IMAGE_UID, IMAGE_UID);
      chmodSync(target, 0o400);
    }
    chownSync(secretsDir, IMAGE_UID, IMAGE_UID);
    chmodSync(secretsDir, 0o500);
    return ["-v", `${configDir}:/config:ro`, "-v", `${secretsDir}:/secrets:ro`];
  };
  const common = (role: AnyContainerRole): string[] => [
    "run",
    "--detach",
    "--name",
    nameOf(role),
    "--network",
    "host",
    "--init",
    "--read-only",
    "--restart",
    "always",
    "--label",
    `io.invoice-coordinator.role=${role}`,
    ...(options.label === undefined ? [] : ["--label", options.label]),
    "--env",
    `LOG_LEVEL=${options.logLevel ?? "info"}`,
  ];

  const cluster = [alpha, bravo].map((n) => ({ name: n.name, pubkey: n.pubkey }));
  const matcherArgs = [
    ...common("matcher"),
    ...mountsFor(
      "matcher",
      {
        network: "regtest",
        postgresUrl: stack.postgresUrl,
        dbSchema: options.dbSchema,
        deployment: options.deployment,
        schemaRegistryUrl: stack.schemaRegistryUrl,
        kafka: { brokers: stack.kafkaBrokers, credentialsFile: "/secrets/kafka.json" },
        cluster,
        virtualHopPolicy: { feeBaseMsat: 1000, feeProportionalMillionths: 100, cltvExpiryDelta: 40 },
        api: { listen: apiAddress },
      },
      { "kafka.json": stack.kafkaCredentials.matcher },
    ),
    // Probes on loopback: with host networking 0.0.0.0 would be every interface of the host.
    "--env",
    `IC_MATCHER_METRICS_PORT=${options.metricsPorts.matcher}`,
    "--env",
    "IC_MATCHER_METRICS_HOST=127.0.0.1",
    // Secrets by name only: podman takes the values from its own environment (not on a command line).
    "--env",
    "IC_MATCHER_NODE_KEY",
    "--env",
    "IC_MATCHER_PREIMAGE_SEED",
    "--env",
    "IC_MATCHER_API_TOKEN",
    `${IMAGE_PREFIX}/invoice-matcher:latest`,
  ];
  const bridgeArgs = (node: typeof alpha, role: "alpha" | "bravo"): string[] => [
    ...common(role),
    ...mountsFor(
      role,
      {
        nodeName: node.name,
        lnd: {
          grpcAddress: node.grpcAddress,
          tlsCertPath: "/secrets/tls.cert",
          macaroonPath: "/secrets/admin.macaroon",
        },
        expectedPubkey: node.pubkey,
        network: "regtest",
        deployment: options.deployment,
        schemaRegistryUrl: stack.schemaRegistryUrl,
        kafka: { brokers: stack.kafkaBrokers, credentialsFile: "/secrets/kafka.json" },
      },
      {
        "kafka.json": stack.kafkaCredentials.bridges[role],
        "tls.cert": node.tlsCertPath,
        "admin.macaroon": node.macaroonPath,
      },
    ),
    "--env",
    `IC_BRIDGE_METRICS_PORT=${options.metricsPorts[role]}`,
    "--env",
    "IC_BRIDGE_METRICS_HOST=127.0.0.1",
    `${IMAGE_PREFIX}/interceptor-bridge:latest`,
  ];

  const metricsUrl = (role: ContainerRole): string => `http://127.0.0.1:${options.metricsPorts[role]}/metrics`;
  const consoleArgs = (port: number): string[] => [
    ...common("console"),
    ...mountsFor(
      "console",
      {
        listen: `127.0.0.1:${port}`,
        api: { address: apiAddress },
        deployment: options.deployment,
        bridges: [
          { node: alpha.name, metricsUrl: metricsUrl("alpha") },
          { node: bravo.name, metricsUrl: metricsUrl("bravo") },
        ],
        matchers: [{ name: "matcher", metricsUrl: metricsUrl("matcher") }],
        kafka: { brokers: stack.kafkaBrokers, credentialsFile: "/secrets/kafka.json" },
        pollIntervalMs: 500,
        logLevel: options.logLevel ?? "info",
      },
      // Its own principal: DESCRIBE only (groups and offsets, no record read or written).
      { "kafka.json": operatorConsoleCredentials(stack) },
    ),
    // The invoice API's token, by name only (the console calls the API with it; operators sign in with it).
    "--env",
    "IC_CONSOLE_API_AUTH_TOKEN",
    `${IMAGE_PREFIX}/operator-console:latest`,
  ];

  const relayArgs = (webhooks: NonNullable<ContainerOptions["webhooks"]>): string[] => [
    ...common("relay"),
    ...mountsFor(
      "relay",
      {
        deployment: options.deployment,
        schemaRegistryUrl: stack.schemaRegistryUrl,
        kafka: { brokers: stack.kafkaBrokers, credentialsFile: "/secrets/kafka.json" },
        startFrom: "earliest",
        endpoints: [{ name: webhooks.endpoint.name, url: webhooks.endpoint.url }],
        logLevel: options.logLevel ?? "info",
      },
      // Its own principal: READ of the invoice events, WRITE of its dead-letter topic.
      { "kafka.json": webhookRelayCredentials(stack) },
    ),
    "--env",
    `IC_WEBHOOK_METRICS_PORT=${webhooks.metricsPort}`,
    "--env",
    "IC_WEBHOOK_METRICS_HOST=127.0.0.1",
    // The endpoint's HMAC secret, by name only.
    "--env",
    secretEnvNameFor(webhooks.endpoint.name),
    `${IMAGE_PREFIX}/webhook-relay:latest`,
  ];

  const secretEnv: Record<string, string> = {
    IC_MATCHER_NODE_KEY: options.secrets.nodeKey,
    IC_MATCHER_PREIMAGE_SEED: options.secrets.preimageSeed,
    IC_MATCHER_API_TOKEN: options.secrets.apiToken,
    IC_CONSOLE_API_AUTH_TOKEN: options.secrets.apiToken,
    ...(options.webhooks === undefined
      ? {}
      : { [secretEnvNameFor(options.webhooks.endpoint.name)]: options.webhooks.endpoint.secret }),
  };
  const runWithSecrets = (args: string[]): Promise<string> => podmanWithEnv(secretEnv, ...args);

  const state = (role: AnyContainerRole): Promise<ContainerState> => containerState("podman", nameOf(role));
  const healthy = async (role: AnyContainerRole): Promise<boolean> =>
    podman("healthcheck", "run", nameOf(role)).then(
      () => true,
      () => false,
    );
  const waitHealthy = async (role: AnyContainerRole, timeoutMs = 120_000): Promise<number> => {
    // A container that keeps exiting (bad config, a module missing) is restarted by the policy:
    // that ends the wait at once with its last lines, rather than at the timeout.
    let crashLoop: string | undefined;
    await waitUntil(
      `container ${nameOf(role)} healthy (its HEALTHCHECK)`,
      async () => {
        if (await healthy(role)) return true;
        const s = await state(role);
        if (s.status !== "exited" && s.restarts <= 3) return undefined;
        crashLoop = `${nameOf(role)} ${s.status}, exit code ${s.exitCode}, ${s.restarts} restarts; its last lines:\n${await containerLogs(nameOf(role), 8)}`;
        return true;
      },
      { timeoutMs, intervalMs: 250 },
    );
    if (crashLoop !== undefined) throw new Error(crashLoop);
    return Date.now() - started;
  };

  const api = connectInvoiceApi(apiAddress, options.secrets.apiToken);
  const logsDir = path.join(stack.runDir, "logs");
  type Stopped = Record<ContainerRole, StoppedContainer> & Partial<Record<OptionalContainerRole, StoppedContainer>>;
  let stopping: Promise<Stopped> | undefined;
  // Once: a test that stops them and the cleanup after it share one stop.
  const stop = (): Promise<Stopped> => (stopping ??= stopOnce());
  const stopOnce = async (): Promise<Stopped> => {
    const result = {} as Stopped;
    await runAllSteps(`stopping the containers ${Object.values(names).join(", ")}`, [
      ["invoice API client", () => api.close()],
      [
        "containers",
        async () => {
          // In parallel: each gets SIGTERM and 10 s before SIGKILL.
          await Promise.all(
            roles.map(async (role) => {
              const t0 = Date.now();
              await podman("stop", "-t", "10", "--ignore", nameOf(role));
              const stopMs = Date.now() - t0;
              mkdirSync(logsDir, { recursive: true });
              writeFileSync(path.join(logsDir, `${nameOf(role)}.log`), await containerLogs(nameOf(role)));
              result[role] = { ...(await state(role)), stopMs };
            }),
          );
        },
      ],
      ["remove", () => podman("rm", "-f", "--ignore", ...Object.values(names)).then(() => undefined)],
    ]);
    return result;
  };

  try {
    await runWithSecrets(matcherArgs);
    await runWithSecrets(bridgeArgs(alpha, "alpha"));
    await runWithSecrets(bridgeArgs(bravo, "bravo"));
    if (options.console !== undefined) await runWithSecrets(consoleArgs(options.console.port));
    if (options.webhooks !== undefined) await runWithSecrets(relayArgs(options.webhooks));
    const readyAfterMs = {} as Record<ContainerRole, number> & Partial<Record<OptionalContainerRole, number>>;
    await Promise.all(roles.map(async (role) => (readyAfterMs[role] = await waitHealthy(role))));
    return {
      names,
      api,
      apiAddress,
      consoleUrl,
      readyAfterMs,
      healthy,
      waitHealthy,
      state,
      crash: (role) => crashContainer("podman", names[role]),
      stop,
    };
  } catch (error) {
    const logs = await Promise.all(
      Object.values(names).map(async (n) => `${n}: ${await containerLogs(n, 5)}`),
    );
    await stop().catch(() => undefined);
    throw new Error(`${(error as Error).message}\n${logs.join("\n")}`);
  }
}
