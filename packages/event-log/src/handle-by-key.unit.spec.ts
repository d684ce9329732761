import { describe, expect, it } from "vitest";
import { handleByKey, type ConsumedRecord } from "./committing-consumer.ts";

const record = (key: string | null, offset: number): ConsumedRecord => ({
  topic: "t",
  partition: 0,
  offset: String(offset),
  key: key === null ? null : Buffer.from(key),
  value: null,
  headers: {},
  timestamp: "0",
});

/** A handler whose records finish only when the test says so, recording start and end order. */
function controlled() {
  const started: string[] = [];
  const finished: string[] = [];
  const release = new Map<string, () => void>();
  const handle = (r: ConsumedRecord): Promise<void> =>
    new Promise<void>((resolve) => {
      started.push(r.offset);
      release.set(r.offset, () => {
        finished.push(r.offset);
        resolve();
      });
    });
  const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
  return { started, finished, release, handle, tick };
}

describe("handleByKey", () => {
  it("keeps records of one key in order: the second starts only after the first finished", async () => {
    const c = controlled();
    const done = handleByKey([record("a", 1), record("a", 2)], 4, c.handle);
    await c.tick();
    expect(c.started).toEqual(["1"]);
    c.release.get("1")!();
    await c.tick();
    expect(c.started).toEqual(["1", "2"]);
    c.release.get("2")!();
    await done;
    expect(c.finished).toEqual(["1", "2"]);
  });

  it("runs different keys side by side, up to the limit", async () => {
    const c = controlled();
    const done = handleByKey([record("a", 1), record("b", 2), record("c", 3)], 2, c.handle);
    await c.tick();
    expect(c.started).toEqual(["1", "2"]);
    c.release.get("2")!();
    await c.tick();
    expect(c.started).toEqual(["1", "2", "3"]);
    c.release.get("3")!();
    c.release.get("1")!();
    await done;
    expect(c.finished).toEqual(["2", "3", "1"]);
  });

  it("null keys form one lane", async () => {
    const c = controlled();
    const done = handleByKey([record(null, 1), record(null, 2)], 4, c.handle);
    await c.tick();
    expect(c.started).toEqual(["1"]);
    c.release.get("1")!();
    await c.tick();
    c.release.get("2")!();
    await done;
  });

  it("after a failure, lets started records finish, starts no new one, and rejects with the first error", async () => {
    const handled: string[] = [];
    let releaseB: () => void = () => undefined;
    const done = handleByKey([record("a", 1), record("b", 2), record("a", 3), record("c", 4)], 2, async (r) => {
      handled.push(r.offset);
      if (r.offset === "1") throw new Error("first");
      if (r.offset === "2") await new Promise<void>((resolve) => (releaseB = resolve));
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    releaseB();
    await expect(done).rejects.toThrow("first");
    expect(handled).toEqual(["1", "2"]);
  });
});
