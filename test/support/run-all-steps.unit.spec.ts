import { describe, expect, it } from "vitest";
import { runAllSteps } from "./run-all-steps.ts";

describe("runAllSteps", () => {
  it("runs the later steps after one fails, in order, then names every failure", async () => {
    const ran: string[] = [];
    const result = runAllSteps("stopping", [
      ["bridge", () => ran.push("bridge")],
      [
        "consumer",
        async () => {
          ran.push("consumer");
          throw new Error("broker gone");
        },
      ],
      ["matcher", async () => ran.push("matcher")],
      [
        "schema",
        () => {
          ran.push("schema");
          throw new Error("no connection");
        },
      ],
    ]);
    await expect(result).rejects.toThrow("stopping failed: consumer: broker gone; schema: no connection");
    expect(ran).toEqual(["bridge", "consumer", "matcher", "schema"]);
  });

  it("resolves when every step succeeds", async () => {
    await expect(runAllSteps("stopping", [["one", () => undefined]])).resolves.toBeUndefined();
  });
});
