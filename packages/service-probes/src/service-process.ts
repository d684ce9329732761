// A service as a process: the other half of what an orchestrator sees of it, besides the probes.
// Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start or failed while running, 2 invalid
// configuration (every problem listed, then the usage). A second signal exits at once. `--help`
// (or `-h`) prints the usage: every environment variable with the field it sets.

/** What a running service gives the process around it (the bridge's and the relay's handles extend it). */
export interface RunningService {
  /** Resolves once it runs; rejects when its start-up is refused (then the process exits 1). */
  readonly ready: Promise<void>;
  /** Resolves with the error that stopped it by itself while running (then the process exits 1). */
  readonly failed: Promise<Error>;
  /** Idempotent. Resolves once everything is closed. */
  stop(): Promise<void>;
}

export interface ServiceProcessSpec<Config> {
  /** As in "invalid <service> configuration": the service's name, "interceptor-bridge". */
  readonly service: string;
  /** As in "SIGTERM: stopping <label>": "the interceptor bridge". */
  readonly label: string;
  readonly usage: string;
  loadConfig(
    argv: readonly string[],
    env: Readonly<Record<string, string | undefined>>,
  ): Promise<{ ok: true; value: Config } | { ok: false; error: readonly { message: string }[] }>;
  start(config: Config): RunningService;
  /** Text for stderr when start-up is refused (the log has it too); undefined: none. */
  refusalText?(error: unknown): string | undefined;
}

/** The parts of node's `process` a service process uses (a test passes its own). */
export interface ProcessPort {
  readonly argv: readonly string[];
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stdout: { write(text: string): unknown };
  readonly stderr: { write(text: string): unknown };
  exit(code: number): void;
  on(signal: "SIGINT" | "SIGTERM", listener: (signal: NodeJS.Signals) => void): unknown;
}

/** The usage text: how to start the service and every variable with its field. */
export function serviceUsage(opts: {
  /** The variable that names the config file: IC_BRIDGE_CONFIG. */
  readonly configVariable: string;
  readonly variables: readonly { name: string; field: string }[];
  /** Where the fields are documented, if the usage should say so. */
  readonly readme?: string;
}): string {
  return `usage: tsx src/main.ts [--config <file.json>]

The config file (or ${opts.configVariable}) is JSON; every field can be overridden by an environment
variable (lists comma-separated)${opts.readme === undefined ? "" : `, see ${opts.readme}`}:
${opts.variables.map(({ name, field }) => `  ${name.padEnd(44)} ${field}`).join("\n")}
`;
}

/** Runs the service as the process: configuration, start, signals, exit codes. */
export async function runServiceProcess<Config>(spec: ServiceProcessSpec<Config>, proc: ProcessPort = process): Promise<void> {
  const argv = proc.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) {
    proc.stdout.write(spec.usage);
    return;
  }
  const config = await spec.loadConfig(argv, proc.env);
  if (!config.ok) {
    proc.stderr.write(`invalid ${spec.service} configuration:\n${config.error.map((p) => `  - ${p.message}`).join("\n")}\n\n${spec.usage}`);
    proc.exit(2);
    return;
  }

  const service = spec.start(config.value);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) proc.exit(1);
    proc.stderr.write(`${signal}: stopping ${spec.label}\n`);
    void service.stop().then(() => proc.exit(0));
  };
  proc.on("SIGINT", onSignal);
  proc.on("SIGTERM", onSignal);

  void service.failed.then(async () => {
    await service.stop();
    proc.exit(1);
  });
  try {
    await service.ready;
  } catch (error) {
    const text = spec.refusalText?.(error);
    if (text !== undefined) proc.stderr.write(`${text}\n`);
    await service.stop();
    proc.exit(1);
  }
}
