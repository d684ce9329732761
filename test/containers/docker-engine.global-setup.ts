// The docker tier (opt-in: IC_SUITES=docker) runs compose.yaml on Docker's own engine: this setup
// starts the project's dockerd (infra/containers/docker.sh start: docker.io from Debian's packages
// if missing, the compose and buildx plugins built once from the Go module proxy, the local base
// image) and builds the matcher's, the bridge's and the webhook relay's images with `docker build`
// (cached). The teardown stops dockerd again when this setup started it. A failure fails the whole
// tier here.
import { execFile } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildImages } from "../support/coordinator-containers.ts";

const run = promisify(execFile);
const dockerScript = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../infra/containers/docker.sh");

async function dockerSh(command: string): Promise<string> {
  try {
    const { stderr } = await run("bash", [dockerScript, command], { maxBuffer: 16 * 1024 * 1024 });
    return stderr.trim();
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim().split("\n").slice(-15).join("\n");
    throw new Error(`infra/containers/docker.sh ${command} failed:\n${stderr || (error as Error).message}`);
  }
}

export default async function setup(): Promise<() => Promise<void>> {
  const alreadyRunning = await run("bash", [dockerScript, "status"]).then(
    () => true,
    () => false,
  );
  const started = Date.now();
  const stopEngine = async (): Promise<void> => {
    if (!alreadyRunning) console.log(`[docker tier] ${await dockerSh("stop")}`);
  };
  try {
    const startLog = await dockerSh("start");
    if (startLog !== "") console.log(`[docker tier] ${startLog.replace(/\n/g, "\n  ")}`);
    const images = await buildImages("docker", ["invoice-matcher", "interceptor-bridge", "webhook-relay"]);
    console.log(
      `[docker tier] engine and images ready in ${Math.round((Date.now() - started) / 1000)} s:\n  ${images.join("\n  ")}`,
    );
  } catch (error) {
    await stopEngine().catch(() => undefined);
    throw error;
  }
  return stopEngine;
}
