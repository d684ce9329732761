// kafkajs's RequestQueue with and without the fix (kafkajs-request-queue.ts), on fake timers:
// unfixed, a connection that has had one response checks its empty queue every millisecond
// forever; fixed, it does not, and requests that must wait (in-flight limit, broker throttle)
// are still sent when they may be.
import { createRequire } from "node:module";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { FIXED_KAFKAJS_VERSION, installRequestQueueFix, kafkajsRequestQueue } from "./kafkajs-request-queue.ts";

interface Queue {
  pending: unknown[];
  push(request: { entry: Entry; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  checkPendingRequests(): void;
  destroy(): void;
}

interface Entry {
  correlationId: number;
  resolve: () => void;
  reject: () => void;
}
const entry = (correlationId: number): Entry => ({ correlationId, resolve: () => {}, reject: () => {} });

const silent = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

function newQueue(maxInFlightRequests: number | null = null): Queue {
  const RequestQueue = kafkajsRequestQueue();
  return new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: "test", broker: "test:9092", logger: silent }) as Queue;
}

/** How often the queue was checked while `ms` of fake time passed. */
function checksOver(queue: Queue, ms: number): number {
  const check = vi.spyOn(queue, "checkPendingRequests");
  vi.advanceTimersByTime(ms);
  const n = check.mock.calls.length;
  check.mockRestore();
  return n;
}

describe("kafkajs RequestQueue timer loop", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("is the kafkajs version the fix was written for", () => {
    const version = (createRequire(import.meta.url)("kafkajs/package.json") as { version: string }).version;
    // A new kafkajs: read its requestQueue/index.js, then update or drop the fix.
    expect(version).toBe(FIXED_KAFKAJS_VERSION);
  });

  it("unfixed, an idle connection checks its empty queue every millisecond; fixed, never", () => {
    const RequestQueue = kafkajsRequestQueue() as unknown as { prototype: { scheduleCheckPendingRequests: () => void } };
    const fixedOrNot = RequestQueue.prototype.scheduleCheckPendingRequests;
    const unfixed = fixedOrNot.name === "scheduleOnlyWhileRequestsWait" ? undefined : fixedOrNot;
    if (unfixed !== undefined) {
      const before = newQueue();
      before.push({ entry: entry(1), expectResponse: true, sendRequest: () => {} });
      before.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
      expect(checksOver(before, 100)).toBeGreaterThanOrEqual(50);
      before.destroy();
    }
    expect(installRequestQueueFix()).toBe(true);
    const after = newQueue();
    after.push({ entry: entry(1), expectResponse: true, sendRequest: () => {} });
    after.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(checksOver(after, 100)).toBe(0);
    after.destroy();
  });

  it("fixed, a request over the in-flight limit is sent when the one before it is answered", () => {
    installRequestQueueFix();
    const queue = newQueue(1);
    const sent: number[] = [];
    for (const correlationId of [1, 2]) queue.push({ entry: entry(correlationId), expectResponse: true, sendRequest: () => sent.push(correlationId) });
    expect(sent).toEqual([1]);
    queue.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
    queue.destroy();
  });

  it("fixed, a request held by a broker throttle is sent when the throttle ends, with no response to wake it", () => {
    installRequestQueueFix();
    const queue = newQueue();
    const sent: number[] = [];
    queue.maybeThrottle(50);
    queue.push({ entry: entry(7), expectResponse: true, sendRequest: () => sent.push(7) });
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(49);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(20);
    expect(sent).toEqual([7]);
    // Nothing waits any more: no timer left running.
    expect(checksOver(queue, 100)).toBe(0);
    queue.destroy();
  });
});
