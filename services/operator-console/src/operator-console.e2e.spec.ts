// The operator console in a real browser (Debian's chromium, headless, driven by playwright-core)
// over the real stack: the matcher and both bridges as processes on their own deployment and
// schema, the console in this process. Requests without or with a wrong token get 401 and no
// data; after signing in, a payment split across alpha and bravo appears SETTLED with a part on
// each node without a reload; a stopped bridge appears unreachable; an unreachable API is a
// state, not a crash. Run under `flock /tmp/ic-lnd.lock` (the bridges hold lnd's interceptors).
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startCoordinatorProcesses, type CoordinatorProcesses } from "../../../test/support/coordinator-processes.ts";
import { restorePayerLiquidity } from "../../../test/support/liquidity.ts";
import { connectAll, type StackClients } from "../../../test/support/lnd-nodes.ts";
import { lastFailureCode, partsByNode } from "../../../test/support/payments.ts";
import { loadStackConfig, operatorConsoleCredentials } from "../../../test/support/stack-config.ts";
import { waitUntil } from "../../../test/support/wait-until.ts";
import { ensureWebBuilt } from "./build-web.ts";
import { parseConsoleConfig, type ConsoleConfig } from "./config.ts";
import { startOperatorConsole, type RunningConsole } from "./operator-console.ts";
import type { Overview } from "./view/console-model.ts";

const CHROMIUM = process.env["IC_CHROMIUM"] ?? "/usr/bin/chromium";
const stack = loadStackConfig();
// docs/operator-console.png is refreshed only on request (IC_UPDATE_SCREENSHOTS=1), so a test run
// does not leave the work tree changed; otherwise the screenshot goes to .run/screenshots/.
const SCREENSHOT =
  process.env["IC_UPDATE_SCREENSHOTS"] === "1"
    ? path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../docs/operator-console.png")
    : path.join(stack.runDir, "screenshots", "operator-console.png");
const silent = pino({ level: process.env["IC_E2E_LOG"] ?? "silent" });

let nodes: StackClients;
let coordinator: CoordinatorProcesses;
let console_: RunningConsole;
let deadApiConsole: RunningConsole | undefined;
let browser: BrowserContext;
let page: Page;
let userDataDir: string;
let token: string;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function consoleConfig(file: Record<string, unknown>): ConsoleConfig {
  const parsed = parseConsoleConfig(file, { IC_CONSOLE_API_AUTH_TOKEN: token });
  if (!parsed.ok) throw new Error(parsed.error.map((p) => p.message).join("; "));
  return parsed.value;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no chromium at ${CHROMIUM}: bash infra/scripts/install-chromium.sh (Debian's package), or IC_CHROMIUM=<path>`);
  const built = await ensureWebBuilt();
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
  const ports = { matcher: await freePort(), alpha: await freePort(), bravo: await freePort() };
  coordinator = await startCoordinatorProcesses(stack, { apiPort: await freePort(), metricsPorts: ports });
  token = coordinator.apiToken;
  console_ = await startOperatorConsole(
    consoleConfig({
      listen: `127.0.0.1:${await freePort()}`,
      api: { address: coordinator.apiAddress },
      deployment: coordinator.deployment,
      bridges: (["alpha", "bravo"] as const).map((node) => ({ node, metricsUrl: `http://127.0.0.1:${ports[node]}/metrics` })),
      matchers: [{ name: "matcher-1", metricsUrl: `http://127.0.0.1:${ports.matcher}/metrics` }],
      // The console's own principal (DESCRIBE only), not the matcher's.
      kafka: { brokers: stack.kafkaBrokers, credentialsFile: operatorConsoleCredentials(stack) },
      pollIntervalMs: 500,
    }),
    { logger: silent, distDir: built.distDir },
  );
  userDataDir = mkdtempSync(path.join(tmpdir(), "ic-console-chromium-"));
  browser = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1100 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  page = browser.pages()[0] ?? (await browser.newPage());
}, 300_000);

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  if (userDataDir !== undefined) rmSync(userDataDir, { recursive: true, force: true });
  await deadApiConsole?.stop();
  await console_?.stop();
  await coordinator?.stop();
  nodes?.closeAll();
});

