const HEX = /^(?:[0-9a-fA-F]{2})*$/;

export function bytesToHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("hex");
}

/** Throws on odd length or a non-hex character: hex only comes from our own config and tests. */
export function hexToBytes(hex: string): Uint8Array {
  if (!HEX.test(hex)) throw new TypeError("hexToBytes: not an even-length hex string");
  return new Uint8Array(Buffer.from(hex, "hex"));
}
