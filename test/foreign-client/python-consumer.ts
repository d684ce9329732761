// Runs the foreign consumer (consume_invoice_events.py) with the venv's python, as the stack's
// public principal, against the stack's broker and schema registry.
import { execFileSync, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { testBrokers, testCredentialsFiles, testSchemaRegistryUrl } from "@ic/event-log/testing";

const here = path.dirname(fileURLToPath(import.meta.url));

export interface ForeignEvent {
  readonly kind: string;
  readonly sequence: number;
  readonly paymentHash: string;
  readonly amountMsat: string | null;
  readonly amountPaidMsat: string | null;
  readonly parts: number;
  readonly schemaId: number;
}

/** The venv's python (made once, cached: test/foreign-client/venv.sh). */
export function foreignPython(): string {
  return execFileSync("bash", [path.join(here, "venv.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
}

/**
 * Runs the Python consumer until it saw SETTLED for paymentHash (or its deadline): every line it
 * printed for that invoice, and its exit code.
 */
export function consumeWithPython(input: { python: string; topic: string; group: string; paymentHash: string; timeoutS?: number }): Promise<{ code: number | null; events: ForeignEvent[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      input.python,
      [
        path.join(here, "consume_invoice_events.py"),
        ...["--bootstrap", testBrokers.join(","), "--credentials-file", testCredentialsFiles().public, "--topic", input.topic, "--group", input.group],
        ...["--registry", testSchemaRegistryUrl(), "--payment-hash", input.paymentHash, "--timeout", String(input.timeoutS ?? 90)],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const lines = stdout.split("\n").filter((line) => line.startsWith("{")).map((line) => JSON.parse(line) as Record<string, unknown>);
      resolve({ code, events: lines.filter((line) => "kind" in line) as unknown as ForeignEvent[], stderr });
    });
  });
}
