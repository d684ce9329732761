import { describe, expect, it } from "vitest";
import { parseCommandLine, UsageError, type CliCommand, type Environment } from "./command-line.ts";
import { GENERAL_HELP } from "./help-text.ts";

const TOKEN = "t".repeat(40);
const ENV: Environment = { IC_API_TOKEN: TOKEN };
const HASH = "ab".repeat(32);

function command(argv: string[], env: Environment = ENV): CliCommand {
  const parsed = parseCommandLine(argv, env);
  if (parsed.kind !== "run") throw new Error(`expected a command, got help`);
  return parsed.command;
}

function usageError(argv: string[], env: Environment = ENV): UsageError {
  try {
    parseCommandLine(argv, env);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return error as UsageError;
  }
  throw new Error(`${argv.join(" ")} parsed without error`);
}

describe("commands", () => {
  it("add: every flag, amount exact past 2^53", () => {
    expect(
      command(["add", "--ref", "order-1", "--mode", "hold", "--amount-msat", "9007199254740993", "--description", "two coffees", "--expiry", "600"]),
    ).toEqual({
      name: "add",
      request: { externalRef: "order-1", mode: "hold", amountMsat: 9_007_199_254_740_993n, description: "two coffees", expirySeconds: 600 },
    });
  });

  it("add: --amount-sat in satoshi, --description-hash as bytes, --flag=value form", () => {
    expect(command(["add", "--ref=r", "--mode=auto", "--amount-sat=21", `--description-hash=${HASH.toUpperCase()}`])).toEqual({
      name: "add",
      request: { externalRef: "r", mode: "auto", amountMsat: 21_000n, descriptionHash: new Uint8Array(32).fill(0xab) },
    });
  });

  it("add: amount-less when no amount is given; AUTO_SETTLE and auto-settle mean auto", () => {
    expect(command(["add", "--ref", "r", "--mode", "AUTO_SETTLE"])).toEqual({ name: "add", request: { externalRef: "r", mode: "auto" } });
    expect(command(["add", "--ref", "r", "--mode", "auto-settle"])).toMatchObject({ request: { mode: "auto" } });
  });

  it("lookup: by --hash, by positional hash, by --ref", () => {
    expect(command(["lookup", "--hash", HASH])).toEqual({ name: "lookup", query: { paymentHash: HASH } });
    expect(command(["lookup", HASH])).toEqual({ name: "lookup", query: { paymentHash: HASH } });
    expect(command(["lookup", "--ref", "order-1"])).toEqual({ name: "lookup", query: { externalRef: "order-1" } });
  });

  it("list: defaults, page flags, --all", () => {
    expect(command(["list"])).toEqual({ name: "list", pageSize: 0, all: false });
    expect(command(["list", "--page-size", "20", "--page-token", "p2", "--all"])).toEqual({ name: "list", pageSize: 20, pageToken: "p2", all: true });
  });

  it("settle and cancel: the hash by flag or position", () => {
    expect(command(["settle", HASH])).toEqual({ name: "settle", paymentHash: HASH });
    expect(command(["cancel", "--hash", HASH])).toEqual({ name: "cancel", paymentHash: HASH });
  });

  it("subscribe: from 0 by default, --after exact past 2^53, --max-events", () => {
    expect(command(["subscribe"])).toEqual({ name: "subscribe", afterSequence: 0n });
    expect(command(["subscribe", "--after", "18446744073709551615", "--max-events", "3"])).toEqual({
      name: "subscribe",
      afterSequence: 18_446_744_073_709_551_615n,
      maxEvents: 3,
    });
  });

  it("info", () => {
    expect(command(["info"])).toEqual({ name: "info" });
  });
});

describe("connection", () => {
  it("defaults to 127.0.0.1:10200 with the token from IC_API_TOKEN", () => {
    expect(parseCommandLine(["info"], ENV)).toEqual({ kind: "run", command: { name: "info" }, connection: { address: "127.0.0.1:10200", token: TOKEN } });
  });

  it("takes the address, token and certificate from the environment", () => {
    const parsed = parseCommandLine(["info"], { IC_API_ADDRESS: "10.0.0.5:443", IC_API_TOKEN: TOKEN, IC_API_TLS_CERT: "/etc/ic/api.cert" });

    expect(parsed).toMatchObject({ connection: { address: "10.0.0.5:443", token: TOKEN, tlsCertPath: "/etc/ic/api.cert" } });
  });

  it("prefers flags to the environment, before or after the command", () => {
    const parsed = parseCommandLine(["--api", "127.0.0.1:1", "info", "--token", "flag-token", "--tls-cert", "c.pem"], {
      IC_API_ADDRESS: "10.0.0.5:443",
      IC_API_TOKEN: TOKEN,
      IC_API_TLS_CERT: "/etc/ic/api.cert",
    });

    expect(parsed).toMatchObject({ connection: { address: "127.0.0.1:1", token: "flag-token", tlsCertPath: "c.pem" } });
  });

  it("treats empty variables as unset", () => {
    expect(parseCommandLine(["info"], { IC_API_ADDRESS: "", IC_API_TOKEN: TOKEN, IC_API_TLS_CERT: "" })).toMatchObject({
      connection: { address: "127.0.0.1:10200" },
    });
    expect(usageError(["info"], { IC_API_TOKEN: "" }).message).toBe("no API token: set IC_API_TOKEN (or pass --token)");
  });
});

