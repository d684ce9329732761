// The console's HTTP routes over a loopback socket, with a fake runtime and a made-up page: who is
// let in, what a refused request gets, the event stream's first messages, and that only files of
// the built page are served.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { InvoiceApiError } from "@ic/invoice-api-client";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createConsoleAuth } from "./console-auth.ts";
import type { ConsoleRuntime } from "./console-runtime.ts";
import { startConsoleServer, type ConsoleServer } from "./console-server.ts";
import { countByState, type InvoiceRow, type Overview, type StreamMessage } from "./view/console-model.ts";

const TOKEN = "z".repeat(40);
const HASH = "cd".repeat(32);
const SECRET_LOOKING = "node-pubkey-that-must-not-leak";
const invoice: InvoiceRow = {
  paymentHash: HASH,
  externalRef: "order-7",
  status: "SETTLED",
  mode: "auto",
  amountMsat: "1000",
  amountPaidMsat: "1000",
  createdAtMs: 1,
  expiresAtMs: 2,
  parts: [{ node: "alpha", chanId: "1", htlcId: "2", amountMsat: "1000", status: "SETTLED" }],
  nodes: ["alpha"],
};
const overview: Overview = {
  atMs: 5,
  api: { state: "up", error: undefined, coordinatorPubkey: SECRET_LOOKING, network: "regtest" },
  bridges: [],
  matchers: [],
  kafka: { state: "not configured", error: undefined, matcherGroup: "ic.matcher", groupState: undefined, members: [], lag: [], totalLag: undefined },
  invoicesByState: countByState([invoice]),
  invoicesScanned: 1,
  feed: { state: "live", error: undefined, lastSequence: "3" },
};
const runtime: ConsoleRuntime = {
  overview: () => overview,
  invoices: (state) => (state === undefined || state === "SETTLED" ? [invoice] : []),
  lookup: async (query) => {
    if ("paymentHash" in query ? query.paymentHash === HASH : query.externalRef === "order-7") return invoice;
    if ("externalRef" in query && query.externalRef === "api-down") throw new Error("connect ECONNREFUSED");
    throw new InvoiceApiError(5, "LookupInvoice", "no invoice with that reference", "LookupInvoice: NOT_FOUND: no invoice with that reference");
  },
  subscribe: () => ({
    backlog: [
      { type: "overview", overview },
      { type: "event", event: { sequence: "3", kind: "SETTLED", atMs: 4, invoice } },
    ] satisfies StreamMessage[],
    unsubscribe: () => undefined,
  }),
  stop: async () => undefined,
};

let server: ConsoleServer;
let dist: string;
const url = (p: string) => new URL(p, server.url);

beforeAll(async () => {
  dist = mkdtempSync(path.join(tmpdir(), "console-dist-"));
  mkdirSync(path.join(dist, "assets"));
  writeFileSync(path.join(dist, "index.html"), "<!doctype html><title>console page</title>");
  writeFileSync(path.join(dist, "assets", "app.js"), "console.log(1)");
  writeFileSync(path.join(path.dirname(dist), `${path.basename(dist)}-outside.txt`), "outside the page");
  server = await startConsoleServer({
    listen: "127.0.0.1:0",
    tls: undefined,
    distDir: dist,
    auth: createConsoleAuth(TOKEN, { ttlMs: 60_000, secure: false }),
    runtime,
    logger: pino({ level: "silent" }),
  });
});
afterAll(async () => server?.close());

describe("console server", () => {
  it("answers 401 and nothing else to every path without credentials: the sign-in page, or a reason on /api", async () => {
    for (const p of ["/", "/index.html", "/assets/app.js", "/api/overview", "/api/invoices", `/api/invoice?q=${HASH}`, "/api/stream", "/nope"]) {
      const response = await fetch(url(p));
      const body = await response.text();
      expect(response.status, p).toBe(401);
      expect(body, p).not.toContain(SECRET_LOOKING);
      expect(body, p).not.toContain("order-7");
      if (p.startsWith("/api/")) expect(JSON.parse(body)).toEqual({ error: expect.stringMatching(/not signed in/) });
      else expect(body).toContain('name="token"');
    }
  });

  it("lets the API's token in as a Bearer header, or as the session a sign-in with it gave", async () => {
    const bearer = { authorization: `Bearer ${TOKEN}` };
    expect(await (await fetch(url("/api/overview"), { headers: bearer })).json()).toEqual(JSON.parse(JSON.stringify(overview)));
    const refused = await fetch(url("/login"), { method: "POST", body: new URLSearchParams({ token: "guess" }), redirect: "manual" });
    expect(refused.status).toBe(401);
    expect(refused.headers.get("set-cookie")).toBeNull();
    const signedIn = await fetch(url("/login"), { method: "POST", body: new URLSearchParams({ token: TOKEN }), redirect: "manual" });
    expect(signedIn.status).toBe(303);
    const cookie = (signedIn.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const page = await fetch(url("/"), { headers: { cookie } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("console page");
    expect(page.headers.get("content-security-policy")).toContain("default-src 'self'");
  });

  it("serves the invoices by state, a lookup by hash or reference, and 404 for an unknown one", async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect(((await (await fetch(url("/api/invoices?state=SETTLED"), { headers })).json()) as { invoices: unknown[] }).invoices).toHaveLength(1);
    expect((await fetch(url("/api/invoices?state=PAID"), { headers })).status).toBe(400);
    expect(((await (await fetch(url(`/api/invoice?q=${HASH.toUpperCase()}`), { headers })).json()) as { invoice: InvoiceRow }).invoice.externalRef).toBe("order-7");
    expect(((await (await fetch(url("/api/invoice?q=order-7"), { headers })).json()) as { invoice: InvoiceRow }).invoice.paymentHash).toBe(HASH);
    const missing = await fetch(url("/api/invoice?q=order-8"), { headers });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ error: "no such invoice" });
    const down = await fetch(url("/api/invoice?q=api-down"), { headers });
    expect(down.status).toBe(502);
    expect(await down.json()).toEqual({ error: "the invoice API did not answer: connect ECONNREFUSED" });
    expect((await fetch(url("/api/invoice?q="), { headers })).status).toBe(400);
  });

  it("the event stream starts with the snapshot and the recent events", async () => {
    const controller = new AbortController();
    const response = await fetch(url("/api/stream"), { headers: { authorization: `Bearer ${TOKEN}` }, signal: controller.signal });
    expect(response.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const reader = response.body!.getReader();
    let text = "";
    while ((text.match(/\n\n/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const messages = text
      .split("\n\n")
      .filter((block) => block.startsWith("event:"))
      .map((block) => JSON.parse(block.split("\ndata: ")[1] ?? "") as StreamMessage);
    expect(messages.map((m) => m.type)).toEqual(["overview", "event"]);
  });

  it("serves only files of the built page", async () => {
    const headers = { authorization: `Bearer ${TOKEN}` };
    expect((await fetch(url("/assets/app.js"), { headers })).status).toBe(200);
    const base = path.basename(dist);
    for (const p of [`/..%2f${base}-outside.txt`, "/%2e%2e/%2e%2e/etc/passwd", "/%E0%A4%A", "/assets/../../x"]) {
      const response = await fetch(url(p), { headers });
      expect(response.status, p).toBe(404);
    }
  });
});
