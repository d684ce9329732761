// The parts of the table both services rely on; each service's own spec checks its fields.
import { describe, expect, it } from "vitest";
import { atLeast, configEnvironmentVariables, envNameFor, parseConfigTable, readConfigTable, readmeConfigProblems, type ConfigTable } from "./index.ts";

const table = (unknownFields: "refuse" | "ignore"): ConfigTable => ({
  envPrefix: "IC_TEST",
  unknownFields,
  removed: { "old.topic": "topics derive from the deployment" },
  fields: [
    { path: "name", kind: "string" },
    { path: "deep.tls.certPath", kind: "string", optional: true },
    { path: "retries", kind: "int", default: 3, check: atLeast(1) },
    { path: "token", kind: "string", default: "", secret: true, check: (value: string) => (value.length >= 8 ? undefined : "must be at least 8 characters") },
    { path: "login.password", kind: "string", default: "", envOnly: "set it by IC_TEST_LOGIN_PASSWORD only" },
    { path: "nodes", kind: "json", default: () => [] },
    { path: "apiKey", kind: "string", default: "", env: "IC_TEST_KEY" },
  ],
});

function problems(t: ConfigTable, file: unknown, env: Record<string, string> = {}): string[] {
  const parsed = parseConfigTable(t, file, env);
  return parsed.ok ? [] : parsed.error.map((p) => p.message);
}

describe("parseConfigTable", () => {
  it("names variables after the dotted path, or the field's own kept name", () => {
    expect(envNameFor("IC_TEST", "deep.tls.certPath")).toBe("IC_TEST_DEEP_TLS_CERT_PATH");
    expect(configEnvironmentVariables(table("refuse")).map((v) => v.name)).toEqual([
      "IC_TEST_NAME",
      "IC_TEST_DEEP_TLS_CERT_PATH",
      "IC_TEST_RETRIES",
      "IC_TEST_TOKEN",
      "IC_TEST_LOGIN_PASSWORD",
      "IC_TEST_NODES",
      "IC_TEST_KEY",
    ]);
  });

  it("reads the file, lets a variable win, and leaves an optional field undefined", () => {
    const parsed = parseConfigTable(table("refuse"), { name: "a", retries: "5", nodes: [{ x: 1 }] }, { IC_TEST_NAME: "b", IC_TEST_KEY: "k" });
    expect(parsed).toEqual({
      ok: true,
      value: { name: "b", retries: 5, token: "", "login.password": "", nodes: [{ x: 1 }], apiKey: "k" },
    });
    expect(parseConfigTable(table("refuse"), { name: "a" }, { IC_TEST_NODES: '[{"y":2}]' })).toMatchObject({ value: { nodes: [{ y: 2 }] } });
  });

  it("keeps the good fields' values beside the others' problems (readConfigTable), for checks across fields", () => {
    const read = readConfigTable(table("refuse"), { retries: 0, token: "12345678" }, {});
    expect(read.problems.map((p) => p.field)).toEqual(["name", "retries"]);
    expect(read.values).toEqual({ token: "12345678", "login.password": "", nodes: [], apiKey: "" });
    expect(readConfigTable(table("refuse"), [1], {})).toEqual({ values: {}, problems: [{ field: "", message: "the config file must hold a JSON object" }] });
  });

  it("refuses unknown fields at any depth, or ignores them, and always refuses removed and environment-only ones", () => {
    const file = { name: "a", deep: { tls: { certPath: "/c", keyPath: "/k" } }, old: { topic: "t" }, login: { password: "pw-in-file" } };
    expect(problems(table("refuse"), file)).toEqual([
      'unknown config field "deep.tls.keyPath"',
      'config field "old.topic" is no longer used: topics derive from the deployment',
      'config field "login.password" is not read from the config file: set it by IC_TEST_LOGIN_PASSWORD only',
    ]);
    expect(problems(table("ignore"), file)).toEqual([
      'config field "old.topic" is no longer used: topics derive from the deployment',
      'config field "login.password" is not read from the config file: set it by IC_TEST_LOGIN_PASSWORD only',
    ]);
  });

  it("never quotes a secret's value, of the wrong kind or failing its check", () => {
    const message = problems(table("refuse"), { name: "a", token: "sh0rt" }, {}).join();
    expect(message).toBe('config field "token": must be at least 8 characters');
    expect(problems(table("refuse"), { name: "a", token: 12345678 })).toEqual(['config field "token": must be a string']);
  });

  it("names the variable a bad value came from, and a JSON variable that does not parse", () => {
    expect(problems(table("refuse"), { name: "a" }, { IC_TEST_RETRIES: "0", IC_TEST_NODES: "a=b" })).toEqual([
      "retries (from IC_TEST_RETRIES): must be at least 1, got 0",
      'nodes (from IC_TEST_NODES): must be JSON, got "a=b"',
    ]);
  });
});

describe("readmeConfigProblems", () => {
  it("finds the fields without a table row naming the field and its variable", () => {
    const readme = ["| field | env |", "| `name` | `IC_TEST_NAME` |", "| `retries` | |", "`token` `IC_TEST_TOKEN` outside a table"].join("\n");
    expect(readmeConfigProblems(readme, table("refuse"))).toEqual([
      "the README has no table row with `deep.tls.certPath` and `IC_TEST_DEEP_TLS_CERT_PATH`",
      "the README has no table row with `retries` and `IC_TEST_RETRIES`",
      "the README has no table row with `token` and `IC_TEST_TOKEN`",
      "the README has no table row with `login.password` and `IC_TEST_LOGIN_PASSWORD`",
      "the README has no table row with `nodes` and `IC_TEST_NODES`",
      "the README has no table row with `apiKey` and `IC_TEST_KEY`",
    ]);
  });
});
