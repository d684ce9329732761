// The whole CLI in-process against a real invoice API (gRPC on 127.0.0.1:0) over the fake
// port: what it prints, where, and with which exit code.
import { InvoiceServiceError, type InvoiceEventView } from "@ic/invoice-api-client";
import { startTestInvoiceApi, TEST_API_TOKEN, TEST_TLS_CERT_PEM, TEST_TLS_FILES, type TestInvoiceApi } from "@ic/invoice-matcher/api/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { EXIT_OK, EXIT_REFUSED, EXIT_UNAUTHENTICATED, EXIT_UNAVAILABLE, EXIT_USAGE } from "./exit-codes.ts";
import { runCli, type CliIo } from "./run-cli.ts";

let t: TestInvoiceApi;

beforeEach(async () => {
  t = await startTestInvoiceApi();
});

afterEach(async () => {
  await t.stop();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: string[], extra: Partial<CliIo> = {}, env: Record<string, string> = {}): Promise<Run> {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    argv,
    { IC_API_ADDRESS: t.address, IC_API_TOKEN: TEST_API_TOKEN, ...env },
    {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text) },
      ...extra,
    },
  );
  return { code, stdout, stderr };
}

function json(result: Run): unknown {
  expect(result.stderr).toBe("");
  expect(result.code).toBe(EXIT_OK);
  return JSON.parse(result.stdout);
}

describe("commands against the API", () => {
  it("add prints {created, invoice} with amounts as exact decimal strings", async () => {
    const output = json(await run(["add", "--ref", "order-1", "--mode", "hold", "--amount-msat", "9007199254740993", "--description", "coffee"]));

    expect(output).toMatchObject({ created: true, invoice: { externalRef: "order-1", mode: "hold", status: "OPEN", amountMsat: "9007199254740993" } });
    expect(t.fake.calls[0]?.input).toEqual({ externalRef: "order-1", mode: "hold", amountMsat: 9_007_199_254_740_993n, description: "coffee" });
  });

  it("lookup, settle and cancel print the invoice", async () => {
    const { invoice } = await t.fake.createInvoice({ externalRef: "hold-1", amountMsat: 1000n, mode: "hold" });
    t.fake.accept(invoice.paymentHash, [{ nodeId: "alice", chanId: 2n ** 60n, htlcId: 3n, amountMsat: 1000n, status: "HELD" }]);

    expect(json(await run(["lookup", "--ref", "hold-1"]))).toMatchObject({ status: "ACCEPTED", htlcs: [{ chanId: "1152921504606846976", htlcId: "3" }] });
    expect(json(await run(["settle", invoice.paymentHash]))).toMatchObject({ status: "SETTLE_REQUESTED", amountPaidMsat: "1000" });

    const { invoice: other } = await t.fake.createInvoice({ externalRef: "hold-2", mode: "hold" });
    expect(json(await run(["cancel", "--hash", other.paymentHash]))).toMatchObject({ status: "CANCELLED", amountMsat: null });
  });

  it("list prints one page and its token; --all follows every page", async () => {
    for (let i = 0; i < 5; i++) await t.fake.createInvoice({ externalRef: `order-${i}`, mode: "auto" });

    const page = json(await run(["list", "--page-size", "2"])) as { invoices: { externalRef: string }[]; nextPageToken: string };
    const all = json(await run(["list", "--page-size", "2", "--all"])) as { invoices: { externalRef: string }[] };

    expect(page.invoices.map((invoice) => invoice.externalRef)).toEqual(["order-0", "order-1"]);
    expect(page.nextPageToken).toBe("fake-page:2");
    expect(all.invoices.map((invoice) => invoice.externalRef)).toEqual(["order-0", "order-1", "order-2", "order-3", "order-4"]);
  });

  it("info prints scids exactly", async () => {
    expect(json(await run(["info"]))).toEqual({
      coordinatorPubkey: "02" + "c0".repeat(32),
      network: "regtest",
      nodes: [
        { name: "alice", pubkey: "03" + "a1".repeat(32), virtualScid: "11646767826930344353", bridgeConnected: true },
        { name: "bob", pubkey: "02" + "b2".repeat(32), virtualScid: "9223372036854775986", bridgeConnected: false },
      ],
    });
  });

  it("subscribe prints one JSON object per line from --after, and stops after --max-events", async () => {
    for (let i = 0; i < 3; i++) await t.fake.createInvoice({ externalRef: `sub-${i}`, mode: "auto" });

    const result = await run(["subscribe", "--after", "1", "--max-events", "2"]);

    expect(result.code).toBe(EXIT_OK);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines.map((line) => (JSON.parse(line) as InvoiceEventView).sequence)).toEqual(["2", "3"]);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ kind: "CREATED", invoice: { externalRef: "sub-1" } });
  });

  it("subscribe ends cleanly (exit 0) when interrupted", async () => {
    await t.fake.createInvoice({ externalRef: "live-0", mode: "auto" });
    const interrupt = new AbortController();
    const running = run(["subscribe"], { signal: interrupt.signal });
    await t.fake.waitFor(() => t.fake.subscriptionCount === 1);

    interrupt.abort();
    const result = await running;

    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout.trimEnd().split("\n")).toHaveLength(1);
  });

  it("subscribe says where to resume when the stream fails", async () => {
    await t.fake.createInvoice({ externalRef: "end-0", mode: "auto" });
    const running = run(["subscribe"]);
    await t.fake.waitFor(() => t.fake.subscriptionCount === 1);

    t.fake.endSubscriptions();
    const result = await running;

    expect(result.code).toBe(EXIT_UNAVAILABLE);
    expect(result.stderr).toContain("last event received: 1 (resume with --after 1)");
  });

  it("connects with TLS when given the certificate", async () => {
    const secure = await startTestInvoiceApi({ tls: TEST_TLS_FILES });
    try {
      const result = await run(["info", "--api", `localhost:${secure.api.port}`, "--tls-cert", "api.cert"], {
        readFile: (path) => {
          expect(path).toBe("api.cert");
          return Buffer.from(TEST_TLS_CERT_PEM);
        },
      });
      expect(result.code).toBe(EXIT_OK);
    } finally {
      await secure.stop();
    }
  });
});

