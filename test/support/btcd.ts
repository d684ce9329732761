// btcd's JSON-RPC (regtest): mining blocks and reading the height from tests.
import { readFileSync } from "node:fs";
import https from "node:https";
import type { StackConfig } from "./stack-config.ts";

export interface Btcd {
  call<T>(method: string, params?: unknown[]): Promise<T>;
  mine(blocks: number): Promise<void>;
  height(): Promise<number>;
}

export function btcdClient(stack: StackConfig): Btcd {
  const { rpcAddress, rpcCertPath, rpcUser, rpcPass } = stack.cluster.btcd;
  const [host, port] = rpcAddress.split(":");
  const ca = readFileSync(rpcCertPath);
  const call = <T>(method: string, params: unknown[] = []): Promise<T> =>
    new Promise((resolve, reject) => {
      const body = JSON.stringify({ jsonrpc: "1.0", id: 1, method, params });
      const req = https.request(
        { host, port: Number(port), method: "POST", ca, auth: `${rpcUser}:${rpcPass}`, path: "/" },
        (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString()));
          res.on("end", () => {
            try {
              const parsed = JSON.parse(text) as { result: T; error: { message: string } | null };
              if (parsed.error) reject(new Error(`btcd ${method}: ${parsed.error.message}`));
              else resolve(parsed.result);
            } catch {
              reject(new Error(`btcd ${method}: HTTP ${res.statusCode}: ${text.slice(0, 200)}`));
            }
          });
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  return {
    call,
    mine: async (blocks) => {
      await call("generate", [blocks]);
    },
    height: () => call<number>("getblockcount"),
  };
}
