// The container tier builds the service images once per test run (infra/containers/build-images.sh:
// Podman from Debian's packages if missing, layers cached across runs). Without Podman, or when a
// build fails, the whole tier fails here with build-images.sh's message: it never passes silently.
import { buildImages } from "../support/coordinator-containers.ts";

export default async function setup(): Promise<void> {
  const started = Date.now();
  const images = await buildImages();
  console.log(
    `[container tier] images ready in ${Math.round((Date.now() - started) / 1000)} s:\n  ${images.join("\n  ")}`,
  );
}
