// The poster against loopback servers in this process (plain and TLS with a private CA).
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DeliveryAborted, createWebhookPoster } from "./webhook-http-client.ts";

// The invoice API's test-only TLS identity (self-signed, CA:TRUE, SAN 127.0.0.1): public, tests only.
const fixtures = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  "../../../invoice-matcher/src/api/testing/fixtures",
);
const cert = readFileSync(path.join(fixtures, "tls.cert"));
const key = readFileSync(path.join(fixtures, "tls.key"));

const seen: { path: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
function handler(request: http.IncomingMessage, response: http.ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on("data", (c: Buffer) => chunks.push(c));
  request.on("end", () => {
    seen.push({ path: request.url ?? "", headers: request.headers, body: Buffer.concat(chunks).toString() });
    const route = request.url ?? "";
    if (route === "/hang") return; // never answers
    if (route === "/retry-after") return void response.writeHead(503, { "retry-after": "7" }).end("busy");
    if (route === "/redirect") return void response.writeHead(302, { location: "/ok" }).end();
    if (route === "/big") return void response.writeHead(200).end(Buffer.alloc(200_000));
    response.writeHead(route === "/fail" ? 500 : 204).end();
  });
}
const plain = http.createServer(handler);
const tls = https.createServer({ cert, key }, handler);
let plainUrl = "";
let tlsUrl = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => plain.listen(0, "127.0.0.1", resolve));
  await new Promise<void>((resolve) => tls.listen(0, "127.0.0.1", resolve));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
  tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const server of [plain, tls]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const signal = () => new AbortController().signal;

describe("webhook poster", () => {
  it("POSTs the body with the given headers and a content length, and reports the status", async () => {
    const poster = createWebhookPoster({ url: `${plainUrl}/ok`, timeoutMs: 2000 });
    const outcome = await poster.post(
      '{"é":1}',
      { "content-type": "application/json", "ic-webhook-id": "e-1" },
      signal(),
    );
    poster.close();
    expect(outcome).toEqual({ kind: "response", status: 204, retryAfterMs: undefined });
    const request = seen.find((s) => s.path === "/ok");
    expect(request?.body).toBe('{"é":1}');
    expect(request?.headers["content-length"]).toBe(String(Buffer.byteLength('{"é":1}')));
    expect(request?.headers["ic-webhook-id"]).toBe("e-1");
  });

  it("reports a 5xx with its Retry-After, a redirect without following it, and drains a large answer", async () => {
    const post = async (route: string) => {
      const poster = createWebhookPoster({ url: `${plainUrl}${route}`, timeoutMs: 2000 });
      try {
        return await poster.post("{}", {}, signal());
      } finally {
        poster.close();
      }
    };
    expect(await post("/fail")).toMatchObject({ kind: "response", status: 500 });
    expect(await post("/retry-after")).toEqual({ kind: "response", status: 503, retryAfterMs: 7000 });
    expect(await post("/redirect")).toMatchObject({ kind: "response", status: 302 });
    expect(seen.filter((s) => s.path === "/ok")).toHaveLength(1);
    expect(await post("/big")).toMatchObject({ kind: "response", status: 200 });
  });

  it("cuts off an endpoint that never answers at the timeout", async () => {
    const poster = createWebhookPoster({ url: `${plainUrl}/hang`, timeoutMs: 150 });
    const started = performance.now();
    expect(await poster.post("{}", {}, signal())).toEqual({ kind: "timeout", timeoutMs: 150 });
    expect(performance.now() - started).toBeLessThan(2000);
    poster.close();
  });

  it("reports a refused connection as a network error", async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const poster = createWebhookPoster({ url: `http://127.0.0.1:${port}/`, timeoutMs: 2000 });
    expect(await poster.post("{}", {}, signal())).toEqual({ kind: "network-error", code: "ECONNREFUSED" });
    poster.close();
  });

  it("abandons a post when the relay stops (DeliveryAborted, not an outcome)", async () => {
    const poster = createWebhookPoster({ url: `${plainUrl}/hang`, timeoutMs: 10_000 });
    const stop = new AbortController();
    const pending = poster.post("{}", {}, stop.signal);
    stop.abort();
    await expect(pending).rejects.toBeInstanceOf(DeliveryAborted);
    await expect(poster.post("{}", {}, stop.signal)).rejects.toBeInstanceOf(DeliveryAborted);
    poster.close();
  });

  it("https: trusts an endpoint signed by the configured CA, and refuses it without (a network error, retried)", async () => {
    const trusted = createWebhookPoster({ url: `${tlsUrl}/ok`, timeoutMs: 2000, ca: cert });
    expect(await trusted.post("{}", {}, signal())).toMatchObject({ kind: "response", status: 204 });
    trusted.close();
    const untrusted = createWebhookPoster({ url: `${tlsUrl}/ok`, timeoutMs: 2000 });
    expect(await untrusted.post("{}", {}, signal())).toMatchObject({
      kind: "network-error",
      code: "DEPTH_ZERO_SELF_SIGNED_CERT",
    });
    untrusted.close();
  });
});
