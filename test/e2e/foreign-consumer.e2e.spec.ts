// Issue 12 item 2 on the real cluster: an invoice paid through lnd, and a consumer that is not
// ours and not TypeScript (Python's confluent-kafka with its AvroDeserializer and the registry URL,
// as the read-only public principal) sees CREATED -> SETTLED on the public invoice events topic of
// the coordinator's deployment (<deployment>.invoice.events.v1; the stack's is ic.invoice.events.v1).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStackConfig } from "../support/stack-config.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { startCoordinator, type CoordinatorHarness } from "../support/coordinator-harness.ts";
import { lastFailureCode } from "../support/payments.ts";
import { consumeWithPython, foreignPython } from "../foreign-client/python-consumer.ts";

const stack = loadStackConfig();
let nodes: StackClients;
let coordinator: CoordinatorHarness;
let python: string;

beforeAll(async () => {
  python = foreignPython();
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
  coordinator = await startCoordinator(stack);
}, 300_000);

afterAll(async () => {
  try {
    await coordinator?.stop();
  } finally {
    nodes?.closeAll();
  }
});

describe("a foreign consumer of the public topic", () => {
  it("Python confluent-kafka + AvroDeserializer sees CREATED -> SETTLED for a paid invoice", async () => {
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: `foreign-${coordinator.run}`, amountMsat: 21_000_000n, mode: "auto" });
    const consuming = consumeWithPython({
      python,
      topic: `${coordinator.deployment}.invoice.events.v1`,
      group: `${coordinator.deployment}.public.python`,
      paymentHash: invoice.paymentHash,
      timeoutS: 120,
    });
    const payment = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n }).final();
    expect(payment.status, lastFailureCode(payment)).toBe("SUCCEEDED");
    const result = await consuming;
    expect(result.code, result.stderr).toBe(0);
    const kinds = result.events.map((e) => e.kind);
    expect(kinds[0]).toBe("CREATED");
    expect(kinds.at(-1)).toBe("SETTLED");
    expect(kinds.indexOf("SETTLED")).toBeGreaterThan(kinds.indexOf("CREATED"));
    const settled = result.events.at(-1)!;
    expect(settled).toMatchObject({ paymentHash: invoice.paymentHash, amountMsat: "21000000", amountPaidMsat: "21000000" });
    expect(settled.parts).toBeGreaterThanOrEqual(1);
    // In order: CREATED is sequence 1, and every later event's sequence is higher.
    const sequences = result.events.map((e) => e.sequence);
    expect(sequences[0]).toBe(1);
    expect(sequences).toEqual([...sequences].sort((a, b) => a - b));
    expect(new Set(sequences).size).toBe(sequences.length);
  }, 240_000);
});
