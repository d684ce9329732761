// Sends through ONE request at a time, and coalesces what callers hand in while a request is in
// flight into the next one. With an idempotent producer only one request may be in flight
// (serial-queue.ts says why); sent one record per request, N concurrent callers would wait up to
// N broker round trips (~5 ms each with acks=all here). Coalesced, they wait for at most the
// request in flight plus one more, and no linger delays a record when nothing is in flight.
// Order: records go out in the order they were handed in, so one partition's records keep it.
// A failed request fails every caller whose records it carried (nothing of it counts as sent).

export interface CoalescingSender<R, A> {
  /** Sends records in the next request; resolves with that request's answer. */
  send(records: readonly R[]): Promise<A>;
  /** Resolves once every record handed in so far was answered or failed. */
  drain(): Promise<void>;
  /** Records handed in and not yet answered (in flight or waiting). */
  readonly pending: number;
}

interface Waiting<R, A> {
  readonly records: readonly R[];
  readonly resolve: (answer: A) => void;
  readonly reject: (error: unknown) => void;
}

export function createCoalescingSender<R, A>(
  request: (records: readonly R[]) => Promise<A>,
  options: { maxRecordsPerRequest: number },
): CoalescingSender<R, A> {
  const waiting: Waiting<R, A>[] = [];
  let inFlight: Promise<void> | null = null;
  let pending = 0;

  function next(): void {
    if (inFlight !== null || waiting.length === 0) return;
    // Whole callers only (a caller's records are never split), at least one caller per request.
    const take: Waiting<R, A>[] = [];
    let count = 0;
    while (waiting.length > 0) {
      const w = waiting[0]!;
      if (take.length > 0 && count + w.records.length > options.maxRecordsPerRequest) break;
      take.push(w);
      count += w.records.length;
      waiting.shift();
    }
    const records = take.flatMap((w) => w.records);
    // A request that throws at once fails its callers, not the sender.
    let started: Promise<A>;
    try {
      started = request(records);
    } catch (error) {
      started = Promise.reject(error);
    }
    inFlight = started.then(
      (answer) => {
        for (const w of take) w.resolve(answer);
      },
      (error: unknown) => {
        for (const w of take) w.reject(error);
      },
    );
    void inFlight.finally(() => {
      pending -= count;
      inFlight = null;
      next();
    });
  }

  return {
    send(records) {
      return new Promise<A>((resolve, reject) => {
        waiting.push({ records, resolve, reject });
        pending += records.length;
        next();
      });
    },
    async drain() {
      while (inFlight !== null || waiting.length > 0) await (inFlight ?? Promise.resolve());
    },
    get pending() {
      return pending;
    },
  };
}
