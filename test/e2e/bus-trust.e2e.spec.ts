// The bus as a trust boundary, on the real broker (SASL/SCRAM + ACLs) and real lnd (issue 8).
// The forged-replay attack written as an attacker would: the payer node is the attacker; it
// holds the Kafka credentials of a cluster node's bridge (bravo's: a compromised bridge host)
// and of the public principal, and pays through alpha. It forges an HTLC record for the
// coordinator invoice with the circuit key its NEXT real HTLC through alpha will get and the
// full amount, a FINAL_SETTLED outcome and a FAIL command; then it sends a real 1-sat HTLC under
// that circuit key. Nothing of it may move money: the broker refuses what the principal may not
// write, the matcher refuses records on a node's topic that claim another node, the 1-sat part
// is never settled, and the honest full payment afterwards settles the invoice once.
import { randomBytes } from "node:crypto";
import type { Producer } from "kafkajs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createKafka, encode, readKafkaCredentialsFile } from "@ic/event-log";
import { buildOnion, decodeInvoice, encodeHopPayload, hexToBytes, loadSecp256k1Backend, virtualScidForNode, type DecodedInvoice } from "@ic/lightning-protocol";
import { loadStackConfig } from "../support/stack-config.ts";
import { restorePayerLiquidity } from "../support/liquidity.ts";
import { connectAll, type StackClients } from "../support/lnd-nodes.ts";
import { startCoordinator, type CoordinatorHarness } from "../support/coordinator-harness.ts";
import { lastFailureCode, lndRouteHints, payerChannelTo } from "../support/payments.ts";
import { waitUntil } from "../support/wait-until.ts";

const stack = loadStackConfig();
const backend = loadSecp256k1Backend().backend;
let nodes: StackClients;
let coordinator: CoordinatorHarness;
let toAlpha: bigint;
const producers: Producer[] = [];

beforeAll(async () => {
  nodes = await connectAll(stack);
  await restorePayerLiquidity(stack, nodes);
  coordinator = await startCoordinator(stack);
  toAlpha = await payerChannelTo(nodes.payer, stack.cluster.nodes.alpha.pubkey);
});

afterAll(async () => {
  try {
    for (const p of producers) await p.disconnect().catch(() => undefined);
    await coordinator?.stop();
  } finally {
    nodes?.closeAll();
  }
});

/** A plain kafkajs producer, as any client would write, authenticated as the given principal. */
async function attackerProducer(credentialsFile: string): Promise<Producer> {
  const kafka = createKafka({ brokers: stack.kafkaBrokers, clientId: `attacker-${randomBytes(3).toString("hex")}`, sasl: readKafkaCredentialsFile(credentialsFile), retry: { retries: 0 } });
  const producer = kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  producers.push(producer);
  return producer;
}

