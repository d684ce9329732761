import type { Secp256k1Backend, Secp256k1BackendName } from "./secp256k1-backend.ts";
import { createNativeSecp256k1Backend } from "./native-secp256k1.ts";
import { createNobleSecp256k1Backend } from "./noble-secp256k1.ts";

export interface LoadedSecp256k1Backend {
  readonly backend: Secp256k1Backend;
  /** Why native was not chosen, when it was preferred but failed to load (for the caller's startup log). */
  readonly nativeLoadError?: string;
}

/**
 * Native libsecp256k1 when it loads (the default preference), @noble/secp256k1 otherwise or when
 * asked for. The caller logs `backend.name`: a node silently running on the fallback peels onions
 * ~40x slower, which operators must be able to see.
 */
export function loadSecp256k1Backend(prefer: Secp256k1BackendName = "native"): LoadedSecp256k1Backend {
  if (prefer === "noble") return { backend: createNobleSecp256k1Backend() };
  try {
    return { backend: createNativeSecp256k1Backend() };
  } catch (error) {
    const nativeLoadError = error instanceof Error ? error.message : String(error);
    return { backend: createNobleSecp256k1Backend(), nativeLoadError };
  }
}
