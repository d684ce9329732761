// The entry point as a process (tsx src/main.ts): exit codes reach the shell, output the
// right stream.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { startTestInvoiceApi, TEST_API_TOKEN, type TestInvoiceApi } from "@ic/invoice-matcher/api/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const TSX = fileURLToPath(new URL("../../../node_modules/.bin/tsx", import.meta.url));
const MAIN = fileURLToPath(new URL("./main.ts", import.meta.url));

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(TSX, [MAIN, ...args], { env: { PATH: process.env.PATH ?? "", ...env } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === "number" ? error.code : -1, stdout, stderr });
    });
  });
}

let t: TestInvoiceApi;

beforeAll(async () => {
  t = await startTestInvoiceApi();
});

afterAll(async () => {
  await t.stop();
});

describe("tsx src/main.ts", () => {
  it("info: JSON on stdout, exit 0", async () => {
    const result = await cli(["info"], { IC_API_ADDRESS: t.address, IC_API_TOKEN: TEST_API_TOKEN });

    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ network: "regtest", nodes: [{ virtualScid: "11646767826930344353" }, {}] });
  });

  it("no command: exit 2 with the reason on stderr", async () => {
    const result = await cli([], {});

    expect(result).toMatchObject({ code: 2, stdout: "" });
    expect(result.stderr).toBe("ic-coordinator: no command given\n(see ic-coordinator --help)\n");
  });

  it("a wrong token: exit 4", async () => {
    const result = await cli(["info", "--api", t.address, "--token", "x".repeat(40)], {});

    expect(result.code).toBe(4);
  });
});
