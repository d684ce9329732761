// The console as one unit: the invoice API client, the Kafka reader (when configured), the
// runtime that polls and follows events, and the HTTP(S) server. For main.ts, the demo and tests.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { connectInvoiceApi } from "@ic/invoice-api-client";
import type { Logger } from "pino";
import type { ConsoleConfig } from "./config.ts";
import { createConsoleAuth } from "./console-auth.ts";
import { startConsoleRuntime } from "./console-runtime.ts";
import { startConsoleServer } from "./console-server.ts";
import { createKafkaLagReader } from "./kafka-lag.ts";

export interface RunningConsole {
  /** Where the page is: http(s)://host:port/ */
  readonly url: string;
  stop(): Promise<void>;
}

export class ConsoleStartError extends Error {
  override readonly name = "ConsoleStartError";
}

export async function startOperatorConsole(config: ConsoleConfig, options: { logger: Logger; distDir: string }): Promise<RunningConsole> {
  const { logger, distDir } = options;
  if (!existsSync(path.join(distDir, "index.html")))
    throw new ConsoleStartError(`the page is not built (no ${path.join(distDir, "index.html")}): run node_modules/.bin/tsx services/operator-console/src/build-web.ts`);
  const read = (what: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new ConsoleStartError(`cannot read ${what} ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
  };
  const tls = config.tls === undefined ? undefined : { cert: read("tls.certPath", config.tls.certPath), key: read("tls.keyPath", config.tls.keyPath) };
  const apiCert = config.api.tlsCertPath === "" ? undefined : read("api.tlsCertPath", config.api.tlsCertPath);
  let kafka;
  try {
    kafka = config.kafka === undefined ? undefined : createKafkaLagReader({ ...config.kafka, deployment: config.deployment, timeoutMs: Math.max(2000, config.pollIntervalMs * 2) });
  } catch (error) {
    throw new ConsoleStartError(`kafka.credentialsFile: ${(error as Error).message}`);
  }
  const api = connectInvoiceApi(config.api.address, config.api.authToken, apiCert === undefined ? {} : { tlsCertPem: apiCert });
  const runtime = startConsoleRuntime(config, { api, kafka, logger });
  const auth = createConsoleAuth(config.api.authToken, { ttlMs: config.sessionTtlMs, secure: tls !== undefined });
  let server;
  try {
    server = await startConsoleServer({ listen: config.listen, tls, distDir: path.resolve(distDir), auth, runtime, logger });
  } catch (error) {
    await runtime.stop();
    api.close();
    throw new ConsoleStartError(`cannot listen on ${config.listen}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  logger.info({ url: server.url, api: config.api.address, bridges: config.bridges.length, matchers: config.matchers.length, kafka: config.kafka !== undefined }, "operator console listening");
  return {
    url: server.url,
    async stop() {
      await server.close();
      await runtime.stop();
      api.close();
    },
  };
}
