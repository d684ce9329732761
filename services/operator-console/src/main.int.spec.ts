// The console as a process (tsx src/main.ts, runServiceProcess): exit 2 on an invalid
// configuration naming the field, exit 1 with the reason when it cannot start (page not built, a
// Kafka credentials file it cannot read), and once started it prints its URL, serves the sign-in
// page and exits 0 on SIGTERM. No invoice API answers: that is a state on the page, not a refusal.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../test/support/free-port.ts";
import { ensureWebBuilt } from "./build-web.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const main = path.join(repo, "services/operator-console/src/main.ts");
const TOKEN = "c".repeat(40);

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the console with env; once stdout says where it listens, `whenListening` runs, then SIGTERM. */
function runConsole(env: Record<string, string>, whenListening?: (url: string) => Promise<void>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", main], { cwd: repo, env: { PATH: process.env["PATH"] ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let acted = false;
    child.stderr.on("data", (chunk: Buffer) => void (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const url = /operator console: (http\S+)\n/.exec(stdout)?.[1];
      if (url !== undefined && whenListening !== undefined && !acted) {
        acted = true;
        whenListening(url).then(
          () => child.kill("SIGTERM"),
          (error: unknown) => {
            child.kill("SIGKILL");
            reject(error as Error);
          },
        );
      }
    });
    child.on("error", reject);
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

let distDir: string;

beforeAll(async () => {
  distDir = (await ensureWebBuilt()).distDir;
}, 120_000);

describe("the console process", () => {
  it("exits 2 on an invalid configuration, naming the field, without quoting the token", async () => {
    const run = await runConsole({ IC_CONSOLE_API_AUTH_TOKEN: "too short", IC_CONSOLE_POLL_INTERVAL_MS: "5" });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("invalid operator-console configuration:");
    expect(run.stderr).toContain("api.authToken");
    expect(run.stderr).toContain("pollIntervalMs");
    expect(run.stderr).toContain("IC_CONSOLE_KAFKA_CREDENTIALS_FILE");
    expect(run.stderr).not.toContain("too short");
  });

  it("exits 1 with the reason when the page is not built, or a Kafka credentials file cannot be read", async () => {
    const listen = `127.0.0.1:${await freePort()}`;
    const noPage = await runConsole({ IC_CONSOLE_API_AUTH_TOKEN: TOKEN, IC_CONSOLE_LISTEN: listen, IC_CONSOLE_DIST_DIR: path.join(distDir, "missing") });
    expect(noPage.code).toBe(1);
    expect(noPage.stderr).toContain("operator console: the page is not built");
    const noCredentials = await runConsole({
      IC_CONSOLE_API_AUTH_TOKEN: TOKEN,
      IC_CONSOLE_LISTEN: listen,
      IC_CONSOLE_DIST_DIR: distDir,
      IC_CONSOLE_KAFKA_BROKERS: "127.0.0.1:9",
      IC_CONSOLE_KAFKA_CREDENTIALS_FILE: path.join(distDir, "no-such-credentials.json"),
    });
    expect(noCredentials.code).toBe(1);
    expect(noCredentials.stderr).toMatch(/operator console: kafka\.credentialsFile: .*no-such-credentials\.json/);
    // It never said it listens; the log (pino, stdout) has the reason too.
    expect(noCredentials.stdout).not.toContain("operator console: http");
    expect(noCredentials.stdout).toContain('"msg":"the operator console did not start"');
  });

  it("prints its URL, serves the sign-in page, and exits 0 on SIGTERM", async () => {
    const port = await freePort();
    let signIn: number | undefined;
    const run = await runConsole(
      { IC_CONSOLE_API_AUTH_TOKEN: TOKEN, IC_CONSOLE_LISTEN: `127.0.0.1:${port}`, IC_CONSOLE_API_ADDRESS: `127.0.0.1:${await freePort()}`, IC_CONSOLE_DIST_DIR: distDir },
      async (url) => {
        signIn = (await fetch(new URL("/login", url))).status;
      },
    );
    expect(run.stdout.split("\n")).toContain(`operator console: http://127.0.0.1:${port}/`);
    expect(signIn).toBe(200);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("SIGTERM: stopping the operator console");
    expect(run.stderr + run.stdout).not.toContain(TOKEN);
  });
});
