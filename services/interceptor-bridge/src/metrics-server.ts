// The bridge's HTTP endpoint, for Prometheus and for a container orchestrator's probes:
//   GET /metrics  Prometheus text; no secrets are in any series.
//   GET /healthz  200 while the process runs its loops (liveness), 503 once it failed or stopped.
//   GET /readyz   200 once the bridge runs with an interceptor stream open (lnd hands it HTLCs)
//                 and Kafka reachable; 503 while starting (the body's waitingFor says on what),
//                 while the stream is being reopened or Kafka is unreachable, or while a command
//                 of a newer schema version holds a partition (stalledPartitions); the body says why.
// Everything else is 404.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface MetricsServer {
  /** The port actually bound (useful with port 0). */
  readonly port: number;
  close(): Promise<void>;
}

/** What the probes report; the fields besides live/ready go into the body as they are (no secrets). */
export interface ProbeState {
  readonly live: boolean;
  readonly ready: boolean;
  readonly [detail: string]: unknown;
}

export async function startMetricsServer(
  registry: Registry,
  port: number,
  host: string,
  probe: () => ProbeState = () => ({ live: true, ready: true }),
): Promise<MetricsServer> {
  const server: Server = createServer((request, response) => {
    const path = request.url?.split("?")[0];
    if (request.method === "GET" && path === "/metrics") {
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else if (request.method === "GET" && (path === "/healthz" || path === "/readyz")) {
      const state = probe();
      answerProbe(response, path === "/healthz" ? state.live : state.ready, state);
    } else {
      response.writeHead(404).end();
    }
  });
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

function answerProbe(response: ServerResponse, ok: boolean, state: ProbeState): void {
  response.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(state));
}
