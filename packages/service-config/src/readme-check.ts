// A service's README lists every field of its config table with its variable: this finds the
// ones it misses, for a unit test per service (the README is written by hand, checked here).
import { configEnvironmentVariables, type ConfigTable } from "./config-table.ts";

/**
 * One message per field that has no README table row naming both `field` and `VARIABLE` (each
 * in backquotes), in table order; [] when every field is there.
 */
export function readmeConfigProblems(readme: string, table: ConfigTable): string[] {
  const rows = readme.split("\n").filter((line) => line.trimStart().startsWith("|"));
  return configEnvironmentVariables(table)
    .filter(({ name, field }) => !rows.some((row) => row.includes(`\`${field}\``) && row.includes(`\`${name}\``)))
    .map(({ name, field }) => `the README has no table row with \`${field}\` and \`${name}\``);
}
