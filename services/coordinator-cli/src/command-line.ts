// argv + environment -> what to do, as a pure function. Only the syntax is checked here
// (numbers are numbers, exactly one of two flags, hex is hex); ranges and business rules
// are the API's, which names the field in its answer.
import { parseArgs } from "node:util";
import type { CreateInvoiceRequest, InvoiceMode } from "@ic/invoice-api-client";
import { COMMAND_NAMES, commandHelp, DEFAULT_API_ADDRESS, GENERAL_HELP, type CommandName } from "./help-text.ts";

export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    /** The command whose usage to point at, when known. */
    readonly command?: CommandName,
  ) {
    super(message);
  }
}

export type CliCommand =
  | { name: "add"; request: CreateInvoiceRequest }
  | { name: "lookup"; query: { paymentHash: string } | { externalRef: string } }
  | { name: "list"; pageSize: number; pageToken?: string; all: boolean }
  | { name: "settle"; paymentHash: string }
  | { name: "cancel"; paymentHash: string }
  | { name: "subscribe"; afterSequence: bigint; maxEvents?: number }
  | { name: "info" };

export interface ApiConnection {
  address: string;
  token: string;
  tlsCertPath?: string;
}

export type CommandLine = { kind: "help"; text: string } | { kind: "run"; command: CliCommand; connection: ApiConnection };

export type Environment = Readonly<Record<string, string | undefined>>;

const OPTIONS = {
  help: { type: "boolean", short: "h" },
  api: { type: "string" },
  token: { type: "string" },
  "tls-cert": { type: "string" },
  ref: { type: "string" },
  hash: { type: "string" },
  mode: { type: "string" },
  "amount-msat": { type: "string" },
  "amount-sat": { type: "string" },
  description: { type: "string" },
  "description-hash": { type: "string" },
  expiry: { type: "string" },
  "page-size": { type: "string" },
  "page-token": { type: "string" },
  all: { type: "boolean" },
  after: { type: "string" },
  "max-events": { type: "string" },
} as const;

type Flags = ReturnType<typeof parseFlags>["values"];

/** The flags each command accepts besides the connection flags. */
const COMMAND_FLAGS: Record<CommandName, readonly (keyof Flags)[]> = {
  add: ["ref", "mode", "amount-msat", "amount-sat", "description", "description-hash", "expiry"],
  lookup: ["hash", "ref"],
  list: ["page-size", "page-token", "all"],
  settle: ["hash"],
  cancel: ["hash"],
  subscribe: ["after", "max-events"],
  info: [],
};
const CONNECTION_FLAGS: readonly (keyof Flags)[] = ["help", "api", "token", "tls-cert"];

const HEX_32_BYTES = /^[0-9a-fA-F]{64}$/;
const DIGITS = /^\d+$/;

export function parseCommandLine(argv: readonly string[], env: Environment): CommandLine {
  const { values: flags, positionals } = parseFlags(argv);
  const [commandWord, ...operands] = positionals;

  if (commandWord === undefined || commandWord === "help") {
    const topic = operands[0];
    if (commandWord === "help" && topic !== undefined) return { kind: "help", text: commandHelp(commandName(topic)) };
    if (flags.help || commandWord === "help") return { kind: "help", text: GENERAL_HELP };
    throw new UsageError("no command given");
  }
  const name = commandName(commandWord);
  if (flags.help) return { kind: "help", text: commandHelp(name) };

  for (const flag of Object.keys(flags) as (keyof Flags)[]) {
    if (!CONNECTION_FLAGS.includes(flag) && !COMMAND_FLAGS[name].includes(flag))
      throw new UsageError(`${name} does not take --${flag}`, name);
  }
  const takesOperand = name === "lookup" || name === "settle" || name === "cancel";
  if (operands.length > (takesOperand ? 1 : 0))
    throw new UsageError(`unexpected argument ${JSON.stringify(operands.at(-1))}`, name);

  return { kind: "run", command: parseCommand(name, flags, operands[0]), connection: parseConnection(flags, env) };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    // node's messages are clear ("Unknown option '--foo'"); only the trailing advice is ours.
    throw new UsageError((error as Error).message.replace(/\. To specify a positional argument.*$/s, "").replace(/\n/g, " "));
  }
}

function commandName(word: string): CommandName {
  const found = COMMAND_NAMES.find((name) => name === word);
  if (found === undefined) throw new UsageError(`unknown command ${JSON.stringify(word)} (commands: ${COMMAND_NAMES.join(", ")})`);
  return found;
}

