// The endpoint on a loopback port: the probes' reports decide 200 or 503 and are the body; a
// check that rejects is "not ready", never a hang; a registry that fails is a 500.
import { afterEach, describe, expect, it } from "vitest";
import { probesOf, startProbeServer, type MetricsRegistry, type ProbeServer, type Probes } from "./index.ts";

const servers: ProbeServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

const registry: MetricsRegistry = { metrics: async () => "ic_test_total 1\n", contentType: "text/plain; version=0.0.4" };

async function serve(probes?: Probes, metrics: MetricsRegistry = registry) {
  const server = await startProbeServer(metrics, 0, "127.0.0.1", probes);
  servers.push(server);
  return async (path: string) => {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    return { status: response.status, text: await response.text() };
  };
}

describe("probe server", () => {
  it("serves the registry, both probes (200 by default) and 404 for anything else", async () => {
    const get = await serve();
    expect(await get("/metrics")).toEqual({ status: 200, text: "ic_test_total 1\n" });
    expect(await get("/healthz")).toEqual({ status: 200, text: '{"live":true,"ready":true}' });
    expect(await get("/readyz?verbose")).toEqual({ status: 200, text: '{"live":true,"ready":true}' });
    expect((await get("/other")).status).toBe(404);
  });

  it("answers each probe from its own field of the state, the state as the body", async () => {
    const get = await serve(probesOf(() => ({ live: true, ready: false, waitingFor: "topics" })));
    expect(await get("/healthz")).toEqual({ status: 200, text: '{"live":true,"ready":false,"waitingFor":"topics"}' });
    expect(await get("/readyz")).toEqual({ status: 503, text: '{"live":true,"ready":false,"waitingFor":"topics"}' });
  });

  it("answers 503 with the error when a check rejects", async () => {
    const get = await serve({
      live: () => ({ live: true }),
      ready: async () => {
        throw new Error("check crashed");
      },
    });
    expect(await get("/healthz")).toEqual({ status: 200, text: '{"live":true}' });
    expect(await get("/readyz")).toEqual({ status: 503, text: '{"ready":false,"error":"check crashed"}' });
  });

  it("answers 500 when the registry fails", async () => {
    const get = await serve(undefined, { metrics: () => Promise.reject(new Error("collect failed")), contentType: "text/plain" });
    expect(await get("/metrics")).toEqual({ status: 500, text: "Error: collect failed" });
  });
});
