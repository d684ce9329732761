// Entry point: tsx services/invoice-matcher/src/rebuild/main.ts --config <matcher.json> [--target-schema <s>] [--switch]
//          or: the audit's flags (--postgres-url, --schema, --brokers, --topic, ...) instead of --config.
// Rebuilds the projection of schema --schema (the live one) from the matcher-events topic into a
// new schema (default <schema>_rebuilt_<ms>), audits the rebuilt schema against the log, compares
// it with the live one row by row, and with --switch puts it in the live one's place (refused while
// a matcher runs on the live schema or its outbox has unpublished rows). Progress on stderr; one
// JSON report on stdout. Exit 0: rebuilt, the rebuilt projection matches the log (and switched, if
// asked); 1: the rebuilt projection does not match the log, or the switch was refused; 2: bad
// arguments, or the rebuild could not run (nothing switched). Docs: docs/operations.md.
import pino from "pino";
import { resolveKafkaCredentials } from "@ic/event-log";
import { ConfigError } from "../config.ts";
import { createMatcherPool } from "../postgres/matcher-pool.ts";
import { LOG_TARGET_USAGE, parseLogTargetFlags, resolveLogTarget, UsageError, type LogTarget } from "../audit/log-target.ts";
import { auditFoundProblems, auditProjection } from "../audit/replay-audit.ts";
import { compareProjections, projectionsEqual, rebuildProjection, RebuildError, schemaNameProblem, switchToRebuilt } from "./rebuild-projection.ts";

const USAGE = `usage: rebuild/main.ts ${LOG_TARGET_USAGE}\n  [--target-schema <new schema>] [--switch]`;

export function parseRebuildArgs(argv: readonly string[], now: number): { target: LogTarget; targetSchema: string; switchAfter: boolean } {
  const rest: string[] = [];
  let targetSchema: string | undefined;
  let switchAfter = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--switch") switchAfter = true;
    else if (arg === "--target-schema") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new UsageError(`--target-schema needs a value\n${USAGE}`);
      targetSchema = value;
    } else rest.push(arg);
  }
  const target = resolveLogTarget(parseLogTargetFlags(rest, USAGE), USAGE);
  const chosen = targetSchema ?? `${target.dbSchema.slice(0, 40)}_rebuilt_${now}`;
  const problem = schemaNameProblem(chosen);
  if (problem !== undefined) throw new UsageError(`--target-schema: ${problem}\n${USAGE}`);
  if (chosen === target.dbSchema) throw new UsageError(`--target-schema must differ from the live schema ${target.dbSchema}\n${USAGE}`);
  return { target, targetSchema: chosen, switchAfter };
}

async function main(): Promise<number> {
  const logger = pino({ name: "matcher-rebuild", level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  const progress = (message: string) => process.stderr.write(`[rebuild] ${message}\n`);
  let args: ReturnType<typeof parseRebuildArgs>;
  try {
    args = parseRebuildArgs(process.argv.slice(2), Date.now());
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { target, targetSchema, switchAfter } = args;
  const sasl = resolveKafkaCredentials(target.kafkaAuth);
  const kafka = { brokers: target.brokers, logger, ...(sasl === undefined ? {} : { sasl }) };
  let rebuild;
  try {
    rebuild = await rebuildProjection({ kafka, deployment: target.deployment, topic: target.topic, postgresUrl: target.postgresUrl, targetSchema, liveSchema: target.dbSchema, progress });
  } catch (error) {
    if (error instanceof RebuildError) {
      process.stderr.write(`rebuild refused: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  progress(`auditing ${targetSchema} against the log`);
  const pool = createMatcherPool({ postgresUrl: target.postgresUrl, dbSchema: targetSchema }, logger);
  let audit;
  try {
    audit = await auditProjection({ kafka, deployment: target.deployment, topic: target.topic, pool });
  } finally {
    await pool.end();
  }
  progress(`comparing ${targetSchema} with the live ${target.dbSchema}`);
  const comparison = await compareProjections(target.postgresUrl, target.dbSchema, targetSchema);
  const report: Record<string, unknown> = { rebuild, audit, comparison: { ...comparison, equal: projectionsEqual(comparison) } };
  let code = auditFoundProblems(audit) ? 1 : 0;
  if (switchAfter && code === 0) {
    try {
      const switched = await switchToRebuilt(target.postgresUrl, target.dbSchema, targetSchema);
      progress(`switched: ${targetSchema} is now ${target.dbSchema}; the replaced projection is kept as ${switched.replacedSchema}`);
      report["switched"] = { liveSchema: target.dbSchema, ...switched };
    } catch (error) {
      if (!(error instanceof RebuildError)) throw error;
      progress(`switch refused: ${error.message}`);
      report["switched"] = null;
      report["switchRefused"] = error.message;
      code = 1;
    }
  } else if (switchAfter) {
    progress("not switched: the rebuilt projection does not match the log (see audit)");
    report["switched"] = null;
  }
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return code;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`rebuild failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
