// Entry point: tsx services/invoice-matcher/src/audit/main.ts --config <matcher.json>
//          or: tsx services/invoice-matcher/src/audit/main.ts --postgres-url <url> --schema <s> --brokers <h:p,...> --topic <t>
//              [--deployment <name>] [--kafka-credentials-file <matcher.json>]  (or IC_KAFKA_USERNAME + IC_KAFKA_PASSWORD)
// Prints the audit report (replay-audit.ts) as JSON. Exit 0: every invoice matched; 1: a mismatch,
// a gap or a missing side; 2: bad arguments or the audit could not run. The flags override the
// config file; with --config, loadMatcherConfig validates the whole file, secrets included (the
// IC_MATCHER_* variables), although the audit uses none of them: the flags alone avoid that.
import pino from "pino";
import { resolveKafkaCredentials } from "@ic/event-log";
import { ConfigError } from "../config.ts";
import { createMatcherPool } from "../postgres/matcher-pool.ts";
import { LOG_TARGET_USAGE, parseLogTargetFlags, resolveLogTarget, UsageError, type LogTarget } from "./log-target.ts";
import { auditFoundProblems, auditProjection } from "./replay-audit.ts";

const USAGE = `usage: audit/main.ts ${LOG_TARGET_USAGE}`;

async function main(): Promise<number> {
  const logger = pino({ name: "matcher-audit", level: process.env.LOG_LEVEL ?? "warn" }, pino.destination(2));
  let target: LogTarget;
  try {
    target = resolveLogTarget(parseLogTargetFlags(process.argv.slice(2), USAGE), USAGE);
  } catch (error) {
    if (error instanceof UsageError || error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const pool = createMatcherPool(target, logger);
  try {
    const sasl = resolveKafkaCredentials(target.kafkaAuth);
    const report = await auditProjection({
      kafka: { brokers: target.brokers, logger, ...(sasl === undefined ? {} : { sasl }) },
      deployment: target.deployment,
      topic: target.topic,
      pool,
    });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return auditFoundProblems(report) ? 1 : 0;
  } finally {
    await pool.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`audit failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(2);
  },
);
