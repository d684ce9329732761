// infra/containers/build-images.sh in a scratch copy with stubbed tools: what it says when Podman
// or Docker (IC_CONTAINER_ENGINE=docker) cannot be installed, when Docker's plugins cannot be built, when the base image is missing and cannot be pulled, and when the base
// image is built for another architecture (the container tier must fail with these messages).
import { spawnSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function stub(dir: string, name: string, body: string): void {
  const file = path.join(dir, "bin", name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(file, 0o755);
}

/** A scratch copy of the scripts; bin/ holds the stubs and comes first on PATH. */
function scratch(): string {
  const dir = mkdtempSync(path.join(tmpdir(), "ic-build-images-"));
  dirs.push(dir);
  for (const file of [
    "infra/containers/build-images.sh",
    "infra/containers/lib.sh",
    "infra/scripts/lib.sh",
  ]) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(repo, file), path.join(dir, file));
  }
  return dir;
}

/** Stubs for everything ensure_podman looks for, and a podman whose answers the case gives. */
function podmanInstalled(dir: string, podman: string): void {
  for (const tool of ["runc", "catatonit", "podman-compose", "netavark", "iptables"])
    stub(dir, tool, "exit 0");
  stub(dir, "podman", podman);
}

function build(dir: string, env: Record<string, string> = {}): { status: number | null; stderr: string } {
  const run = spawnSync("bash", [path.join(dir, "infra/containers/build-images.sh")], {
    encoding: "utf8",
    env: {
      PATH: `${path.join(dir, "bin")}:/usr/bin:/bin`,
      HOME: dir,
      IC_CACHE_DIR: path.join(dir, "cache"),
      ...env,
    },
  });
  return { status: run.status, stderr: run.stderr };
}

describe("infra/containers/build-images.sh says what to do", () => {
  it("when Podman is missing and apt-get cannot install it", () => {
    const dir = scratch();
    // Only the tools it looks for are hidden: a PATH without podman, and an apt-get that fails.
    stub(dir, "apt-get", "echo 'E: Unable to locate package podman' >&2; exit 100");
    stub(dir, "id", "echo 0");
    const result = build(dir, { PATH: `${path.join(dir, "bin")}:${emptyPathWith(dir)}` });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/installing podman .*with apt-get failed/);
  });

  it("when Docker is asked for (IC_CONTAINER_ENGINE=docker) and apt-get cannot install it", () => {
    const dir = scratch();
    stub(dir, "apt-get", "echo 'E: Unable to locate package docker.io' >&2; exit 100");
    stub(dir, "id", "echo 0");
    const result = build(dir, { IC_CONTAINER_ENGINE: "docker", PATH: `${path.join(dir, "bin")}:${emptyPathWith(dir)}` });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain("installing Debian's docker.io");
    expect(result.stderr).toMatch(/installing docker\.io with apt-get failed/);
  });

  it("when Docker's compose plugin is missing and there is no Go to build it", () => {
    const dir = scratch();
    for (const tool of ["dockerd", "containerd", "runc", "docker-init", "docker"]) stub(dir, tool, "exit 0");
    const result = build(dir, { IC_CONTAINER_ENGINE: "docker", PATH: `${path.join(dir, "bin")}:${emptyPathWith(dir)}` });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("required tool 'go' is missing: the docker compose plugin is built from the Go module proxy");
  });

  it("when the base image is missing and cannot be pulled", () => {
    const dir = scratch();
    podmanInstalled(
      dir,
      `case "$1 $2" in
  "image exists") exit 1 ;;
  "pull "*) echo "Error: initializing source docker://node:20-bookworm-slim: dial tcp: no route to host" >&2; exit 125 ;;
  *) exit 0 ;;
esac`,
    );
    const result = build(dir, { IC_BASE_IMAGE: "node:20-bookworm-slim" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "base image node:20-bookworm-slim is not in local storage and cannot be pulled",
    );
    expect(result.stderr).toContain("unset IC_BASE_IMAGE to build the local stand-in");
  });

  it("when the base image is built for another architecture", () => {
    const dir = scratch();
    podmanInstalled(
      dir,
      `case "$1 $2" in
  "image exists") exit 0 ;;
  "info --format") echo amd64 ;;
  "image inspect") echo arm64 ;;
  *) exit 0 ;;
esac`,
    );
    const result = build(dir, { IC_BASE_IMAGE: "localhost/node20-arm:1" });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(
      "base image localhost/node20-arm:1 is built for arm64 but this machine runs amd64",
    );
    expect(result.stderr).toContain("Use a amd64 image");
  });
});

/** A folder with the basic tools the scripts need (bash, coreutils) but no podman, runc, etc. */
function emptyPathWith(dir: string): string {
  const bin = path.join(dir, "basic");
  mkdirSync(bin, { recursive: true });
  for (const tool of ["bash", "cat", "dirname", "mkdir", "mktemp", "mv", "date", "env"]) {
    const found = spawnSync("bash", ["-c", `command -v ${tool}`], { encoding: "utf8" }).stdout.trim();
    if (found.startsWith("/")) symlinkSync(found, path.join(bin, tool));
  }
  return bin;
}
