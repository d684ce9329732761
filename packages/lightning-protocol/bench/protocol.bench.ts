// Throughput of the virtual node's hot paths on one core (a plain synchronous loop), for each
// secp256k1 backend. Prints one JSON line per figure: {"name","value","unit"}. The main figures
// are per second of the process's CPU time, so a busy shared machine (other test suites, lnd,
// Kafka) does not masquerade as a slow protocol core; *.wall lines give wall-clock rates.
// Backends are measured in interleaved rounds (case by case, addon / native / noble in turn), so
// a burst of noise on this shared VM hits them alike and the ratios stay comparable.
// BENCH_SECONDS (default 2) sets the total duration of each case per backend; BENCH_ROUNDS
// (default 4) how many slices it is cut into.
//   peel.*      peelFinalHop of a 1366-byte onion (ECDH + 2 HMAC + ChaCha20 + TLV parse)
//   failure.*   buildFailurePacket (292 bytes; no elliptic-curve work, so all backends match)
//   invoice.*   encodeInvoice with 3 route hints, signed
//   invoice_decode.*  decodeInvoice of that invoice (public-key recovery)
//   ecdh.*, sign.*    the bare backend operations under peel and invoice
//   *.addon_vs_native, *.addon_vs_noble, *.native_vs_noble   ratios of the per-CPU-second rates
// Backends: addon = current libsecp256k1 built here (packages/libsecp256k1-addon); native = the
// npm secp256k1 package's prebuilt 2019 libsecp256k1; noble = @noble/secp256k1 (pure JS).
// Goals (DESIGN): >= 10,000 peels/s and >= 5,000 invoices/s on one core.
import {
  buildFailurePacket,
  buildOnion,
  createAddonSecp256k1Backend,
  createNativeSecp256k1Backend,
  createNobleSecp256k1Backend,
  decodeInvoice,
  encodeHopPayload,
  encodeInvoice,
  peelFinalHop,
  virtualNodeRouteHints,
  VIRTUAL_NODE_FEATURE_BITS,
  type InvoiceToSign,
  type Secp256k1Backend,
  type Secp256k1BackendName,
} from "../src/index.ts";
import { loadLibsecp256k1Addon } from "@ic/libsecp256k1-addon";

const SECONDS_PER_CASE = Number(process.env["BENCH_SECONDS"] ?? 2);
const ROUNDS = Math.max(1, Math.round(Number(process.env["BENCH_ROUNDS"] ?? 4)));

function bytes(fill: number, length = 32): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

/** Work done in one or more measured slices. */
interface Tally {
  count: number;
  cpuSeconds: number;
  wallSeconds: number;
}

function measureSlice(run: (i: number) => void, seconds: number, tally: Tally): void {
  // Warm up the JIT (and the caches after the other backends ran): 200 runs, or 100 ms for the
  // slow pure-JS backend.
  const warmUntil = process.hrtime.bigint() + 100_000_000n;
  for (let i = 0; i < 200 && process.hrtime.bigint() < warmUntil; i++) run(i);
  const deadline = process.hrtime.bigint() + BigInt(Math.round(seconds * 1e9));
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  let count = 0;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < 50; i++) run(count + i);
    count += 50;
    now = process.hrtime.bigint();
  }
  const cpu = process.cpuUsage(cpuStart);
  tally.count += count;
  tally.cpuSeconds += (cpu.user + cpu.system) / 1e6;
  tally.wallSeconds += Number(now - start) / 1e9;
}

function emit(name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }));
}

const setup = createNobleSecp256k1Backend();
const nodeKey = bytes(0x99);
const nodePubkey = setup.publicKeyCreate(nodeKey);
const paymentHash = bytes(0xab);
const payload = encodeHopPayload({
  amtToForwardMsat: 250_000n,
  outgoingCltv: 800_144,
  paymentData: { paymentSecret: bytes(0x5a), totalMsat: 1_000_000n },
  customRecords: new Map(),
});
// Distinct session keys: every onion carries a different ephemeral point, as real HTLCs do.
const onions = Array.from({ length: 64 }, (_, i) => buildOnion(setup, bytes(i + 1), [{ nodePubkey, payload }], paymentHash).onion);
const sharedSecrets = Array.from({ length: 64 }, (_, i) => bytes(i + 7));
const invoiceRequest: InvoiceToSign = {
  network: "mainnet",
  amountMsat: 1_234_567n,
  timestamp: 1_700_000_000,
  paymentHash,
  paymentSecret: bytes(0xcd),
  description: "benchmark invoice",
  expirySeconds: 3600,
  minFinalCltvExpiryDelta: 80,
  featureBits: VIRTUAL_NODE_FEATURE_BITS,
  routeHints: virtualNodeRouteHints(
    [0xa1, 0xa2, 0xa3].map((fill) => ({ nodePubkey: setup.publicKeyCreate(bytes(fill)), feeBaseMsat: 0, feeProportionalMillionths: 100, cltvExpiryDelta: 40 })),
  ),
};

