// A webhook endpoint for the container tiers: an HTTP server on the host's loopback (the relay's
// container shares the host's network) that keeps what the webhook relay POSTs, answers 204, and
// checks a delivery's signature independently of the relay's code (createHmac over
// `<timestamp>.<raw body>`, services/webhook-relay/README.md "What a receiver gets").
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "vitest";
import { waitUntil } from "../support/wait-until.ts";

interface Delivery {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export interface WebhookReceiver {
  /** http://127.0.0.1:<port>/hooks */
  readonly url: string;
  /**
   * Waits for the relay's POST of the invoice's event of this kind and checks it: signed with the
   * secret (v1= HMAC-SHA256), JSON, of the deployment.
   */
  expectSignedEvent(opts: { paymentHash: string; kind: string; secret: string; deployment: string }): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      deliveries.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    async expectSignedEvent({ paymentHash, kind, secret, deployment }) {
      const delivery = await waitUntil(
        `the relay's ${kind} webhook of ${paymentHash}`,
        () =>
          deliveries.find((d) => {
            const body = JSON.parse(d.body) as { kind: string; paymentHash: string };
            return body.kind === kind && body.paymentHash === paymentHash;
          }),
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      const timestamp = String(delivery.headers["ic-webhook-timestamp"]);
      const expected = createHmac("sha256", secret).update(`${timestamp}.${delivery.body}`).digest("hex");
      expect(delivery.headers["ic-webhook-signature"]).toBe(`v1=${expected}`);
      expect(delivery.headers["content-type"]).toMatch(/^application\/json/);
      expect((JSON.parse(delivery.body) as { deployment: string }).deployment).toBe(deployment);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
