// One CLI run: parse, connect, call, print; returns the exit code. Everything the process
// provides (argv, environment, output streams, Ctrl-C, files, the connection) comes in as a
// parameter, so the whole CLI runs inside tests.
import { readFileSync } from "node:fs";
import { connectInvoiceApi, InvoiceApiError, type InvoiceApiClient, type InvoiceView } from "@ic/invoice-api-client";
import { parseCommandLine, UsageError, type CliCommand, type Environment } from "./command-line.ts";
import { EXIT_OK, EXIT_REFUSED, EXIT_USAGE, exitCodeFor } from "./exit-codes.ts";
import { CLI_NAME } from "./help-text.ts";
import { toJson } from "./json-output.ts";

export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
  /** Ends a running subscription (Ctrl-C); the run then exits 0. */
  signal?: AbortSignal;
  readFile?: (path: string) => Buffer;
  connect?: typeof connectInvoiceApi;
}

export async function runCli(argv: readonly string[], env: Environment, io: CliIo): Promise<number> {
  const fail = (message: string, code: number): number => {
    io.stderr.write(`${CLI_NAME}: ${message}\n`);
    return code;
  };

  let commandLine;
  try {
    commandLine = parseCommandLine(argv, env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    const help = error.command === undefined ? `${CLI_NAME} --help` : `${CLI_NAME} ${error.command} --help`;
    return fail(`${error.message}\n(see ${help})`, EXIT_USAGE);
  }
  if (commandLine.kind === "help") {
    io.stdout.write(`${commandLine.text}\n`);
    return EXIT_OK;
  }

  const { command, connection } = commandLine;
  let tlsCertPem: Buffer | undefined;
  if (connection.tlsCertPath !== undefined) {
    try {
      tlsCertPem = (io.readFile ?? readFileSync)(connection.tlsCertPath);
    } catch (error) {
      return fail(`cannot read the TLS certificate ${connection.tlsCertPath}: ${(error as Error).message}`, EXIT_USAGE);
    }
  }
  const client = (io.connect ?? connectInvoiceApi)(connection.address, connection.token, tlsCertPem === undefined ? {} : { tlsCertPem });
  try {
    await execute(command, client, io);
    return EXIT_OK;
  } catch (error) {
    if (error instanceof InvoiceApiError) return fail(error.message, exitCodeFor(error));
    return fail(`unexpected error: ${error instanceof Error ? error.message : String(error)}`, EXIT_REFUSED);
  } finally {
    client.close();
  }
}

async function execute(command: CliCommand, client: InvoiceApiClient, io: CliIo): Promise<void> {
  const print = (value: unknown): void => {
    io.stdout.write(`${toJson(value, true)}\n`);
  };
  switch (command.name) {
    case "add":
      return print(await client.createInvoice(command.request));
    case "lookup":
      return print(await client.lookupInvoice(command.query));
    case "list": {
      if (!command.all) {
        const request = command.pageToken === undefined ? { limit: command.pageSize } : { limit: command.pageSize, pageToken: command.pageToken };
        return print(await client.listInvoices(request));
      }
      const invoices: InvoiceView[] = [];
      let pageToken = command.pageToken;
      do {
        const page = await client.listInvoices(pageToken === undefined ? { limit: command.pageSize } : { limit: command.pageSize, pageToken });
        invoices.push(...page.invoices);
        pageToken = page.nextPageToken;
      } while (pageToken !== undefined);
      return print({ invoices });
    }
    case "settle":
      return print(await client.settleInvoice(command.paymentHash));
    case "cancel":
      return print(await client.cancelInvoice(command.paymentHash));
    case "subscribe":
      return subscribe(command, client, io);
    case "info":
      return print(await client.getInfo());
    default: {
      const unknownCommand: never = command;
      throw new Error(`unknown command ${JSON.stringify(unknownCommand)}`);
    }
  }
}

// One compact JSON object per line (JSON Lines), so `| jq -c` or a line reader can follow.
async function subscribe(command: Extract<CliCommand, { name: "subscribe" }>, client: InvoiceApiClient, io: CliIo): Promise<void> {
  let count = 0;
  let lastSequence: bigint | undefined;
  try {
    for await (const event of client.subscribeInvoices(command.afterSequence, io.signal)) {
      io.stdout.write(`${toJson(event, false)}\n`);
      lastSequence = event.sequence;
      count++;
      if (command.maxEvents !== undefined && count >= command.maxEvents) return;
    }
  } catch (error) {
    if (lastSequence !== undefined) io.stderr.write(`${CLI_NAME}: last event received: ${lastSequence} (resume with --after ${lastSequence})\n`);
    throw error;
  }
}
