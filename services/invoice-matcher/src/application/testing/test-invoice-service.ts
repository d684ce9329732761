// The InvoiceService over a Postgres and a processor the test provides (fakes answering only what
// the test needs), with a fresh coordinator identity and one cluster node: for unit tests.
import { randomBytes } from "node:crypto";
import type pg from "pg";
import type { InvoiceService } from "@ic/invoice-api-client";
import { bytesToHex } from "@ic/lightning-protocol";
import { createCoordinatorIdentity } from "../coordinator-identity.ts";
import type { InvoiceProcessor } from "../invoice-processor.ts";
import { createInvoiceService } from "../invoice-service-impl.ts";

export function testInvoiceService(pool: pg.Pool, processor: InvoiceProcessor = {} as InvoiceProcessor): InvoiceService {
  const identity = createCoordinatorIdentity(bytesToHex(randomBytes(32)), bytesToHex(randomBytes(32)));
  return createInvoiceService({
    pool,
    processor,
    identity,
    now: () => 0,
    settings: {
      network: "regtest",
      cluster: [{ name: "a", pubkey: bytesToHex(identity.backend.publicKeyCreate(randomBytes(32))) }],
      virtualHopPolicy: { feeBaseMsat: 0n, feeProportionalMillionths: 0n, cltvExpiryDelta: 40 },
      minFinalCltvExpiryDelta: 40,
      defaultExpirySeconds: 3600,
    },
    bridgeConnected: async () => false,
  });
}