describe("operator console", () => {
  it("refuses every request without the API token, or with a wrong one: 401 and nothing about the cluster", async () => {
    const secrets = [stack.cluster.nodes.alpha.pubkey, stack.cluster.nodes.bravo.pubkey, coordinator.deployment, "ic_bridge", token];
    const cases: [string, RequestInit][] = [];
    for (const route of ["/", "/index.html", "/api/overview", "/api/invoices?state=SETTLED", `/api/invoice?q=${"00".repeat(32)}`, "/api/stream", "/assets/x.js", "/nope"]) {
      cases.push([route, {}]);
      cases.push([route, { headers: { authorization: `Bearer ${token.slice(0, -1)}x` } }]);
      cases.push([route, { headers: { authorization: token } }]);
      cases.push([route, { headers: { cookie: `ic_console_session=${"ab".repeat(32)}` } }]);
    }
    for (const [route, init] of cases) {
      const response = await fetch(new URL(route, console_.url), { ...init, redirect: "manual" });
      const body = await response.text();
      expect(response.status, `${route} ${JSON.stringify(init.headers ?? {})}`).toBe(401);
      for (const secret of secrets) expect(body, route).not.toContain(secret);
    }
    const wrongSignIn = await fetch(new URL("/login", console_.url), {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: `${token}x` }),
      redirect: "manual",
    });
    expect(wrongSignIn.status).toBe(401);
    expect(wrongSignIn.headers.get("set-cookie")).toBeNull();
    // The right token in the header is let in.
    const overview = await fetch(new URL("/api/overview", console_.url), { headers: { authorization: `Bearer ${token}` } });
    expect(overview.status).toBe(200);
    // The browser gets the sign-in form with the 401.
    const first = await page.goto(console_.url);
    expect(first?.status()).toBe(401);
    await page.getByLabel("API token").waitFor();
  });

  it("after signing in, shows a payment split across alpha and bravo as SETTLED with its parts on both nodes, without a reload", async () => {
    await page.getByLabel("API token").fill(token);
    await Promise.all([page.waitForURL(console_.url), page.getByRole("button", { name: "Sign in" }).click()]);
    await page.locator('[data-testid=connection]:text("live")').waitFor();
    // Both bridges' metrics read, with lnd's height, and the matcher group's lag from Kafka.
    for (const node of ["alpha", "bravo"]) {
      const row = page.locator(`[data-testid=nodes] tr[data-node=${node}]`);
      await row.locator('[data-testid=bridge-metrics]:has-text("up")').waitFor();
      await expect.poll(async () => Number(await row.locator("[data-testid=height]").textContent())).toBeGreaterThan(0);
    }
    await page.locator('[data-testid=kafka-state]:has-text("Kafka up")').waitFor();
    await page.locator("[data-testid=total-lag]").waitFor();

    let navigations = 0;
    page.on("framenavigated", (frame) => {
      if (frame === page.mainFrame()) navigations++;
    });
    await page.evaluate(() => Object.assign(globalThis, { consoleMarker: "same document" }));

    const externalRef = `console-${coordinator.run}`;
    const amountMsat = 1_500_000_000n; // each payer channel holds 1M sat: the payer must split
    const { invoice } = await coordinator.api.createInvoice({ externalRef, amountMsat, mode: "auto", description: "operator console e2e" });
    const payment = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 90, feeLimitMsat: 2_000_000n, maxParts: 16 }).final();
    expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
    expect(new Set(partsByNode(payment, stack).map((p) => p.node))).toEqual(new Set(["alpha", "bravo"]));

    // It arrives through the event stream: the page is not reloaded.
    const settlement = page.locator(`[data-testid=settlement][data-hash="${invoice.paymentHash}"]`);
    await settlement.waitFor({ timeout: 60_000 });
    expect(await settlement.locator("[data-testid=settlement-nodes]").textContent()).toMatch(/via alpha, bravo$/);
    await settlement.click();
    const detail = page.locator(`[data-testid=invoice-detail][data-hash="${invoice.paymentHash}"]`);
    await expect.poll(() => detail.locator("[data-testid=detail-status]").textContent()).toBe("SETTLED");
    const partNodes = await detail.locator("[data-testid=part]").evaluateAll((rows) => rows.map((r) => r.getAttribute("data-node")));
    expect(new Set(partNodes)).toEqual(new Set(["alpha", "bravo"]));
    const settled = await coordinator.api.lookupInvoice({ paymentHash: invoice.paymentHash });
    expect(partNodes).toHaveLength(settled.htlcs.length);
    // The SETTLED list of the invoices by state has it too, and the search by reference finds it.
    await page.locator('[data-testid=state-tabs] button[data-state="SETTLED"]').click();
    await page.locator(`[data-testid=invoice-list] tr[data-hash="${invoice.paymentHash}"]`).waitFor();
    await page.getByPlaceholder("payment hash or reference").fill(externalRef);
    await page.getByRole("button", { name: "Look up" }).click();
    await detail.waitFor();
    await page.getByPlaceholder("payment hash or reference").fill("no-such-ref");
    await page.getByRole("button", { name: "Look up" }).click();
    await page.locator('[data-testid=search-problem]:text("no such invoice")').waitFor();
    await page.getByPlaceholder("payment hash or reference").fill(invoice.paymentHash);
    await page.getByRole("button", { name: "Look up" }).click();
    await detail.waitFor();
    // The chart has points, and counted the settlement and the HTLC settles sent to lnd.
    const chart = page.locator("[data-testid=rate-chart]");
    await expect.poll(async () => Number(await chart.getAttribute("data-points"))).toBeGreaterThan(2);
    await expect.poll(async () => Number(await chart.getAttribute("data-peak-settlements"))).toBeGreaterThan(0);
    await expect.poll(async () => Number(await chart.getAttribute("data-peak-decisions"))).toBeGreaterThan(0);

    expect(navigations).toBe(0);
    expect(await page.evaluate(() => (globalThis as { consoleMarker?: string }).consoleMarker)).toBe("same document");
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it("a bridge that stops answering shows as unreachable; an unreachable invoice API is a state, not a crash", async () => {
    await coordinator.stopService("bravo");
    const bravo = page.locator("[data-testid=nodes] tr[data-node=bravo]");
    await bravo.locator('[data-testid=bridge-metrics]:has-text("unreachable")').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=nodes] tr[data-node=alpha] [data-testid=bridge-metrics]:has-text("up")').waitFor();

    deadApiConsole = await startOperatorConsole(consoleConfig({ listen: `127.0.0.1:${await freePort()}`, api: { address: `127.0.0.1:${await freePort()}` }, pollIntervalMs: 200 }), {
      logger: silent,
      distDir: (await ensureWebBuilt()).distDir,
    });
    const overview = await waitUntil("the console to report the API unreachable", async () => {
      const response = await fetch(new URL("/api/overview", deadApiConsole!.url), { headers: { authorization: `Bearer ${token}` } });
      const body = (await response.json()) as Overview;
      return body.api.state === "unreachable" && body.api.error !== "not polled yet" ? body : undefined;
    });
    expect(overview.api.error).toMatch(/cannot reach the invoice API|UNAVAILABLE|timed out/);
    expect(overview.kafka.state).toBe("not configured");
    const pageAnswer = await fetch(new URL("/", deadApiConsole.url), { headers: { authorization: `Bearer ${token}` } });
    expect(pageAnswer.status).toBe(200);
  });
});
