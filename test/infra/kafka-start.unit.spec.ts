// infra/scripts/kafka.sh start in a scratch copy with a stub `java` whose broker dies at once:
// the script must say so promptly with the log's tail, not wait out its 120 s readiness deadline;
// it formats a storage without SCRAM users again, with the secured broker's settings; and a
// principal new to the list is added to a running broker, without a format.
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, expect, it } from "vitest";
import { freePort } from "../support/free-port.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

it("reports a broker that exits during start-up at once, with the end of its log", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ic-kafka-start-"));
  dirs.push(dir);
  for (const file of ["lib.sh", "kafka.sh"]) {
    mkdirSync(path.join(dir, "infra/scripts"), { recursive: true });
    copyFileSync(path.join(repo, "infra/scripts", file), path.join(dir, "infra/scripts", file));
  }
  const cache = path.join(dir, "cache");
  mkdirSync(path.join(cache, "kafka-4.1.1/lib"), { recursive: true });
  writeFileSync(path.join(cache, "kafka-4.1.1/lib/.complete"), "");
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, "java"),
    `#!/usr/bin/env bash
case "$*" in
  *random-uuid*) echo stub-cluster-id ;;
  *StorageTool*) ;;
  *kafka.Kafka*) for a in "$@"; do case "$a" in -Dkafka.logs.dir=*) logs="\${a#-Dkafka.logs.dir=}";; esac; done
    echo "ERROR Exiting Kafka due to fatal exception (stub)" >> "$logs/kafka.log"; exit 1 ;;
esac
`,
  );
  chmodSync(path.join(bin, "java"), 0o755);
  const run = spawnSync("bash", [path.join(dir, "infra/scripts/kafka.sh"), "start"], {
    encoding: "utf8",
    timeout: 20_000,
    env: {
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      HOME: dir,
      IC_CACHE_DIR: cache,
      IC_RUN_DIR: path.join(dir, ".run"),
      IC_KAFKA_PORT: String(await freePort()),
      IC_KAFKA_CONTROLLER_PORT: String(await freePort()),
    },
  });
  // Without the check the script waits out its deadline and spawnSync kills it (status null).
  expect(run.status).toBe(1);
  expect(run.stderr).toContain("Exiting Kafka due to fatal exception (stub)");
  expect(run.stderr).toMatch(/error: process \d+ exited while waiting for Kafka broker/);
});

it("formats again a storage that has no SCRAM users (a machine from before the broker was secured), with a random password per principal", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ic-kafka-scram-"));
  dirs.push(dir);
  for (const file of ["lib.sh", "kafka.sh"]) {
    mkdirSync(path.join(dir, "infra/scripts"), { recursive: true });
    copyFileSync(path.join(repo, "infra/scripts", file), path.join(dir, "infra/scripts", file));
  }
  const cache = path.join(dir, "cache");
  mkdirSync(path.join(cache, "kafka-4.1.1/lib"), { recursive: true });
  writeFileSync(path.join(cache, "kafka-4.1.1/lib/.complete"), "");
  const runDir = path.join(dir, ".run");
  // A storage formatted by the unsecured script: meta.properties, no marker, no credentials.
  mkdirSync(path.join(runDir, "kafka/data"), { recursive: true });
  writeFileSync(path.join(runDir, "kafka/data/meta.properties"), "cluster.id=old\n");
  const calls = path.join(dir, "java-calls.txt");
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  writeFileSync(
    path.join(bin, "java"),
    `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "${calls}"
case "$*" in
  *random-uuid*) echo stub-cluster-id ;;
  *StorageTool*) ;;
  *kafka.Kafka*) for a in "$@"; do case "$a" in -Dkafka.logs.dir=*) logs="\${a#-Dkafka.logs.dir=}";; esac; done
    echo "ERROR Exiting Kafka due to fatal exception (stub)" >> "$logs/kafka.log"; exit 1 ;;
esac
`,
  );
  chmodSync(path.join(bin, "java"), 0o755);
  const run = spawnSync("bash", [path.join(dir, "infra/scripts/kafka.sh"), "start"], {
    encoding: "utf8",
    timeout: 20_000,
    env: {
      PATH: `${bin}:${process.env.PATH ?? ""}`,
      HOME: dir,
      IC_CACHE_DIR: cache,
      IC_RUN_DIR: runDir,
      IC_KAFKA_PORT: String(await freePort()),
      IC_KAFKA_CONTROLLER_PORT: String(await freePort()),
    },
  });
  expect(run.stderr).toContain("has not got the SCRAM users 'admin matcher public bridge-alpha bridge-bravo webhook-relay operator-console'");
  expect(existsSync(path.join(runDir, "kafka/data/meta.properties"))).toBe(false);
  const format = readFileSync(calls, "utf8").split("\n").find((line) => line.includes("StorageTool format"));
  const passwords = new Set<string>();
  for (const principal of ["admin", "matcher", "public", "bridge-alpha", "bridge-bravo", "webhook-relay", "operator-console"]) {
    const file = path.join(runDir, "kafka/credentials", `${principal}.json`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(file, "utf8")) as { username: string; password: string; mechanism: string };
    expect(credentials).toMatchObject({ username: principal, mechanism: "scram-sha-512" });
    expect(credentials.password).toMatch(/^[0-9a-f]{48}$/);
    passwords.add(credentials.password);
    expect(format).toContain(`--add-scram SCRAM-SHA-512=[name=${principal},password=${credentials.password}]`);
  }
  expect(passwords.size).toBe(7);
  const properties = readFileSync(path.join(runDir, "kafka/server.properties"), "utf8");
  expect(statSync(path.join(runDir, "kafka/server.properties")).mode & 0o777).toBe(0o600);
  for (const line of [
    "authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer",
    "allow.everyone.if.no.acl.found=false",
    "listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT",
    "listener.name.client.sasl.enabled.mechanisms=SCRAM-SHA-512",
  ])
    expect(properties).toContain(line);
  expect(readFileSync(path.join(runDir, "kafka/scram-principals"), "utf8")).toBe("admin matcher public bridge-alpha bridge-bravo webhook-relay operator-console");
});