function parseCommand(name: CommandName, flags: Flags, operand: string | undefined): CliCommand {
  switch (name) {
    case "add":
      return { name, request: parseAdd(flags) };
    case "lookup": {
      const hash = flags.hash ?? operand;
      if (hash !== undefined && flags.ref !== undefined) throw new UsageError("give a payment hash or --ref, not both", name);
      if (flags.ref !== undefined) return { name, query: { externalRef: flags.ref } };
      if (hash !== undefined) return { name, query: { paymentHash: hash } };
      throw new UsageError("give --hash PAYMENT_HASH or --ref REF", name);
    }
    case "list": {
      const command: CliCommand = { name, pageSize: optionalCount(flags["page-size"], "--page-size", name) ?? 0, all: flags.all ?? false };
      if (flags["page-token"] !== undefined) command.pageToken = flags["page-token"];
      return command;
    }
    case "settle":
    case "cancel": {
      if (flags.hash !== undefined && operand !== undefined) throw new UsageError("give the payment hash once", name);
      const paymentHash = flags.hash ?? operand;
      if (paymentHash === undefined) throw new UsageError("give the payment hash (--hash PAYMENT_HASH)", name);
      return { name, paymentHash };
    }
    case "subscribe": {
      const after = flags.after ?? "0";
      if (!DIGITS.test(after)) throw new UsageError(`--after must be a sequence number, got ${JSON.stringify(after)}`, name);
      const command: CliCommand = { name, afterSequence: BigInt(after) };
      const maxEvents = optionalCount(flags["max-events"], "--max-events", name);
      if (maxEvents !== undefined) {
        if (maxEvents === 0) throw new UsageError("--max-events must be at least 1", name);
        command.maxEvents = maxEvents;
      }
      return command;
    }
    case "info":
      return { name };
    default: {
      const unknownName: never = name;
      throw new UsageError(`unknown command ${String(unknownName)}`);
    }
  }
}

function parseAdd(flags: Flags): CreateInvoiceRequest {
  if (flags.ref === undefined) throw new UsageError("add needs --ref REF (your reference for the invoice)", "add");
  const request: CreateInvoiceRequest = { externalRef: flags.ref, mode: parseMode(flags.mode) };

  const msat = flags["amount-msat"];
  const sat = flags["amount-sat"];
  if (msat !== undefined && sat !== undefined) throw new UsageError("give --amount-msat or --amount-sat, not both", "add");
  const amountMsat = msat !== undefined ? amount(msat, "--amount-msat", 1n) : sat !== undefined ? amount(sat, "--amount-sat", 1000n) : undefined;
  if (amountMsat !== undefined) request.amountMsat = amountMsat;

  if (flags.description !== undefined && flags["description-hash"] !== undefined)
    throw new UsageError("give --description or --description-hash, not both", "add");
  if (flags.description !== undefined) request.description = flags.description;
  const descriptionHash = flags["description-hash"];
  if (descriptionHash !== undefined) {
    // Buffer.from(hex) silently drops what is not hex: check first.
    if (!HEX_32_BYTES.test(descriptionHash))
      throw new UsageError("--description-hash must be 64 hex characters (the SHA-256 of the description)", "add");
    request.descriptionHash = new Uint8Array(Buffer.from(descriptionHash, "hex"));
  }

  const expiry = optionalCount(flags.expiry, "--expiry", "add");
  if (expiry !== undefined) {
    if (expiry === 0) throw new UsageError("--expiry must be at least 1 second (leave it out for the default, 3600)", "add");
    request.expirySeconds = expiry;
  }
  return request;
}

function parseMode(value: string | undefined): InvoiceMode {
  // Required, as in the API: whether money is taken without the application's word is not
  // something to get by default.
  if (value === undefined) throw new UsageError("add needs --mode auto or --mode hold", "add");
  const normalized = value.toLowerCase().replace(/[-_]/g, "");
  if (normalized === "auto" || normalized === "autosettle") return "auto";
  if (normalized === "hold") return "hold";
  throw new UsageError(`--mode must be auto or hold, got ${JSON.stringify(value)}`, "add");
}

function amount(value: string, flag: string, msatPerUnit: bigint): bigint {
  if (!DIGITS.test(value)) throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(value)}`, "add");
  const msat = BigInt(value) * msatPerUnit;
  if (msat === 0n) throw new UsageError(`${flag} must be at least 1; leave it out for an amount-less invoice`, "add");
  return msat;
}

function optionalCount(value: string | undefined, flag: string, command: CommandName): number | undefined {
  if (value === undefined) return undefined;
  if (!DIGITS.test(value) || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`${flag} must be a whole number, got ${JSON.stringify(value)}`, command);
  return Number(value);
}

function parseConnection(flags: Flags, env: Environment): ApiConnection {
  const address = flags.api ?? nonEmpty(env.IC_API_ADDRESS) ?? DEFAULT_API_ADDRESS;
  const token = flags.token ?? nonEmpty(env.IC_API_TOKEN);
  if (token === undefined) throw new UsageError("no API token: set IC_API_TOKEN (or pass --token)");
  const connection: ApiConnection = { address, token };
  const tlsCertPath = flags["tls-cert"] ?? nonEmpty(env.IC_API_TLS_CERT);
  if (tlsCertPath !== undefined) connection.tlsCertPath = tlsCertPath;
  return connection;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.length === 0 ? undefined : value;
}
