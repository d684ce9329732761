// A service's HTTP endpoint, for Prometheus and for a container orchestrator's probes:
//   GET /metrics  the registry's Prometheus text (500 if it cannot be collected)
//   GET /healthz  200 when the live check's report says live, else 503; the report is the JSON body
//   GET /readyz   200 when the ready check's report says ready, else 503; the report is the JSON body
// Everything else is 404. What live and ready mean is each service's own (its probes); a check
// that rejects answers 503 with {"<live|ready>": false, "error": <its message>}, never a hang.
import { createServer, type RequestListener, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/** What /metrics serves: a prom-client Registry fits. */
export interface MetricsRegistry {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** The fields besides live/ready go into the body as they are: a check puts no secret in them. */
export interface LiveReport {
  readonly live: boolean;
  readonly [detail: string]: unknown;
}

export interface ReadyReport {
  readonly ready: boolean;
  readonly [detail: string]: unknown;
}

/** One report that answers both probes (the bridge's and the relay's). */
export interface ProbeState extends LiveReport, ReadyReport {}

export interface Probes {
  readonly live: () => LiveReport | Promise<LiveReport>;
  readonly ready: () => ReadyReport | Promise<ReadyReport>;
}

export interface ProbeListenerOptions {
  /** A failed /metrics answers 500 with the error's text (true) or an empty body (false). Default true. */
  readonly metricsErrorText?: boolean;
}

/** Both probes from one state, read once per request. */
export function probesOf(state: () => ProbeState): Probes {
  return { live: state, ready: state };
}

export function probeRequestListener(registry: MetricsRegistry, probes: Probes, options: ProbeListenerOptions = {}): RequestListener {
  const metricsErrorText = options.metricsErrorText ?? true;
  return (request, response) => {
    const path = request.url?.split("?")[0];
    if (request.method === "GET" && path === "/metrics") {
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(metricsErrorText ? String(error) : undefined),
      );
    } else if (request.method === "GET" && path === "/healthz") {
      answerProbe(response, "live", probes.live());
    } else if (request.method === "GET" && path === "/readyz") {
      answerProbe(response, "ready", probes.ready());
    } else {
      response.writeHead(404).end();
    }
  };
}

function answerProbe(response: ServerResponse, key: "live" | "ready", report: LiveReport | ReadyReport | Promise<LiveReport | ReadyReport>): void {
  Promise.resolve(report)
    .catch((error: unknown) => ({ [key]: false, error: error instanceof Error ? error.message : String(error) }))
    .then((state: Readonly<Record<string, unknown>>) =>
      response.writeHead(state[key] === true ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(state)),
    );
}

export interface ProbeServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  /** Closes open connections too; resolves once the server is closed. */
  close(): Promise<void>;
}

/** Listens on host:port; rejects if it cannot bind. Without probes, both always answer 200. */
export async function startProbeServer(
  registry: MetricsRegistry,
  port: number,
  host: string,
  probes: Probes = probesOf(() => ({ live: true, ready: true })),
): Promise<ProbeServer> {
  const server: Server = createServer(probeRequestListener(registry, probes));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
