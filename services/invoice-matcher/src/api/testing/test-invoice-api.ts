// A running invoice API over a FakeInvoiceService on 127.0.0.1:<free port>, with a client
// and a logger that keeps what it was given, for tests of the API, the CLI and callers.
import { startInvoiceApi, type InvoiceApi, type InvoiceApiOptions } from "../grpc-server.ts";
import { connectInvoiceApi, type InvoiceApiClient } from "@ic/invoice-api-client";
import type { InvoiceApiLogger } from "../invoice-api-logger.ts";
import { FakeInvoiceService } from "./fake-invoice-service.ts";

export const TEST_API_TOKEN = "test-token-" + "5e".repeat(24);

export interface LogEntry {
  level: "error" | "warn" | "info" | "debug";
  fields: Record<string, unknown>;
  message: string;
}

export class RecordingLogger implements InvoiceApiLogger {
  readonly entries: LogEntry[] = [];
  error(fields: object, message: string): void {
    this.entries.push({ level: "error", fields: fields as Record<string, unknown>, message });
  }
  warn(fields: object, message: string): void {
    this.entries.push({ level: "warn", fields: fields as Record<string, unknown>, message });
  }
  info(fields: object, message: string): void {
    this.entries.push({ level: "info", fields: fields as Record<string, unknown>, message });
  }
  debug(fields: object, message: string): void {
    this.entries.push({ level: "debug", fields: fields as Record<string, unknown>, message });
  }
}

export interface TestInvoiceApi {
  fake: FakeInvoiceService;
  api: InvoiceApi;
  address: string;
  client: InvoiceApiClient;
  logger: RecordingLogger;
  stop(): Promise<void>;
}

export async function startTestInvoiceApi(options: Partial<InvoiceApiOptions> = {}): Promise<TestInvoiceApi> {
  const fake = new FakeInvoiceService();
  const logger = new RecordingLogger();
  const api = await startInvoiceApi({ service: fake, address: "127.0.0.1:0", authToken: TEST_API_TOKEN, logger, ...options });
  const address = `127.0.0.1:${api.port}`;
  const client = connectInvoiceApi(address, TEST_API_TOKEN);
  return {
    fake,
    api,
    address,
    client,
    logger,
    async stop() {
      client.close();
      await api.stop();
    },
  };
}
