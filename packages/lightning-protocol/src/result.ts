// Parsers of attacker-controlled bytes (onions, TLV streams, invoices, failure packets) return a
// Result instead of throwing: a malformed HTLC from the network must become a typed failure
// reply, never an exception that takes the matcher down. Exceptions stay for programmer errors
// (a 31-byte private key passed by our own code).
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}
