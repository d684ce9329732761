// The images' HEALTHCHECK: healthy when the service answers 200 on its health path
// (IC_HEALTH_PATH, default /readyz) on 127.0.0.1. Where the service listens is the service's
// own setting, so one setting moves both:
// - IC_HEALTH_PORT_ENV names the variable with the port (IC_MATCHER_METRICS_PORT,
//   IC_BRIDGE_METRICS_PORT, IC_WEBHOOK_METRICS_PORT): the probes' port;
// - or IC_HEALTH_LISTEN_ENV names the variable with a host:port (IC_CONSOLE_LISTEN), read, when
//   that is empty, from the `listen` field of the config file that IC_HEALTH_CONFIG_ENV's variable
//   names, else IC_HEALTH_LISTEN_DEFAULT; HTTPS when the variable named by IC_HEALTH_TLS_ENV or the
//   file's tls.certPath is set (the certificate is not checked: this is a liveness probe on the
//   container's own address, not a client).
// Exit 0 healthy, 1 not (the reason on stdout, which `podman inspect` / `docker inspect` keep
// with the health log).
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";

const env = (name) => (name ? (process.env[name] ?? "") : "");
const fail = (reason) => {
  console.log(reason);
  process.exit(1);
};

/** { port, tls } from the service's settings, or a reason. */
function target() {
  const portVariable = process.env.IC_HEALTH_PORT_ENV ?? "";
  if (portVariable !== "") return { port: Number(env(portVariable)), tls: false, from: portVariable };
  const listenVariable = process.env.IC_HEALTH_LISTEN_ENV ?? "";
  if (listenVariable === "") return { reason: "no health port: set IC_HEALTH_PORT_ENV or IC_HEALTH_LISTEN_ENV" };
  let file = {};
  const configPath = env(process.env.IC_HEALTH_CONFIG_ENV);
  if (configPath !== "") {
    try {
      file = JSON.parse(readFileSync(configPath, "utf8")) ?? {};
    } catch (error) {
      return { reason: `cannot read the config file ${configPath}: ${error instanceof Error ? error.message : String(error)}` };
    }
  }
  const listen = env(listenVariable) || (typeof file.listen === "string" ? file.listen : "") || (process.env.IC_HEALTH_LISTEN_DEFAULT ?? "");
  const port = Number(listen.slice(listen.lastIndexOf(":") + 1));
  const tls = env(process.env.IC_HEALTH_TLS_ENV) !== "" || (typeof file.tls?.certPath === "string" && file.tls.certPath !== "");
  return { port, tls, from: `${listenVariable} / listen (${listen || "unset"})` };
}

const { port, tls, from, reason } = target();
if (reason !== undefined) fail(reason);
if (!Number.isInteger(port) || port < 1 || port > 65535) fail(`no health port: ${from} is not a port`);
const healthPath = process.env.IC_HEALTH_PATH || "/readyz";

const request = (tls ? https : http).get(
  { host: "127.0.0.1", port, path: healthPath, timeout: 2500, rejectUnauthorized: false },
  (response) => {
    let body = "";
    response.setEncoding("utf8");
    response.on("data", (chunk) => {
      if (body.length < 500) body += chunk;
    });
    response.on("end", () => {
      // The console's /login is a whole page: its status line says enough.
      console.log(`${response.statusCode} ${healthPath === "/readyz" ? body.slice(0, 500) : healthPath}`);
      process.exit(response.statusCode === 200 ? 0 : 1);
    });
  },
);
request.on("timeout", () => request.destroy(new Error("timed out after 2.5 s")));
request.on("error", (error) => fail(`${healthPath} on port ${port} does not answer: ${error.message}`));
