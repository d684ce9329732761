// A server stream of the invoice API as an async iterable of decoded values.
//
// grpc-js ends a call with push(null), maybe an 'error' event, and a 'status' event, in an
// order an async iterator over the Readable does not respect (it may see the end before the
// error and report a failed stream as a clean one). So the reader listens itself and ends
// only when both 'end' and 'status' have arrived. Listeners are attached at once, so an
// error that comes before iteration starts is kept, not thrown as an unhandled event.
import { status as GrpcStatus, type ClientReadableStream, type StatusObject } from "@grpc/grpc-js";
import { InvoiceApiError, invoiceApiErrorFrom } from "./invoice-api-error.ts";

export interface InvoiceEventStream<T> extends AsyncIterable<T> {
  /** Ends the call; iteration then finishes normally. Safe to call more than once. */
  cancel(): void;
}

/** Messages buffered before the call is paused (the server then waits on HTTP/2 flow control). */
const HIGH_WATER_MARK = 256;

export function readServerStream<W, T>(
  call: ClientReadableStream<W>,
  decode: (wire: W) => T,
  context: { method: string; address: string },
  /** Called once when the call has ended, for any reason. */
  onFinish?: () => void,
): InvoiceEventStream<T> {
  const queue: T[] = [];
  let waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined;
  let sawEnd = false;
  let sawStatus: StatusObject | undefined;
  let lastError: Error | undefined;
  let failure: InvoiceApiError | undefined;
  let cancelledHere = false;
  let finished = false;
  let paused = false;

  call.on("data", (wire: W) => {
    let value: T;
    try {
      value = decode(wire);
    } catch (error) {
      failure = new InvoiceApiError(
        GrpcStatus.INTERNAL,
        context.method,
        String(error),
        `${context.method}: unreadable event: ${(error as Error).message}`,
      );
      cancel();
      return;
    }
    if (waiter) {
      const { resolve } = waiter;
      waiter = undefined;
      resolve({ done: false, value });
      return;
    }
    queue.push(value);
    if (!paused && queue.length >= HIGH_WATER_MARK) {
      paused = true;
      call.pause();
    }
  });
  call.on("end", () => {
    sawEnd = true;
    settleIfDone();
  });
  call.on("error", (error: Error) => {
    lastError = error;
  });
  call.on("status", (status: StatusObject) => {
    sawStatus = status;
    settleIfDone();
  });

  function settleIfDone(): void {
    if (finished || !sawEnd || sawStatus === undefined) return;
    finished = true;
    onFinish?.();
    const endedByUs = cancelledHere && sawStatus.code === GrpcStatus.CANCELLED;
    if (failure === undefined && sawStatus.code !== GrpcStatus.OK && !endedByUs)
      failure = invoiceApiErrorFrom(lastError ?? Object.assign(new Error(sawStatus.details), sawStatus), context.method, context.address);
    if (waiter) {
      const { resolve, reject } = waiter;
      waiter = undefined;
      if (failure) reject(failure);
      else resolve({ done: true, value: undefined });
    }
  }

  function cancel(): void {
    if (finished) return;
    cancelledHere = true;
    call.cancel();
  }

  function next(): Promise<IteratorResult<T>> {
    const value = queue.shift();
    if (value !== undefined) {
      if (paused && queue.length < HIGH_WATER_MARK / 2) {
        paused = false;
        call.resume();
      }
      return Promise.resolve({ done: false, value });
    }
    if (finished) return failure ? Promise.reject(failure) : Promise.resolve({ done: true, value: undefined });
    if (waiter) return Promise.reject(new Error(`${context.method}: next() called again before the previous call settled`));
    return new Promise((resolve, reject) => {
      waiter = { resolve, reject };
    });
  }

  return {
    cancel,
    [Symbol.asyncIterator]: () => ({
      next,
      return: async () => {
        cancel();
        return { done: true, value: undefined };
      },
    }),
  };
}
