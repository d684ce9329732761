import type { Secp256k1Backend, Secp256k1BackendName } from "./secp256k1-backend.ts";
import { knownAnswerFailure } from "./known-answer-check.ts";
import { createNativeSecp256k1Backend } from "./native-secp256k1.ts";
import { createNobleSecp256k1Backend } from "./noble-secp256k1.ts";

export interface LoadedSecp256k1Backend {
  readonly backend: Secp256k1Backend;
  /** Why native was not chosen when it was preferred: it did not load, or failed a known-answer check. */
  readonly nativeLoadError?: string;
}

/**
 * Native libsecp256k1 when it loads and passes the known-answer check (the default preference),
 * @noble/secp256k1 otherwise or when asked for. The caller logs `backend.name`: a node silently
 * running on the fallback peels onions ~35x slower, which operators must be able to see. Throws
 * only if the fallback itself fails its known answers.
 */
export function loadSecp256k1Backend(prefer: Secp256k1BackendName = "native"): LoadedSecp256k1Backend {
  let nativeLoadError: string | undefined;
  if (prefer === "native") {
    try {
      const native = createNativeSecp256k1Backend();
      nativeLoadError = knownAnswerFailure(native) ?? undefined;
      if (nativeLoadError === undefined) return { backend: native };
    } catch (error) {
      nativeLoadError = error instanceof Error ? error.message : String(error);
    }
  }
  const noble = createNobleSecp256k1Backend();
  const nobleFailure = knownAnswerFailure(noble);
  if (nobleFailure !== null) throw new Error(`no usable secp256k1 backend: ${nobleFailure}`);
  return nativeLoadError === undefined ? { backend: noble } : { backend: noble, nativeLoadError };
}