describe("help", () => {
  it("--help, -h and help print the general help, without needing a token", () => {
    for (const argv of [["--help"], ["-h"], ["help"]]) expect(parseCommandLine(argv, {})).toEqual({ kind: "help", text: GENERAL_HELP });
  });

  it("<command> --help and help <command> print the command's help", () => {
    const add = parseCommandLine(["add", "--help"], {});

    expect(add.kind === "help" && add.text.startsWith("Usage: ic-coordinator add --ref REF --mode auto|hold")).toBe(true);
    expect(parseCommandLine(["help", "add"], {})).toEqual(add);
  });

  it("the general help lists every command and the exit codes", () => {
    for (const name of ["add", "lookup", "list", "settle", "cancel", "subscribe", "info", "Exit codes"]) expect(GENERAL_HELP).toContain(name);
  });
});

describe("usage errors", () => {
  const cases: { argv: string[]; message: string; command?: string }[] = [
    { argv: [], message: "no command given" },
    { argv: ["pay"], message: 'unknown command "pay" (commands: add, lookup, list, settle, cancel, subscribe, info)' },
    { argv: ["info", "--verbose"], message: "Unknown option '--verbose'" },
    { argv: ["info", "--api"], message: "Option '--api <value>' argument missing" },
    { argv: ["info", "extra"], message: 'unexpected argument "extra"', command: "info" },
    { argv: ["settle", HASH, HASH], message: `unexpected argument "${HASH}"`, command: "settle" },
    { argv: ["info", "--ref", "x"], message: "info does not take --ref", command: "info" },
    { argv: ["list", "--hash", HASH], message: "list does not take --hash", command: "list" },
    { argv: ["add", "--mode", "auto"], message: "add needs --ref REF (your reference for the invoice)", command: "add" },
    { argv: ["add", "--ref", "r"], message: "add needs --mode auto or --mode hold", command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "later"], message: '--mode must be auto or hold, got "later"', command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--amount-msat", "1", "--amount-sat", "1"], message: "give --amount-msat or --amount-sat, not both", command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--amount-msat", "1.5"], message: '--amount-msat must be a whole number, got "1.5"', command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--amount-msat=-5"], message: '--amount-msat must be a whole number, got "-5"', command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--amount-sat", "0"], message: "--amount-sat must be at least 1; leave it out for an amount-less invoice", command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--description", "d", "--description-hash", HASH], message: "give --description or --description-hash, not both", command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--description-hash", "zz".repeat(32)], message: "--description-hash must be 64 hex characters (the SHA-256 of the description)", command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--description-hash", "ab"], message: "--description-hash must be 64 hex characters (the SHA-256 of the description)", command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--expiry", "1h"], message: '--expiry must be a whole number, got "1h"', command: "add" },
    { argv: ["add", "--ref", "r", "--mode", "auto", "--expiry", "0"], message: "--expiry must be at least 1 second (leave it out for the default, 3600)", command: "add" },
    { argv: ["lookup"], message: "give --hash PAYMENT_HASH or --ref REF", command: "lookup" },
    { argv: ["lookup", HASH, "--ref", "r"], message: "give a payment hash or --ref, not both", command: "lookup" },
    { argv: ["settle"], message: "give the payment hash (--hash PAYMENT_HASH)", command: "settle" },
    { argv: ["cancel", HASH, "--hash", HASH], message: "give the payment hash once", command: "cancel" },
    { argv: ["list", "--page-size", "-1"], message: "Option '--page-size' argument is ambiguous. Did you forget to specify the option argument for '--page-size'? To specify an option argument starting with a dash use '--page-size=-XYZ'." },
    { argv: ["list", "--page-size", "ten"], message: '--page-size must be a whole number, got "ten"', command: "list" },
    { argv: ["subscribe", "--after", "last"], message: '--after must be a sequence number, got "last"', command: "subscribe" },
    { argv: ["subscribe", "--max-events", "0"], message: "--max-events must be at least 1", command: "subscribe" },
    { argv: ["help", "pay"], message: 'unknown command "pay" (commands: add, lookup, list, settle, cancel, subscribe, info)' },
  ];

  for (const { argv, message, command: expectedCommand } of cases) {
    it(`${argv.join(" ") || "(nothing)"}: ${message}`, () => {
      const error = usageError(argv);

      expect(error.message.startsWith(message)).toBe(true);
      expect(error.command).toBe(expectedCommand);
    });
  }

  it("needs a token to run a command", () => {
    expect(usageError(["info"], {}).message).toBe("no API token: set IC_API_TOKEN (or pass --token)");
  });
});