describe("failures and exit codes", () => {
  it("prints help on stdout with exit 0", async () => {
    const result = await run(["--help"]);

    expect(result).toMatchObject({ code: EXIT_OK, stderr: "" });
    expect(result.stdout).toContain("Usage: ic-coordinator <command> [flags]");
  });

  it("usage errors: exit 2, message and where to look on stderr, nothing sent", async () => {
    const result = await run(["add", "--ref", "r"]);

    expect(result).toEqual({
      code: EXIT_USAGE,
      stdout: "",
      stderr: "ic-coordinator: add needs --mode auto or --mode hold\n(see ic-coordinator add --help)\n",
    });
    expect(t.fake.calls).toEqual([]);
  });

  it("a refusal of the API: exit 1 with the status and the API's message", async () => {
    const result = await run(["lookup", "--ref", "missing"]);

    expect(result).toEqual({ code: EXIT_REFUSED, stdout: "", stderr: "ic-coordinator: LookupInvoice: NOT_FOUND: no invoice with external_ref missing\n" });
  });

  it("a validation error of the API names the field", async () => {
    const result = await run(["settle", "not-a-hash"]);

    expect(result.code).toBe(EXIT_REFUSED);
    expect(result.stderr).toBe("ic-coordinator: SettleInvoice: INVALID_ARGUMENT: payment_hash must be 32 bytes as 64 hex characters; it has 10 characters\n");
  });

  it("an unavailable port: exit 3", async () => {
    t.fake.failNext("getInfo", new InvoiceServiceError("unavailable", "the projection is rebuilding"));

    const result = await run(["info"]);

    expect(result).toEqual({ code: EXIT_UNAVAILABLE, stdout: "", stderr: "ic-coordinator: GetInfo: UNAVAILABLE: the projection is rebuilding\n" });
  });

  it("an unreachable API: exit 3, saying where it looked", async () => {
    const address = t.address;
    await t.api.stop();

    const result = await run(["info"]);

    expect(result.code).toBe(EXIT_UNAVAILABLE);
    expect(result.stderr.startsWith(`ic-coordinator: cannot reach the invoice API at ${address}: `)).toBe(true);
  });

  it("a wrong token: exit 4, and the token is not printed", async () => {
    const wrong = "wrong-token-" + "9".repeat(40);

    const result = await run(["info"], {}, { IC_API_TOKEN: wrong });

    expect(result).toEqual({ code: EXIT_UNAUTHENTICATED, stdout: "", stderr: "ic-coordinator: GetInfo: UNAUTHENTICATED: invalid bearer token\n" });
  });

  it("an unreadable certificate file: exit 2", async () => {
    const result = await run(["info", "--tls-cert", "/nonexistent/api.cert"]);

    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toContain("cannot read the TLS certificate /nonexistent/api.cert");
  });
});