async function rejectedRecords(reason: string): Promise<number> {
  const metric = await coordinator.matcher.metrics.rejectedRecords.get();
  return metric.values.filter((v) => v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
}

function decoded(bolt11: string): DecodedInvoice {
  const result = decodeInvoice(backend, bolt11);
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

const status = async (paymentHash: string): Promise<string> => (await coordinator.matcher.service.lookupInvoice({ paymentHash })).status;

describe("a record on the bus is a claim, not a fact", () => {
  it("the forged-replay attack moves no money; the honest payment settles the invoice once", { timeout: 240_000 }, async () => {
    const { alpha, bravo } = stack.cluster.nodes;
    const topics = coordinator.config.topics;
    const amountMsat = 100_000_000n;
    let refs = 0;
    const ref = (what: string): string => `${what}-${coordinator.run}-${refs++}`;

    // 1. The attacker learns the index its next HTLC over its channel to alpha will get: it pays
    //    a small coordinator invoice through alpha and reads the circuit key off the invoice.
    const probe = (await coordinator.matcher.service.createInvoice({ externalRef: ref("probe"), amountMsat: 2_000_000n, mode: "auto" })).invoice;
    const probePayment = await nodes.payer.sendPaymentV2({ paymentRequest: probe.bolt11, outgoingChanIds: [toAlpha], timeoutSeconds: 60, feeLimitMsat: 100_000n, maxParts: 1 }).final();
    expect(probePayment.status, lastFailureCode(probePayment)).toBe("SUCCEEDED");
    const probeHtlc = (await coordinator.matcher.service.lookupInvoice({ paymentHash: probe.paymentHash })).htlcs[0]!;
    expect(probeHtlc.chanId).toBe(toAlpha);
    const forgedKey = { chanId: toAlpha, htlcId: probeHtlc.htlcId + 1n };

    // 2. The target: an honest merchant's invoice.
    const { invoice } = await coordinator.matcher.service.createInvoice({ externalRef: ref("target"), amountMsat, mode: "auto" });
    const terms = decoded(invoice.bolt11);
    const forgedHtlc = (claimedNode: string) =>
      encode("htlc-intercepted", {
        nodeId: claimedNode,
        circuitKey: forgedKey,
        paymentHash: invoice.paymentHash,
        incomingAmountMsat: amountMsat + 20_000n,
        outgoingAmountMsat: amountMsat,
        incomingExpiry: 10_000,
        outgoingExpiry: 9_900,
        autoFailHeight: 9_981,
        outgoingRequestedChanId: virtualScidForNode(hexToBytes(claimedNode)),
        // A valid onion for the coordinator's key, with the payment_secret from the BOLT 11 string.
        onionBlob: Buffer.from(
          buildOnion(
            backend,
            randomBytes(32),
            [
              {
                nodePubkey: terms.payeeNodeKey,
                payload: encodeHopPayload({ amtToForwardMsat: amountMsat, outgoingCltv: 9_900, paymentData: { paymentSecret: terms.paymentSecret, totalMsat: amountMsat }, customRecords: new Map() }),
              },
            ],
            terms.paymentHash,
          ).onion,
        ),
        customRecords: {},
        blockHeight: 500,
        interceptedAtMs: Date.now(),
        bridgeInstanceId: "attacker",
      });

    // 3. The public principal may write nowhere; bravo's bridge principal may not write alpha's topics
    //    nor any commands topic: the broker refuses, nothing reaches the matcher.
    const asPublic = await attackerProducer(stack.kafkaCredentials.public);
    const asBravo = await attackerProducer(stack.kafkaCredentials.bridges.bravo);
    const forgedAlpha = forgedHtlc(alpha.pubkey);
    await expect(asPublic.send({ topic: topics.htlcIntercepted(alpha.pubkey), messages: [{ key: invoice.paymentHash, ...forgedAlpha }] })).rejects.toThrow(/authoriz/i);
    await expect(asBravo.send({ topic: topics.htlcIntercepted(alpha.pubkey), messages: [{ key: invoice.paymentHash, ...forgedAlpha }] })).rejects.toThrow(/authoriz/i);
    const forgedFail = encode("htlc-command", {
      commandId: randomBytes(16).toString("hex"),
      nodeId: alpha.pubkey,
      circuitKey: forgedKey,
      paymentHash: invoice.paymentHash,
      action: "FAIL",
      preimage: null,
      failureMessage: null,
      failureCode: "TEMPORARY_CHANNEL_FAILURE",
      expectedIncomingAmountMsat: null,
      expectedIncomingExpiry: null,
      issuedAtMs: Date.now(),
    });
    await expect(asBravo.send({ topic: topics.htlcCommands(alpha.pubkey), messages: [{ key: alpha.pubkey, ...forgedFail }] })).rejects.toThrow(/authoriz/i);
    await expect(asPublic.send({ topic: topics.htlcCommands(alpha.pubkey), messages: [{ key: alpha.pubkey, ...forgedFail }] })).rejects.toThrow(/authoriz/i);

    // 4. What bravo's principal can write: its own node's topics. A record there claiming alpha,
    //    and a forged FINAL_SETTLED for the same key, are refused by the matcher (never decided).
    const before = await rejectedRecords("topic-node-mismatch");
    await asBravo.send({ topic: topics.htlcIntercepted(bravo.pubkey), messages: [{ key: invoice.paymentHash, ...forgedAlpha }] });
    await asBravo.send({
      topic: topics.htlcOutcomes(bravo.pubkey),
      messages: [
        {
          key: invoice.paymentHash,
          ...encode("htlc-outcome", { nodeId: alpha.pubkey, circuitKey: forgedKey, paymentHash: invoice.paymentHash, kind: "FINAL_SETTLED", commandId: null, reason: null, atMs: Date.now() }),
        },
      ],
    });
    await waitUntil("the matcher refused both forged records", async () => ((await rejectedRecords("topic-node-mismatch")) >= before + 2 ? true : undefined), { timeoutMs: 30_000 });
    expect(await status(invoice.paymentHash)).toBe("OPEN");

    // 5. The real 1-sat HTLC through alpha, announcing the full total: it gets the forged circuit
    //    key, is held as an underpaid part and failed at the MPP timeout; the payer gets no preimage.
    const alphaHint = terms.routeHints.find((h) => Buffer.from(h[0]!.nodePubkey).toString("hex") === alpha.pubkey)!;
    const [route] = await nodes.payer.queryRoutes({
      pubKey: Buffer.from(terms.payeeNodeKey).toString("hex"),
      amtMsat: 1_000n,
      finalCltvDelta: terms.minFinalCltvExpiryDelta + 3,
      feeLimitMsat: 100_000n,
      outgoingChanIds: [toAlpha],
      routeHints: lndRouteHints([alphaHint]),
      destFeatures: ["TLV_ONION_REQ", "PAYMENT_ADDR_REQ", "MPP_OPT"],
    });
    route!.hops.at(-1)!.mppRecord = { paymentAddr: Buffer.from(terms.paymentSecret), totalAmtMsat: amountMsat };
    const attempt = nodes.payer.sendToRouteV2({ paymentHash: Buffer.from(terms.paymentHash), route: route! }, { timeoutMs: 200_000 });
    await waitUntil(
      "the 1-sat HTLC held under the forged circuit key",
      async () => ((await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash })).htlcs.some((h) => h.chanId === forgedKey.chanId && h.htlcId === forgedKey.htlcId) ? true : undefined),
      { timeoutMs: 30_000 },
    );
    // A forged FINAL_SETTLED for the HTLC that is really held: refused like the first one.
    await asBravo.send({
      topic: topics.htlcOutcomes(bravo.pubkey),
      messages: [
        {
          key: invoice.paymentHash,
          ...encode("htlc-outcome", { nodeId: alpha.pubkey, circuitKey: forgedKey, paymentHash: invoice.paymentHash, kind: "FINAL_SETTLED", commandId: null, reason: null, atMs: Date.now() }),
        },
      ],
    });
    const attacked = await attempt;
    expect(attacked.status).toBe("FAILED");
    expect(attacked.failure?.code).toBe("MPP_TIMEOUT");
    expect(Buffer.from(attacked.preimage ?? Buffer.alloc(0)).toString("hex")).not.toMatch(/[1-9a-f]/);
    expect(await status(invoice.paymentHash)).toBe("OPEN");
    expect(await rejectedRecords("topic-node-mismatch")).toBeGreaterThanOrEqual(before + 3);

    // 6. The honest payer pays the full amount: settled once, with the real amount.
    const honest = await nodes.payer.sendPaymentV2({ paymentRequest: invoice.bolt11, timeoutSeconds: 60, feeLimitMsat: 100_000n }).final();
    expect(honest.status, lastFailureCode(honest)).toBe("SUCCEEDED");
    await waitUntil("invoice SETTLED", async () => ((await status(invoice.paymentHash)) === "SETTLED" ? true : undefined), { timeoutMs: 60_000 });
    const settled = await coordinator.matcher.service.lookupInvoice({ paymentHash: invoice.paymentHash });
    expect(settled.amountPaidMsat).toBe(amountMsat);
    expect(settled.htlcs.filter((h) => h.status === "SETTLED").every((h) => !(h.chanId === forgedKey.chanId && h.htlcId === forgedKey.htlcId))).toBe(true);
    await waitUntil("SETTLED on the public topic", () =>
      coordinator.invoiceEvents.some((e) => e.paymentHash === invoice.paymentHash && e.kind === "SETTLED") ? true : undefined,
    );
    expect(coordinator.invoiceEvents.filter((e) => e.paymentHash === invoice.paymentHash && e.kind === "SETTLED")).toHaveLength(1);
  });
});
