// infra/scripts/postgres.sh start in a scratch copy, for the two set-ups it cannot work in: it
// must say why before touching PostgreSQL. Needs root and Debian's PostgreSQL (as the stack does).
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const canRun = process.getuid?.() === 0 && existsSync("/usr/lib/postgresql") && spawnSync("id", ["postgres"]).status === 0;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

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
  it("refuses a run directory the postgres user cannot reach, saying why", async () => {
    const dir = scratch();
    const closed = path.join(dir, "closed");
    mkdirSync(closed, { mode: 0o700 });
    const run = spawnSync("bash", [path.join(dir, "infra/scripts/postgres.sh"), "start"], {
      encoding: "utf8",
      env: { ...process.env, IC_RUN_DIR: path.join(closed, "repo/.run"), IC_PG_PORT: String(await freePort()) },
    });
    expect(run.stderr).toContain("the postgres user cannot reach");
    expect(run.status).toBe(1);
    expect(existsSync(path.join(closed, "repo/.run/postgres/data"))).toBe(false);
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