it("adds a principal new to the list to the running broker (AlterUserScramCredentials through a file, no format), keeping the others' credentials", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), "ic-kafka-add-"));
  dirs.push(dir);
  for (const file of ["lib.sh", "kafka.sh"]) {
    mkdirSync(path.join(dir, "infra/scripts"), { recursive: true });
    copyFileSync(path.join(repo, "infra/scripts", file), path.join(dir, "infra/scripts", file));
  }
  const cache = path.join(dir, "cache");
  mkdirSync(path.join(cache, "kafka-4.1.1/lib"), { recursive: true });
  writeFileSync(path.join(cache, "kafka-4.1.1/lib/.complete"), "");
  const runDir = path.join(dir, ".run");
  // A storage formatted before operator-console joined the list, every older principal with its file.
  const older = ["admin", "matcher", "public", "bridge-alpha", "bridge-bravo", "webhook-relay"];
  mkdirSync(path.join(runDir, "kafka/data"), { recursive: true });
  mkdirSync(path.join(runDir, "kafka/credentials"), { recursive: true });
  writeFileSync(path.join(runDir, "kafka/data/meta.properties"), "cluster.id=old\n");
  writeFileSync(path.join(runDir, "kafka/scram-principals"), older.join(" "));
  for (const principal of older)
    writeFileSync(path.join(runDir, "kafka/credentials", `${principal}.json`), JSON.stringify({ username: principal, password: `old-${principal}`, mechanism: "scram-sha-512" }));
  const port = await freePort();
  const calls = path.join(dir, "java-calls.txt");
  const added = path.join(dir, "added.properties");
  const bin = path.join(dir, "bin");
  mkdirSync(bin);
  // The broker stub listens on its port and says it started; ConfigCommand's stub keeps the file it was given.
  writeFileSync(
    path.join(bin, "java"),
    `#!/usr/bin/env bash
printf '%s\\n' "$*" >> "${calls}"
case "$*" in
  *random-uuid*) echo stub-cluster-id ;;
  *StorageTool*) ;;
  *ConfigCommand*) prev=""; for a in "$@"; do [[ "$prev" == --add-config-file ]] && cp "$a" "${added}"; prev="$a"; done ;;
  *kafka.Kafka*) for a in "$@"; do case "$a" in -Dkafka.logs.dir=*) logs="\${a#-Dkafka.logs.dir=}";; esac; done
    echo "INFO [KafkaRaftServer nodeId=1] Kafka Server started" >> "$logs/kafka.log"
    exec node -e "require('net').createServer().listen(${port}, '127.0.0.1')" ;;
esac
`,
  );
  chmodSync(path.join(bin, "java"), 0o755);
  try {
    const run = spawnSync("bash", [path.join(dir, "infra/scripts/kafka.sh"), "start"], {
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: dir, IC_CACHE_DIR: cache, IC_RUN_DIR: runDir, IC_KAFKA_PORT: String(port), IC_KAFKA_CONTROLLER_PORT: String(await freePort()) },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stderr).toContain("adding SCRAM user operator-console to the running Kafka");
    const javaCalls = readFileSync(calls, "utf8");
    expect(javaCalls).not.toContain("StorageTool format");
    expect(existsSync(path.join(runDir, "kafka/data/meta.properties"))).toBe(true);
    const configCalls = javaCalls.split("\n").filter((line) => line.includes("ConfigCommand"));
    expect(configCalls).toHaveLength(1);
    expect(configCalls[0]).toContain("--alter --add-config-file");
    expect(configCalls[0]).toContain("--entity-type users --entity-name operator-console");
    const file = path.join(runDir, "kafka/credentials/operator-console.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const credentials = JSON.parse(readFileSync(file, "utf8")) as { username: string; password: string; mechanism: string };
    expect(credentials).toMatchObject({ username: "operator-console", mechanism: "scram-sha-512" });
    expect(credentials.password).toMatch(/^[0-9a-f]{48}$/);
    // The password went through the file, never the command line.
    expect(readFileSync(added, "utf8")).toBe(`SCRAM-SHA-512=iterations=8192,password=${credentials.password}\n`);
    expect(javaCalls).not.toContain(credentials.password);
    expect(javaCalls).not.toContain("old-admin");
    for (const principal of older) expect(JSON.parse(readFileSync(path.join(runDir, "kafka/credentials", `${principal}.json`), "utf8")).password).toBe(`old-${principal}`);
    expect(readFileSync(path.join(runDir, "kafka/scram-principals"), "utf8")).toBe([...older, "operator-console"].join(" "));

    // Started again while it runs: nothing more to add.
    const again = spawnSync("bash", [path.join(dir, "infra/scripts/kafka.sh"), "start"], {
      encoding: "utf8",
      timeout: 30_000,
      env: { PATH: `${bin}:${process.env.PATH ?? ""}`, HOME: dir, IC_CACHE_DIR: cache, IC_RUN_DIR: runDir, IC_KAFKA_PORT: String(port), IC_KAFKA_CONTROLLER_PORT: String(await freePort()) },
    });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain("Kafka already running");
    expect(readFileSync(calls, "utf8").split("\n").filter((line) => line.includes("ConfigCommand"))).toHaveLength(1);
  } finally {
    const pidFile = path.join(runDir, "kafka/kafka.pid");
    if (existsSync(pidFile)) process.kill(Number(readFileSync(pidFile, "utf8").trim()));
  }
});
