import type { Secp256k1Backend, Secp256k1BackendName } from "./secp256k1-backend.ts";
import { createAddonSecp256k1Backend } from "./addon-secp256k1.ts";
import { knownAnswerFailure } from "./known-answer-check.ts";
import { createNativeSecp256k1Backend } from "./native-secp256k1.ts";
import { createNobleSecp256k1Backend } from "./noble-secp256k1.ts";

/** Fastest first. noble is pure JS and always loads. */
const PREFERENCE: readonly Secp256k1BackendName[] = ["addon", "native", "noble"];

const CREATE: Record<Secp256k1BackendName, () => Secp256k1Backend> = {
  addon: createAddonSecp256k1Backend,
  native: createNativeSecp256k1Backend,
  noble: createNobleSecp256k1Backend,
};

export interface SkippedSecp256k1Backend {
  readonly name: Secp256k1BackendName;
  /** It did not load, or it failed a known-answer check (no secrets in either). */
  readonly reason: string;
}

export interface LoadedSecp256k1Backend {
  readonly backend: Secp256k1Backend;
  /** The preferred backends that were not used, in order, each with the reason. */
  readonly skipped: readonly SkippedSecp256k1Backend[];
}

/**
 * The first backend, from `prefer` down the preference order (addon, native, noble), that loads
 * and passes the known-answer check. The caller logs the name and the skipped ones: a node
 * silently running on a slower fallback peels onions up to ~45x slower, which operators must be
 * able to see. Throws only if even noble fails its known answers.
 */
export function loadSecp256k1Backend(prefer: Secp256k1BackendName = "addon"): LoadedSecp256k1Backend {
  const skipped: SkippedSecp256k1Backend[] = [];
  for (const name of PREFERENCE.slice(PREFERENCE.indexOf(prefer))) {
    let reason: string | null;
    let backend: Secp256k1Backend | undefined;
    try {
      backend = CREATE[name]();
      reason = knownAnswerFailure(backend);
    } catch (error) {
      reason = error instanceof Error ? error.message : String(error);
    }
    if (backend !== undefined && reason === null) return { backend, skipped };
    skipped.push({ name, reason: reason ?? "did not load" });
  }
  throw new Error(`no usable secp256k1 backend: ${skipped.map((entry) => `${entry.name}: ${entry.reason}`).join("; ")}`);
}

/** "addon", or e.g. "native (addon skipped: ...)" for logs. */
export function describeLoadedBackend(loaded: LoadedSecp256k1Backend): string {
  if (loaded.skipped.length === 0) return loaded.backend.name;
  return `${loaded.backend.name} (${loaded.skipped.map((entry) => `${entry.name} skipped: ${entry.reason}`).join("; ")})`;
}
