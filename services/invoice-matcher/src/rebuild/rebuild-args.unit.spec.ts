// The rebuild CLI's arguments: the live projection is never the target, schema names are plain
// identifiers, a missing value is named.
import { describe, expect, it } from "vitest";
import { UsageError } from "../audit/log-target.ts";
import { parseRebuildArgs } from "./main.ts";
import { schemaNameProblem } from "./rebuild-projection.ts";

const base = ["--postgres-url", "postgres://x@127.0.0.1/db", "--schema", "matcher", "--brokers", "127.0.0.1:9092", "--topic", "ic.matcher.events.v1", "--kafka-credentials-file", "/tmp/m.json"];

describe("rebuild arguments", () => {
  it("defaults the target to <live>_rebuilt_<ms> and reads --switch", () => {
    const args = parseRebuildArgs([...base, "--switch"], 1234);
    expect(args).toMatchObject({ targetSchema: "matcher_rebuilt_1234", switchAfter: true });
    expect(args.target.dbSchema).toBe("matcher");
    expect(parseRebuildArgs([...base, "--target-schema", "matcher_v2"], 1).targetSchema).toBe("matcher_v2");
  });

  it.each([
    [["--target-schema", "matcher"], "--target-schema must differ from the live schema matcher"],
    [["--target-schema", "Matcher-2"], 'schema "Matcher-2" must be a plain lower-case SQL identifier'],
    [["--target-schema"], "--target-schema needs a value"],
    [["--target-schema", "--switch"], "--target-schema needs a value"],
    [["--bogus", "x"], "unexpected argument --bogus"],
  ])("refuses %j", (extra, message) => {
    expect(() => parseRebuildArgs([...base, ...extra], 1)).toThrow(UsageError);
    expect(() => parseRebuildArgs([...base, ...extra], 1)).toThrow(message);
  });

  it("accepts only plain lower-case identifiers as schema names", () => {
    expect(schemaNameProblem("ic_matcher_2")).toBeUndefined();
    for (const bad of ["", "1abc", "a;drop schema x", "a b", "A", "x".repeat(64)]) expect(schemaNameProblem(bad)).toBeDefined();
  });
});
