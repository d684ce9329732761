// For arguments our own code supplies (keys, hashes, secrets). A wrong length there is a bug in
// the caller, so it throws; the message names the argument and the lengths, never its bytes.
export function assertLength(name: string, bytes: Uint8Array, length: number): void {
  if (!(bytes instanceof Uint8Array) || bytes.length !== length) {
    const got = bytes instanceof Uint8Array ? `${bytes.length} bytes` : typeof bytes;
    throw new RangeError(`${name} must be ${length} bytes, got ${got}`);
  }
}
