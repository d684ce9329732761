// Throughput of the virtual node's hot paths on one core (a plain synchronous loop), for both
// secp256k1 backends. Prints one JSON line per figure: {"name","value","unit"}. The main figures
// are per second of the process's CPU time, so a busy shared machine (other test suites, lnd,
// Kafka) does not masquerade as a slow protocol core; *.wall lines give wall-clock rates.
// BENCH_SECONDS (default 2) sets the duration of each case.
//   peel.*      peelFinalHop of a 1366-byte onion (ECDH + 2 HMAC + ChaCha20 + TLV parse)
//   failure.*   buildFailurePacket (292 bytes; no elliptic-curve work, so both backends match)
//   invoice.*   encodeInvoice with 3 route hints, signed
//   invoice_decode.*  decodeInvoice of that invoice (public-key recovery)
//   ecdh.*, sign.*    the bare backend operations under peel and invoice
//   *.ratio     native / noble
// Goals (DESIGN): >= 10,000 peels/s and >= 5,000 invoices/s with native.
import {
  buildFailurePacket,
  buildOnion,
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
} from "../src/index.ts";

const SECONDS_PER_CASE = Number(process.env["BENCH_SECONDS"] ?? 2);

function bytes(fill: number, length = 32): Uint8Array {
  return new Uint8Array(length).fill(fill);
}

interface Rate {
  /** Operations per second of this process's CPU time: what one core sustains, even on a shared, busy machine. */
  readonly perCpuSecond: number;
  /** Operations per wall-clock second: lower than perCpuSecond when other processes compete for the cores. */
  readonly perWallSecond: number;
}

function measure(run: (i: number) => void): Rate {
  for (let i = 0; i < 200; i++) run(i); // warm up the JIT
  const deadline = process.hrtime.bigint() + BigInt(Math.round(SECONDS_PER_CASE * 1e9));
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
  return { perCpuSecond: count / ((cpu.user + cpu.system) / 1e6), perWallSecond: count / (Number(now - start) / 1e9) };
}

function emit(name: string, value: number, unit: string): void {
  console.log(JSON.stringify({ name, value: Math.round(value * 100) / 100, unit }));
}

const setup = createNativeSecp256k1Backend();
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

function benchBackend(backend: Secp256k1Backend): Record<string, Rate> {
  const check = peelFinalHop(backend, nodeKey, onions[0] as Uint8Array, paymentHash);
  if (!check.ok) throw new Error(`benchmark onion does not peel: ${check.error.message}`);
  const peel = measure((i) => {
    const result = peelFinalHop(backend, nodeKey, onions[i & 63] as Uint8Array, paymentHash);
    if (!result.ok) throw new Error("peel failed");
  });
  const failure = measure((i) => {
    buildFailurePacket(sharedSecrets[i & 63] as Uint8Array, { type: "incorrect_or_unknown_payment_details", htlcMsat: BigInt(i), height: 840_000 });
  });
  const invoice = measure((i) => {
    encodeInvoice(backend, nodeKey, { ...invoiceRequest, timestamp: 1_700_000_000 + i });
  });
  // The elliptic-curve floor under the two hot paths, to read the figures above on a machine of
  // another speed: peel ~= 1 ECDH + symmetric work, invoice ~= 1 signature + encoding.
  const ephemeralKeys = onions.map((onion) => onion.subarray(1, 34));
  const ecdh = measure((i) => {
    backend.ecdh(nodeKey, ephemeralKeys[i & 63] as Uint8Array);
  });
  const sign = measure((i) => {
    backend.signRecoverable(sharedSecrets[i & 63] as Uint8Array, nodeKey);
  });
  const sample = encodeInvoice(backend, nodeKey, invoiceRequest);
  const decode = measure(() => {
    if (!decodeInvoice(backend, sample).ok) throw new Error("decode failed");
  });
  return { peel, failure, invoice, invoice_decode: decode, ecdh, sign };
}

const results = { native: benchBackend(createNativeSecp256k1Backend()), noble: benchBackend(createNobleSecp256k1Backend()) };
const units: Record<string, string> = {
  peel: "peels/s",
  failure: "packets/s",
  invoice: "invoices/s",
  invoice_decode: "decodes/s",
  ecdh: "ecdh/s",
  sign: "signatures/s",
};
for (const name of Object.keys(units)) {
  const native = results.native[name] as Rate;
  const noble = results.noble[name] as Rate;
  const unit = units[name] as string;
  emit(`${name}.native`, native.perCpuSecond, unit);
  emit(`${name}.noble`, noble.perCpuSecond, unit);
  emit(`${name}.ratio`, native.perCpuSecond / noble.perCpuSecond, "native/noble");
  emit(`${name}.native.wall`, native.perWallSecond, `${unit} (wall clock)`);
  emit(`${name}.noble.wall`, noble.perWallSecond, `${unit} (wall clock)`);
}
