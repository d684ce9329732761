import { describe, expect, it } from "vitest";
import { createCoalescingSender } from "./coalescing-sender.ts";

/** A request function whose requests finish when the test says so. */
function broker() {
  const requests: string[][] = [];
  const finish: ((error?: Error) => void)[] = [];
  const request = (records: readonly string[]) =>
    new Promise<number>((resolve, reject) => {
      requests.push([...records]);
      finish.push((error) => (error ? reject(error) : resolve(requests.length)));
    });
  return { requests, finish, request };
}
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe("coalescing sender", () => {
  it("sends at once when nothing is in flight", async () => {
    const b = broker();
    const sender = createCoalescingSender(b.request, { maxRecordsPerRequest: 10 });
    const sent = sender.send(["a"]);
    expect(b.requests).toEqual([["a"]]);
    b.finish[0]!();
    await expect(sent).resolves.toBe(1);
  });

  it("keeps one request in flight and puts everything handed in meanwhile into the next, in order", async () => {
    const b = broker();
    const sender = createCoalescingSender(b.request, { maxRecordsPerRequest: 10 });
    const first = sender.send(["a"]);
    const second = sender.send(["b"]);
    const third = sender.send(["c", "d"]);
    expect(b.requests).toEqual([["a"]]);
    expect(sender.pending).toBe(4);
    b.finish[0]!();
    await first;
    await tick();
    expect(b.requests).toEqual([["a"], ["b", "c", "d"]]);
    b.finish[1]!();
    await expect(Promise.all([second, third])).resolves.toEqual([2, 2]);
    expect(sender.pending).toBe(0);
  });

  it("never puts more than the limit in one request, and never splits a caller's records", async () => {
    const b = broker();
    const sender = createCoalescingSender(b.request, { maxRecordsPerRequest: 3 });
    void sender.send(["a"]);
    const later = [sender.send(["b", "c"]), sender.send(["d", "e"]), sender.send(["f", "g", "h", "i"])];
    b.finish[0]!();
    await tick();
    b.finish[1]!();
    await tick();
    b.finish[2]!();
    await tick();
    b.finish[3]!();
    await Promise.all(later);
    expect(b.requests).toEqual([["a"], ["b", "c"], ["d", "e"], ["f", "g", "h", "i"]]);
  });

  it("fails every caller of a refused request, and goes on with the next", async () => {
    const b = broker();
    const sender = createCoalescingSender(b.request, { maxRecordsPerRequest: 10 });
    const first = sender.send(["a"]);
    const second = sender.send(["b"]);
    const third = sender.send(["c"]);
    b.finish[0]!();
    await first;
    await tick();
    b.finish[1]!(new Error("NOT_LEADER"));
    await expect(second).rejects.toThrow("NOT_LEADER");
    await expect(third).rejects.toThrow("NOT_LEADER");
    const fourth = sender.send(["d"]);
    await tick();
    expect(b.requests.at(-1)).toEqual(["d"]);
    b.finish[2]!();
    await expect(fourth).resolves.toBe(3);
  });

  it("a request that throws at once fails its callers and the sender goes on", async () => {
    let calls = 0;
    const sender = createCoalescingSender(
      (records: readonly string[]) => {
        if (calls++ === 0) throw new Error("bad record");
        return Promise.resolve(records.length);
      },
      { maxRecordsPerRequest: 10 },
    );
    await expect(sender.send(["a"])).rejects.toThrow("bad record");
    await expect(sender.send(["b", "c"])).resolves.toBe(2);
    expect(sender.pending).toBe(0);
  });

  it("drain waits for the request in flight and the waiting ones", async () => {
    const b = broker();
    const sender = createCoalescingSender(b.request, { maxRecordsPerRequest: 10 });
    void sender.send(["a"]);
    void sender.send(["b"]);
    let drained = false;
    const draining = sender.drain().then(() => (drained = true));
    b.finish[0]!();
    await tick();
    expect(drained).toBe(false);
    b.finish[1]!();
    await draining;
    expect(drained).toBe(true);
  });
});
