// The relay's HTTP endpoint for Prometheus and an orchestrator's probes:
//   GET /metrics  Prometheus text (no secrets, no URLs: endpoints by name)
//   GET /healthz  200 while the relay runs, 503 once it failed or stopped
//   GET /readyz   200 once the consumer joined its group; 503 while it waits for its topics or
//                 the group (the body says on what), or once it stops
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";

export interface ProbeState {
  readonly live: boolean;
  readonly ready: boolean;
  readonly [detail: string]: unknown;
}

export interface MetricsServer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startMetricsServer(
  registry: Registry,
  port: number,
  host: string,
  probe: () => ProbeState,
): Promise<MetricsServer> {
  const server = createServer((request, response) => {
    const path = request.url?.split("?")[0];
    if (request.method === "GET" && path === "/metrics") {
      registry.metrics().then(
        (text) => response.writeHead(200, { "content-type": registry.contentType }).end(text),
        (error: unknown) => response.writeHead(500).end(String(error)),
      );
    } else if (request.method === "GET" && (path === "/healthz" || path === "/readyz")) {
      const state = probe();
      const ok = path === "/healthz" ? state.live : state.ready;
      response.writeHead(ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(state));
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
