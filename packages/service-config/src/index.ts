export {
  configEnvironmentVariables,
  envNameFor,
  parseConfigTable,
  readConfigTable,
  valueAt,
  type ConfigProblem,
  type ConfigTable,
  type ConfigValues,
  type FieldKind,
  type FieldSpec,
} from "./config-table.ts";
export { atLeast, hostPort, hostPortList, inRange, nonEmpty, oneOf, quote } from "./field-checks.ts";
export { configFilePath, readConfigFile } from "./config-file.ts";
export { readmeConfigProblems } from "./readme-check.ts";
