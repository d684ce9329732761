// A server stream from lnd as an async iterable of decoded messages.
//
// grpc-js signals the end of a call with push(null) followed by an 'error' event (or not)
// and a 'status' event; an async iterator over the Readable can see the end before the
// error and report a failed stream as a clean one. So the reader listens itself and ends
// only when both 'end' (every message emitted) and 'status' (the outcome) have arrived.
// Listeners are attached at once, so an error that comes before iteration starts is kept,
// not thrown as an unhandled 'error' event.
import { status as Status, type StatusObject } from "@grpc/grpc-js";
import { LndError, lndErrorFrom } from "./lnd-error.ts";

export interface LndStream<T> extends AsyncIterable<T> {
  /**
   * Ends the call. Iteration then finishes normally (a cancellation asked for here is not an
   * error). Safe to call more than once.
   */
  cancel(): void;
}

/** The part of a grpc-js readable or duplex call the reader uses. */
export interface ReadableCall {
  on(event: "data", listener: (message: unknown) => void): unknown;
  on(event: "end", listener: () => void): unknown;
  on(event: "error", listener: (error: Error) => void): unknown;
  on(event: "status", listener: (status: StatusObject) => void): unknown;
  pause(): unknown;
  resume(): unknown;
  cancel(): void;
}

export interface StreamContext {
  address: string;
  method: string;
  macaroonHex: string;
}

/** Messages buffered before the call is paused (lnd then waits on HTTP/2 flow control). */
const HIGH_WATER_MARK = 256;

export class LndStreamReader<W, T> implements LndStream<T> {
  private readonly queue: T[] = [];
  private waiter:
    { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  private sawEnd = false;
  private sawStatus: StatusObject | undefined;
  private lastError: Error | undefined;
  private failure: LndError | undefined;
  private cancelledHere = false;
  private finished = false;
  private paused = false;
  private readonly onFinishCallbacks: (() => void)[] = [];

  constructor(
    private readonly call: ReadableCall,
    private readonly decode: (wire: W) => T,
    private readonly context: StreamContext,
  ) {
    call.on("data", (message) => this.onMessage(message as W));
    call.on("end", () => {
      this.sawEnd = true;
      this.settleIfDone();
    });
    call.on("error", (error) => {
      this.lastError = error;
    });
    call.on("status", (status) => {
      this.sawStatus = status;
      this.settleIfDone();
    });
  }

  /** True once the call has ended, for any reason. */
  get isFinished(): boolean {
    return this.finished;
  }

  /** True once cancel() was called, even before lnd's final status arrived. */
  get isCancelled(): boolean {
    return this.cancelledHere;
  }

  /** Why the call ended, when it ended with an error not asked for by cancel(). */
  get error(): LndError | undefined {
    return this.failure;
  }

  onFinish(callback: () => void): void {
    if (this.finished) callback();
    else this.onFinishCallbacks.push(callback);
  }

  cancel(): void {
    if (this.finished) return;
    this.cancelledHere = true;
    this.call.cancel();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: async () => {
        this.cancel();
        return { done: true, value: undefined };
      },
    };
  }

  private next(): Promise<IteratorResult<T>> {
    const message = this.queue.shift();
    if (message !== undefined) {
      if (this.paused && this.queue.length < HIGH_WATER_MARK / 2) {
        this.paused = false;
        this.call.resume();
      }
      return Promise.resolve({ done: false, value: message });
    }
    if (this.finished) {
      return this.failure ? Promise.reject(this.failure) : Promise.resolve({ done: true, value: undefined });
    }
    if (this.waiter)
      return Promise.reject(new Error(`${this.context.method}: next() called while a read is pending`));
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject };
    });
  }

  private onMessage(wire: W): void {
    if (this.finished) return;
    let message: T;
    try {
      message = this.decode(wire);
    } catch (error) {
      // A message we cannot read ends the stream: skipping it could hide an HTLC.
      this.fail(
        new LndError(
          "rpc",
          Status.INTERNAL,
          this.context.address,
          this.context.method,
          String(error),
          `unreadable ${this.context.method} message from lnd at ${this.context.address}: ${String(error)}`,
        ),
      );
      this.call.cancel();
      return;
    }
    const waiter = this.waiter;
    if (waiter) {
      this.waiter = undefined;
      waiter.resolve({ done: false, value: message });
      return;
    }
    this.queue.push(message);
    if (!this.paused && this.queue.length >= HIGH_WATER_MARK) {
      this.paused = true;
      this.call.pause();
    }
  }

  private settleIfDone(): void {
    if (this.finished || !this.sawStatus) return;
    const status = this.sawStatus;
    if (status.code === Status.CANCELLED && this.cancelledHere) {
      this.finish(undefined);
      return;
    }
    // 'end' follows 'status' once every received message has been emitted; waiting for it
    // keeps messages that arrived just before a failure readable ahead of the error.
    if (!this.sawEnd) {
      if (this.paused) {
        this.paused = false;
        this.call.resume();
      }
      return;
    }
    if (status.code === Status.OK) {
      this.finish(undefined);
      return;
    }
    const error = this.lastError ?? Object.assign(new Error(status.details), status);
    this.fail(lndErrorFrom(error, this.context));
  }

  private fail(error: LndError): void {
    this.finish(error);
  }

  private finish(failure: LndError | undefined): void {
    if (this.finished) return;
    this.finished = true;
    this.failure = failure;
    const waiter = this.waiter;
    this.waiter = undefined;
    if (waiter) {
      if (failure) waiter.reject(failure);
      else waiter.resolve({ done: true, value: undefined });
    }
    for (const callback of this.onFinishCallbacks.splice(0)) callback();
  }
}