// Each case as a function of the backend; the closure runs one operation for index i.
const CASES: Record<string, { unit: string; prepare: (backend: Secp256k1Backend) => (i: number) => void }> = {
  peel: {
    unit: "peels/s",
    prepare: (backend) => {
      const check = peelFinalHop(backend, nodeKey, onions[0] as Uint8Array, paymentHash);
      if (!check.ok) throw new Error(`benchmark onion does not peel with ${backend.name}: ${check.error.message}`);
      return (i) => {
        if (!peelFinalHop(backend, nodeKey, onions[i & 63] as Uint8Array, paymentHash).ok) throw new Error("peel failed");
      };
    },
  },
  failure: {
    unit: "packets/s",
    prepare: () => (i) => {
      buildFailurePacket(sharedSecrets[i & 63] as Uint8Array, { type: "incorrect_or_unknown_payment_details", htlcMsat: BigInt(i), height: 840_000 });
    },
  },
  invoice: {
    unit: "invoices/s",
    prepare: (backend) => (i) => {
      encodeInvoice(backend, nodeKey, { ...invoiceRequest, timestamp: 1_700_000_000 + i });
    },
  },
  invoice_decode: {
    unit: "decodes/s",
    prepare: (backend) => {
      const sample = encodeInvoice(backend, nodeKey, invoiceRequest);
      return () => {
        if (!decodeInvoice(backend, sample).ok) throw new Error("decode failed");
      };
    },
  },
  // The elliptic-curve floor under the two hot paths, to read the figures above on a machine of
  // another speed: peel ~= 1 ECDH + symmetric work, invoice ~= 1 signature + encoding.
  ecdh: {
    unit: "ecdh/s",
    prepare: (backend) => {
      const ephemeralKeys = onions.map((onion) => onion.subarray(1, 34));
      return (i) => {
        backend.ecdh(nodeKey, ephemeralKeys[i & 63] as Uint8Array);
      };
    },
  },
  sign: {
    unit: "signatures/s",
    prepare: (backend) => (i) => {
      backend.signRecoverable(sharedSecrets[i & 63] as Uint8Array, nodeKey);
    },
  },
};

const backends: Secp256k1Backend[] = [];
try {
  backends.push(createAddonSecp256k1Backend());
  console.error(`addon: ${loadLibsecp256k1Addon().library}`);
} catch (error) {
  console.error(`addon not measured: ${error instanceof Error ? error.message : String(error)}`);
}
backends.push(createNativeSecp256k1Backend(), createNobleSecp256k1Backend());
console.error(`one core, ${SECONDS_PER_CASE}s per case and backend in ${ROUNDS} interleaved rounds: ${backends.map((b) => b.name).join(", ")}`);

const perCpuSecond = (tally: Tally): number => tally.count / tally.cpuSeconds;
const rates: Record<string, Partial<Record<Secp256k1BackendName, number>>> = {};
for (const [name, { unit, prepare }] of Object.entries(CASES)) {
  const runs = backends.map((backend) => ({ backend, run: prepare(backend), tally: { count: 0, cpuSeconds: 0, wallSeconds: 0 } }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const entry of runs) measureSlice(entry.run, SECONDS_PER_CASE / ROUNDS, entry.tally);
  }
  const rate: Partial<Record<Secp256k1BackendName, number>> = {};
  for (const { backend, tally } of runs) {
    rate[backend.name] = perCpuSecond(tally);
    emit(`${name}.${backend.name}`, perCpuSecond(tally), unit);
    emit(`${name}.${backend.name}.wall`, tally.count / tally.wallSeconds, `${unit} (wall clock)`);
  }
  for (const [fast, slow] of [["addon", "native"], ["addon", "noble"], ["native", "noble"]] as const) {
    const a = rate[fast];
    const b = rate[slow];
    if (a !== undefined && b !== undefined) emit(`${name}.${fast}_vs_${slow}`, a / b, `${fast}/${slow}`);
  }
  rates[name] = rate;
}

const best = (name: string): { backend: string; value: number } => {
  const entries = Object.entries(rates[name] ?? {}) as [string, number][];
  const [backend, value] = entries.reduce((a, b) => (b[1] > a[1] ? b : a));
  return { backend, value };
};
for (const [name, goal] of [["peel", 10_000], ["invoice", 5_000]] as const) {
  const { backend, value } = best(name);
  console.error(`goal ${name} >= ${goal}/s on one core: ${value >= goal ? "met" : "NOT met"} (best: ${backend} ${Math.round(value)}/s)`);
}
