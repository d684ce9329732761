import { describe, expect, it } from "vitest";
import { SerialQueue } from "./serial-queue.ts";

/** A promise with its settle functions, so a test decides when a job finishes. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("SerialQueue", () => {
  it("runs one job at a time, in submission order", async () => {
    const queue = new SerialQueue();
    const gates = [deferred(), deferred(), deferred()];
    const started: number[] = [];
    let running = 0;
    let maxRunning = 0;
    const results = gates.map((gate, index) =>
      queue.run(async () => {
        started.push(index);
        running++;
        maxRunning = Math.max(maxRunning, running);
        await gate.promise;
        running--;
        return index;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0]);
    // Finish them out of order: later jobs still wait for earlier ones.
    gates[2]!.resolve();
    gates[1]!.resolve();
    await Promise.resolve();
    expect(started).toEqual([0]);
    gates[0]!.resolve();
    expect(await Promise.all(results)).toEqual([0, 1, 2]);
    expect(started).toEqual([0, 1, 2]);
    expect(maxRunning).toBe(1);
  });

  it("a failed job rejects its own promise and does not stop the queue", async () => {
    const queue = new SerialQueue();
    const failed = queue.run(() => Promise.reject(new Error("broker said no")));
    const next = queue.run(async () => "sent");
    await expect(failed).rejects.toThrow("broker said no");
    await expect(next).resolves.toBe("sent");
  });

  it("drain waits for every job submitted, including ones submitted while draining", async () => {
    const queue = new SerialQueue();
    const first = deferred();
    const second = deferred();
    const done: string[] = [];
    void queue.run(async () => {
      await first.promise;
      done.push("first");
      void queue.run(async () => {
        await second.promise;
        done.push("second");
      });
    });
    const drained = queue.drain().then(() => done.push("drained"));
    expect(queue.size).toBe(1);
    first.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(done).toEqual(["first"]);
    second.resolve();
    await drained;
    expect(done).toEqual(["first", "second", "drained"]);
    expect(queue.size).toBe(0);
  });
});
