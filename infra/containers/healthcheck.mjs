// The images' HEALTHCHECK: healthy when the service's /readyz answers 200. The port is the one
// the service itself listens on: the variable named by IC_HEALTH_PORT_ENV (IC_MATCHER_METRICS_PORT
// or IC_BRIDGE_METRICS_PORT), so one setting moves both. Exit 0 healthy, 1 not (the reason on stdout,
// which `podman inspect` / `docker inspect` keep with the health log).
const portVariable = process.env.IC_HEALTH_PORT_ENV ?? "";
const port = Number(process.env[portVariable] ?? "");
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  console.log(`no health port: ${portVariable || "IC_HEALTH_PORT_ENV"} is not a port`);
  process.exit(1);
}
try {
  const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2500) });
  const body = (await response.text()).slice(0, 500);
  console.log(`${response.status} ${body}`);
  process.exit(response.status === 200 ? 0 : 1);
} catch (error) {
  console.log(`/readyz on port ${port} does not answer: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
