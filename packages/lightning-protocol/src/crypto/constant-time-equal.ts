import { timingSafeEqual } from "node:crypto";

/** Compares MACs without leaking, through timing, how many leading bytes matched. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
