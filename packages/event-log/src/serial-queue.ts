// Runs async jobs one at a time, in submission order. kafkajs's idempotent producer assigns
// sequence numbers per request; two sends in flight at once can reach the broker out of order
// and fail with OUT_OF_ORDER_SEQUENCE_NUMBER (kafkajs issue 1005), so every send goes through one.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** Number of jobs queued or running. */
  get size(): number {
    return this.pending;
  }

  /** Runs job after every job submitted before it has settled; a failed job does not stop the queue. */
  run<T>(job: () => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(job);
    const done = (): void => {
      this.pending--;
    };
    this.tail = result.then(done, done);
    return result;
  }

  /** Resolves once every job submitted so far has settled. */
  async drain(): Promise<void> {
    while (this.pending > 0) await this.tail;
  }
}
