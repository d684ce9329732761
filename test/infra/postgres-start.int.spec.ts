// infra/scripts/postgres.sh start in a scratch copy: a run directory the postgres user cannot
// reach (a checkout under /root, say) falls back to a postgres-owned directory and still starts;
// without root it says why. Needs root and Debian's PostgreSQL (as the stack does).
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../support/free-port.ts";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const canRun = process.getuid?.() === 0 && existsSync("/usr/lib/postgresql") && spawnSync("id", ["postgres"]).status === 0;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Scripts in <dir>/infra/scripts, readable by everyone; the run dir is for the caller to choose. */
function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ic-postgres-start-"));
  dirs.push(dir);
  chmodSync(dir, 0o755);
  mkdirSync(path.join(dir, "infra/scripts"), { recursive: true });
  for (const file of ["lib.sh", "postgres.sh"]) copyFileSync(path.join(repo, "infra/scripts", file), path.join(dir, "infra/scripts", file));
  chmodSync(path.join(dir, "infra"), 0o755);
  chmodSync(path.join(dir, "infra/scripts"), 0o755);
  return dir;
}

describe.skipIf(!canRun)("postgres.sh start", () => {
  it("falls back to a postgres-owned directory when the run directory is out of the postgres user's reach", async () => {
    const dir = scratch();
    const closed = path.join(dir, "closed");
    mkdirSync(closed, { mode: 0o700 });
    const runDir = path.join(closed, "repo/.run");
    const env = { ...process.env, IC_RUN_DIR: runDir, IC_PG_PORT: String(await freePort()) };
    const script = path.join(dir, "infra/scripts/postgres.sh");
    try {
      const start = spawnSync("bash", [script, "start"], { encoding: "utf8", env });
      expect(start.stderr).toContain("the postgres user cannot reach");
      expect(start.status, start.stderr).toBe(0);
      const home = readlinkSync(path.join(runDir, "postgres"));
      expect(home).toMatch(/^\/var\/lib\/postgresql\/invoice-coordinator-[0-9a-f]{12}$/);
      expect(existsSync(path.join(home, "data/PG_VERSION"))).toBe(true);
      expect(spawnSync("bash", [script, "status"], { encoding: "utf8", env }).status).toBe(0);
      // A second start finds the running cluster where it left it.
      expect(spawnSync("bash", [script, "start"], { encoding: "utf8", env }).stderr).toContain("already running");
    } finally {
      spawnSync("bash", [script, "purge"], { encoding: "utf8", env });
    }
    expect(spawnSync("bash", [script, "status"], { encoding: "utf8", env }).status).toBe(1);
  });

  it("refuses to run without root, saying why", async () => {
    const dir = scratch();
    const run = spawnSync(
      "runuser",
      ["-u", "nobody", "--", "env", `IC_RUN_DIR=${path.join(dir, "run")}`, `IC_PG_PORT=${await freePort()}`, "HOME=/tmp", "bash", path.join(dir, "infra/scripts/postgres.sh"), "start"],
      { encoding: "utf8" },
    );
    expect(run.stderr).toContain("starting PostgreSQL needs root");
    expect(run.status).toBe(1);
  });
});
