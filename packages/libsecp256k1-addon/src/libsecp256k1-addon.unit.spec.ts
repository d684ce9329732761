// The raw binding's own contract (lightning-protocol's backend tests hold its results to noble's):
// a wrong argument is a TypeError, never a crash or a read past a buffer; a refused operation is
// null; each Node environment (main thread, worker) gets its own context.
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { LIBSECP256K1_ADDON_PATH, loadLibsecp256k1Addon } from "./index.ts";

const addon = loadLibsecp256k1Addon();
const key = new Uint8Array(32).fill(0x41);
const hex = (bytes: Uint8Array | null): string => (bytes === null ? "null" : Buffer.from(bytes).toString("hex"));

describe("libsecp256k1 addon", () => {
  it("names the library revision it was built from", () => {
    expect(addon.library).toMatch(/^libsecp256k1 [0-9a-f]{12} \(secp256k1-sys \d+\.\d+\.\d+\)$/);
  });

  it("reproduces the BOLT 4 vector's first shared secret", () => {
    const hop0 = Buffer.from("02eec7245d6b7d2ccb30380bfbe2a3648cd7a942653f5aa340edcea1f283686619", "hex");
    expect(hex(addon.ecdh(key, new Uint8Array(hop0)))).toBe("53eb63ea8a3fec3b3cd433b85cd62a4b145e1dda09391b348c4e1cd36a03ea66");
  });

  it("throws a TypeError for a wrong type, length or argument count", () => {
    const point = addon.publicKeyCreate(key) as Uint8Array;
    const call = addon.ecdh as unknown as (...args: unknown[]) => unknown;
    expect(() => call(key)).toThrow(TypeError);
    expect(() => call(key, point, point)).toThrow(TypeError);
    expect(() => call(Array.from(key), point)).toThrow(/privateKey must be a 32-byte Uint8Array/);
    expect(() => call(new Uint16Array(16), point)).toThrow(TypeError);
    expect(() => call(key.subarray(1), point)).toThrow(TypeError);
    expect(() => call(key, point.subarray(1))).toThrow(/publicKey must be a 33-byte Uint8Array/);
    expect(() => call(key, "02")).toThrow(TypeError);
    expect(() => (addon.recoverPublicKey as unknown as (...args: unknown[]) => unknown)(key, new Uint8Array(64), "0")).toThrow(TypeError);
  });

  it("returns null for what the library refuses", () => {
    const zero = new Uint8Array(32);
    expect(addon.publicKeyCreate(zero)).toBeNull();
    expect(addon.privateKeyVerify(zero)).toBe(false);
    expect(addon.privateKeyVerify(key)).toBe(true);
    expect(addon.signRecoverable(new Uint8Array(32), zero)).toBeNull();
    expect(addon.ecdh(key, new Uint8Array(33))).toBeNull();
    expect(addon.recoverPublicKey(new Uint8Array(32), new Uint8Array(64), 4)).toBeNull();
    expect(addon.recoverPublicKey(new Uint8Array(32), new Uint8Array(64), -1)).toBeNull();
  });

  it("reads views at their offset and leaves inputs untouched", () => {
    const backing = new Uint8Array(40).fill(0x41);
    backing[0] = 0;
    const view = backing.subarray(1, 33);
    expect(hex(addon.publicKeyCreate(view))).toBe(hex(addon.publicKeyCreate(key)));
    expect(backing[0]).toBe(0);
    expect(backing.subarray(1).every((byte) => byte === 0x41)).toBe(true);
  });

  it("works in a worker thread, with its own context, alongside the main thread", async () => {
    const source = `
      const { parentPort, workerData } = require("node:worker_threads");
      const addon = require(workerData.path);
      const key = new Uint8Array(32).fill(0x41);
      let last = null;
      for (let i = 0; i < 200; i++) last = addon.signRecoverable(new Uint8Array(32).fill(i), key);
      parentPort.postMessage(Buffer.from(last).toString("hex"));
    `;
    const worker = new Worker(source, { eval: true, workerData: { path: LIBSECP256K1_ADDON_PATH } });
    const fromWorker = new Promise<string>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    let mainLast: Uint8Array | null = null;
    for (let i = 0; i < 200; i++) mainLast = addon.signRecoverable(new Uint8Array(32).fill(i), key);
    expect(await fromWorker).toBe(hex(mainLast));
    await worker.terminate();
  });
});
