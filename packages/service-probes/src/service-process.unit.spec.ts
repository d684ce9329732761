import { describe, expect, it } from "vitest";
import { runServiceProcess, serviceUsage, type ProcessPort, type RunningService, type ServiceProcessSpec } from "./index.ts";

interface FakeProcess extends ProcessPort {
  out: string;
  err: string;
  exits: number[];
  signal(name: "SIGINT" | "SIGTERM"): void;
}

function fakeProcess(args: string[]): FakeProcess {
  const listeners: { signal: string; listener: (signal: NodeJS.Signals) => void }[] = [];
  const proc: FakeProcess = {
    argv: ["node", "main.ts", ...args],
    env: {},
    out: "",
    err: "",
    exits: [],
    stdout: { write: (text: string) => (proc.out += text) },
    stderr: { write: (text: string) => (proc.err += text) },
    exit: (code: number) => void proc.exits.push(code),
    on: (signal, listener) => listeners.push({ signal, listener }),
    signal: (name) => listeners.filter((l) => l.signal === name).forEach((l) => l.listener(name)),
  };
  return proc;
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function fakeService() {
  const ready = deferred<void>();
  const failed = deferred<Error>();
  const service: RunningService & { stops: number } = {
    ready: ready.promise,
    failed: failed.promise,
    stops: 0,
    stop: async () => void service.stops++,
  };
  return { service, ready, failed };
}

const usage = serviceUsage({ configVariable: "IC_TEST_CONFIG", variables: [{ name: "IC_TEST_PORT", field: "port" }] });

function spec(outcome: { ok: true; value: number } | { ok: false; error: { message: string }[] }, service?: RunningService): ServiceProcessSpec<number> & { started: number[] } {
  const started: number[] = [];
  return {
    service: "test-service",
    label: "the test service",
    usage,
    started,
    loadConfig: async () => outcome,
    start: (config) => {
      started.push(config);
      if (service === undefined) throw new Error("not to be started");
      return service;
    },
    refusalText: (error) => (error instanceof RangeError ? `refused: ${error.message}` : undefined),
  };
}

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve));
};

describe("runServiceProcess", () => {
  it("--help prints every variable with its field and starts nothing", async () => {
    const proc = fakeProcess(["--help"]);
    const s = spec({ ok: true, value: 1 });
    await runServiceProcess(s, proc);
    expect(proc.out).toBe(usage);
    expect(usage).toContain("The config file (or IC_TEST_CONFIG) is JSON");
    expect(usage).toMatch(/ {2}IC_TEST_PORT +port\n/);
    expect(s.started).toEqual([]);
    expect(proc.exits).toEqual([]);
  });

  it("an invalid configuration exits 2 listing every problem, then the usage, and starts nothing", async () => {
    const proc = fakeProcess([]);
    const s = spec({ ok: false, error: [{ message: "config field \"port\": must be an integer" }, { message: "kafka.brokers is required" }] });
    await runServiceProcess(s, proc);
    expect(proc.err).toBe(`invalid test-service configuration:\n  - config field "port": must be an integer\n  - kafka.brokers is required\n\n${usage}`);
    expect(proc.exits).toEqual([2]);
    expect(s.started).toEqual([]);
  });

  it("SIGTERM stops the service, then exits 0; a second signal exits 1 at once", async () => {
    const proc = fakeProcess(["--config", "x.json"]);
    const { service, ready } = fakeService();
    ready.resolve();
    await runServiceProcess(spec({ ok: true, value: 7 }, service), proc);
    proc.signal("SIGTERM");
    await until(() => proc.exits.length > 0);
    expect(proc.err).toBe("SIGTERM: stopping the test service\n");
    expect(service.stops).toBe(1);
    expect(proc.exits).toEqual([0]);
    proc.signal("SIGINT");
    expect(proc.exits).toEqual([0, 1]);
  });

  it("a service that fails while running is stopped and exits 1", async () => {
    const proc = fakeProcess([]);
    const { service, ready, failed } = fakeService();
    ready.resolve();
    await runServiceProcess(spec({ ok: true, value: 1 }, service), proc);
    expect(proc.exits).toEqual([]);
    failed.resolve(new Error("consumer crashed"));
    await until(() => proc.exits.length > 0);
    expect(service.stops).toBe(1);
    expect(proc.exits).toEqual([1]);
  });

  it("a refused start-up prints the refusal's text (if the service has one), stops and exits 1", async () => {
    for (const [error, text] of [
      [new RangeError("lnd 0.17 is too old"), "refused: lnd 0.17 is too old\n"],
      [new Error("ECONNREFUSED"), ""],
    ] as const) {
      const proc = fakeProcess([]);
      const { service, ready } = fakeService();
      ready.reject(error);
      await runServiceProcess(spec({ ok: true, value: 1 }, service), proc);
      expect(proc.err).toBe(text);
      expect(service.stops).toBe(1);
      expect(proc.exits).toEqual([1]);
    }
  });
});
