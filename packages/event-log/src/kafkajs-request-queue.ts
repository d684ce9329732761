// A fix for a timer loop in kafkajs 2.2.4 (its last release), installed by createKafka.
//
// After every response on a broker connection, kafkajs's RequestQueue checks its queue of waiting
// requests and then calls scheduleCheckPendingRequests, which arms a timer to check it again. The
// delay is `throttledUntil - now`; without a broker throttle throttledUntil is -1, so the delay is
// hugely negative, and Node runs a negative timeout after 1 ms. So every connection a client has
// used checks its (empty) queue about a thousand times a second for as long as it lives: CPU
// that every service spends all the time, busy or idle (kafkajs issues 1556 and 1704, unfixed).
//
// The fix: nothing is scheduled while no request waits. Nothing that waits goes unchecked: a
// request that cannot be sent at once (the in-flight limit, a broker throttle) is queued by
// RequestQueue.push, which calls scheduleCheckPendingRequests again with it pending (the original
// then arms the timer for the throttle's end, or 10 ms), and every response or request timeout
// checks the queue itself.
import { createRequire } from "node:module";

const requireFromHere = createRequire(import.meta.url);

/** The kafkajs version whose RequestQueue this fix was written against (and tested on). */
export const FIXED_KAFKAJS_VERSION = "2.2.4";

interface RequestQueuePrototype {
  scheduleCheckPendingRequests(this: { pending: readonly unknown[] }): void;
}

/** The RequestQueue class kafkajs uses (the same module instance the client loads). */
export function kafkajsRequestQueue(): new (options: Record<string, unknown>) => unknown {
  return requireFromHere("kafkajs/src/network/requestQueue/index.js") as new (options: Record<string, unknown>) => unknown;
}

/**
 * Installs the fix once per process. Returns false (and changes nothing) for a kafkajs other than
 * the version it was written for: its unit test fails then, so an upgrade looks at it again.
 */
export function installRequestQueueFix(): boolean {
  const version = (requireFromHere("kafkajs/package.json") as { version: string }).version;
  if (version !== FIXED_KAFKAJS_VERSION) return false;
  const prototype = kafkajsRequestQueue().prototype as RequestQueuePrototype;
  const schedule = prototype.scheduleCheckPendingRequests;
  // Installed already (another client, or this module loaded again).
  if (schedule.name === "scheduleOnlyWhileRequestsWait") return true;
  prototype.scheduleCheckPendingRequests = function scheduleOnlyWhileRequestsWait() {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  return true;
}
