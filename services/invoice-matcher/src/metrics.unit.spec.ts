// The matcher's HTTP endpoint: Prometheus text, a liveness and a readiness probe (the readiness
// check decides 200 or 503, and a check that throws is "not ready", never a hang or a crash).
import { once } from "node:events";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createMatcherMetrics, serveMetrics, type ReadinessCheck } from "./metrics.ts";

const servers: ReturnType<typeof serveMetrics>[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await new Promise((resolve) => server.close(resolve));
});

async function serve(readiness: ReadinessCheck): Promise<(path: string) => Promise<{ status: number; text: string }>> {
  const metrics = createMatcherMetrics();
  metrics.htlcsReceived.inc();
  const server = serveMetrics(metrics.registry, 0, "127.0.0.1", readiness);
  servers.push(server);
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  return async (path) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`);
    return { status: response.status, text: await response.text() };
  };
}

describe("matcher metrics endpoint", () => {
  it("serves Prometheus text, /healthz, and /readyz from the readiness check", async () => {
    const get = await serve(async () => ({ ready: true, postgres: "ok" }));
    expect(await get("/metrics")).toMatchObject({ status: 200, text: expect.stringContaining("ic_matcher_htlcs_received_total 1") });
    // The settle-failure alert is exported from the start, at 0.
    expect((await get("/metrics")).text).toContain("ic_matcher_settle_failed_total 0");
    expect(await get("/healthz")).toEqual({ status: 200, text: '{"live":true}' });
    expect(await get("/readyz")).toEqual({ status: 200, text: '{"ready":true,"postgres":"ok"}' });
    expect((await get("/other")).status).toBe(404);
  });

  it("answers 503 with the reason when the check fails or throws", async () => {
    const down = await serve(async () => ({ ready: false, postgres: "connect ECONNREFUSED 127.0.0.1:15432" }));
    expect(await down("/readyz")).toEqual({ status: 503, text: '{"ready":false,"postgres":"connect ECONNREFUSED 127.0.0.1:15432"}' });
    const broken = await serve(async () => {
      throw new Error("check crashed");
    });
    expect(await broken("/readyz")).toEqual({ status: 503, text: '{"ready":false,"error":"check crashed"}' });
    expect((await broken("/healthz")).status).toBe(200);
  });
});
