// Kafka client credentials (SASL/SCRAM-SHA-512). They come from a JSON file
// {"username","password","mechanism":"scram-sha-512"} (infra/scripts/kafka.sh writes one per
// principal, mode 0600) or from the environment; never from command-line arguments. Error
// messages name the file and the field, never the password.
import { readFileSync } from "node:fs";

export interface KafkaCredentials {
  readonly username: string;
  readonly password: string;
  readonly mechanism: "scram-sha-512";
}

/**
 * How a service authenticates to Kafka: a credentials file, a username and password (from the
 * environment), or explicitly none (plaintext, unauthenticated: only when the config says so).
 */
export type KafkaAuthSetting =
  | { readonly kind: "file"; readonly path: string }
  | { readonly kind: "password"; readonly username: string; readonly password: string }
  | { readonly kind: "unauthenticated" };

export class KafkaCredentialsError extends Error {
  override readonly name = "KafkaCredentialsError";
}

/** Reads and checks a credentials file. */
export function readKafkaCredentialsFile(path: string): KafkaCredentials {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new KafkaCredentialsError(`cannot read the Kafka credentials file ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    // The parser's message quotes the text near the error, which may be the password.
    throw new KafkaCredentialsError(`the Kafka credentials file ${path} is not valid JSON`);
  }
  const record = typeof json === "object" && json !== null ? (json as Record<string, unknown>) : {};
  const problems: string[] = [];
  if (typeof record["username"] !== "string" || record["username"].length === 0) problems.push('"username" (a non-empty string)');
  if (typeof record["password"] !== "string" || record["password"].length === 0) problems.push('"password" (a non-empty string)');
  const mechanism = record["mechanism"] ?? "scram-sha-512";
  if (mechanism !== "scram-sha-512") problems.push('"mechanism" must be "scram-sha-512" when given');
  if (problems.length > 0) throw new KafkaCredentialsError(`the Kafka credentials file ${path} needs ${problems.join(", ")}`);
  return { username: record["username"] as string, password: record["password"] as string, mechanism: "scram-sha-512" };
}

/**
 * Why a credentials file a config names cannot be used (unreadable, not JSON, a field missing),
 * or undefined when it can: the services check it once at start, so a wrong mount stops them at
 * once naming the file. Any other error is thrown.
 */
export function kafkaCredentialsFileProblem(path: string): string | undefined {
  try {
    readKafkaCredentialsFile(path);
    return undefined;
  } catch (error) {
    if (!(error instanceof KafkaCredentialsError)) throw error;
    return error.message;
  }
}

/** The credentials of a setting (undefined: unauthenticated). Reads the file of a file setting. */
export function resolveKafkaCredentials(setting: KafkaAuthSetting): KafkaCredentials | undefined {
  switch (setting.kind) {
    case "file":
      return readKafkaCredentialsFile(setting.path);
    case "password":
      return { username: setting.username, password: setting.password, mechanism: "scram-sha-512" };
    case "unauthenticated":
      return undefined;
  }
}

/**
 * What a service logs at warn level when it starts: the warning for an unauthenticated client
 * (only possible when a config allows it explicitly), else undefined.
 */
export function kafkaAuthWarning(setting: KafkaAuthSetting): string | undefined {
  return setting.kind === "unauthenticated"
    ? "Kafka without authentication (kafka.allowUnauthenticated): anyone who reaches the broker can forge HTLC records and read commands with preimages; use it only on a broker nobody else reaches"
    : undefined;
}

/** For logs: how the client authenticates, without the secret. */
export function describeKafkaAuth(setting: KafkaAuthSetting): string {
  switch (setting.kind) {
    case "file":
      return `SASL/SCRAM-SHA-512 with the credentials in ${setting.path}`;
    case "password":
      return `SASL/SCRAM-SHA-512 as ${setting.username} (from the environment)`;
    case "unauthenticated":
      return "no authentication (kafka.allowUnauthenticated)";
  }
}

/**
 * The auth setting of a service config: a credentials file, else a username and password from
 * the environment, else unauthenticated if explicitly allowed, else a problem that says what to
 * set. Shared by both services so they word it the same.
 */
export function kafkaAuthSetting(input: {
  credentialsFile: string | undefined;
  username: string | undefined;
  password: string | undefined;
  allowUnauthenticated: boolean;
  /** Names in messages, e.g. { file: "kafka.credentialsFile", username: "IC_BRIDGE_KAFKA_USERNAME", ... }. */
  /** allowUnauthenticated undefined: no such option (the message does not offer it). */
  names: { file: string; username: string; password: string; allowUnauthenticated?: string };
}): { ok: true; value: KafkaAuthSetting } | { ok: false; problem: string } {
  const { names } = input;
  const file = input.credentialsFile === undefined || input.credentialsFile === "" ? undefined : input.credentialsFile;
  const username = input.username === "" ? undefined : input.username;
  const password = input.password === "" ? undefined : input.password;
  if (file !== undefined && (username !== undefined || password !== undefined)) {
    return { ok: false, problem: `give Kafka credentials either by ${names.file} or by ${names.username}/${names.password}, not both` };
  }
  if (file !== undefined) return { ok: true, value: { kind: "file", path: file } };
  if (username !== undefined || password !== undefined) {
    if (username === undefined || password === undefined) {
      return { ok: false, problem: `${names.username} and ${names.password} go together: set both (or use ${names.file})` };
    }
    return { ok: true, value: { kind: "password", username, password } };
  }
  if (input.allowUnauthenticated) return { ok: true, value: { kind: "unauthenticated" } };
  return {
    ok: false,
    problem:
      `no Kafka credentials: set ${names.file} (a JSON file {"username","password","mechanism":"scram-sha-512"}) or ${names.username} and ${names.password}` +
      (names.allowUnauthenticated === undefined ? "" : `; to connect without authentication set ${names.allowUnauthenticated}: true explicitly`),
  };
}

/**
 * The Kafka section every service config has: kafka.brokers, kafka.clientId and the login fields
 * kafka.credentialsFile, kafka.username, kafka.password, kafka.allowUnauthenticated.
 */
export interface ServiceKafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  /** JSON file {"username","password","mechanism":"scram-sha-512"}; "" none. */
  readonly credentialsFile: string;
  /** SASL/SCRAM username and password, "" none. */
  readonly username: string;
  readonly password: string;
  /** Connect without authentication: only when set explicitly. */
  readonly allowUnauthenticated: boolean;
}

/** That section from a config table's checked values, keyed by field path (@ic/service-config). */
export function serviceKafkaConfig(values: Readonly<Record<string, unknown>>): ServiceKafkaConfig {
  return {
    brokers: values["kafka.brokers"] as string[],
    clientId: values["kafka.clientId"] as string,
    credentialsFile: values["kafka.credentialsFile"] as string,
    username: values["kafka.username"] as string,
    password: values["kafka.password"] as string,
    allowUnauthenticated: values["kafka.allowUnauthenticated"] as boolean,
  };
}

/** The login of a checked section, to connect with; throws when it has none (the config check refuses that). */
export function serviceKafkaAuth(kafka: ServiceKafkaConfig): KafkaAuthSetting {
  const auth = kafkaAuthSetting({
    ...kafka,
    names: { file: "kafka.credentialsFile", username: "kafka.username", password: "kafka.password" },
  });
  if (!auth.ok) throw new KafkaCredentialsError(auth.problem);
  return auth.value;
}

/**
 * The login of an operator's command-line tool (provisioning, dead letters): --credentials-file,
 * or IC_KAFKA_USERNAME and IC_KAFKA_PASSWORD from the environment; never unauthenticated.
 */
export function commandLineKafkaAuthSetting(
  credentialsFile: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): ReturnType<typeof kafkaAuthSetting> {
  return kafkaAuthSetting({
    credentialsFile,
    username: env["IC_KAFKA_USERNAME"],
    password: env["IC_KAFKA_PASSWORD"],
    allowUnauthenticated: false,
    names: { file: "--credentials-file", username: "IC_KAFKA_USERNAME", password: "IC_KAFKA_PASSWORD" },
  });
}

/**
 * kafkaAuthSetting for a service config with the fields kafka.credentialsFile, kafka.username,
 * kafka.password and kafka.allowUnauthenticated, set by the variables <envPrefix>_KAFKA_*
 * (@ic/service-config's naming): the messages name those fields and variables.
 */
export function configKafkaAuthSetting(
  fields: Pick<ServiceKafkaConfig, "credentialsFile" | "username" | "password" | "allowUnauthenticated">,
  envPrefix: string,
): ReturnType<typeof kafkaAuthSetting> {
  return kafkaAuthSetting({
    ...fields,
    names: {
      file: `kafka.credentialsFile (or ${envPrefix}_KAFKA_CREDENTIALS_FILE)`,
      username: `${envPrefix}_KAFKA_USERNAME`,
      password: `${envPrefix}_KAFKA_PASSWORD`,
      allowUnauthenticated: "kafka.allowUnauthenticated",
    },
  });
}
