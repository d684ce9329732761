import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  commandLineKafkaAuthSetting,
  configKafkaAuthSetting,
  describeKafkaAuth,
  kafkaAuthSetting,
  kafkaAuthWarning,
  KafkaCredentialsError,
  readKafkaCredentialsFile,
  resolveKafkaCredentials,
  serviceKafkaAuth,
  serviceKafkaConfig,
} from "./kafka-credentials.ts";

const dir = mkdtempSync(path.join(tmpdir(), "ic-credentials-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const names = { file: "kafka.credentialsFile", username: "X_USERNAME", password: "X_PASSWORD", allowUnauthenticated: "kafka.allowUnauthenticated" };
const setting = (over: Partial<Parameters<typeof kafkaAuthSetting>[0]>) =>
  kafkaAuthSetting({ credentialsFile: undefined, username: undefined, password: undefined, allowUnauthenticated: false, names, ...over });

describe("Kafka credentials", () => {
  it("reads a credentials file, and names what is wrong with one without echoing the password", () => {
    const good = path.join(dir, "good.json");
    writeFileSync(good, JSON.stringify({ username: "matcher", password: "pw-1", mechanism: "scram-sha-512" }));
    expect(readKafkaCredentialsFile(good)).toEqual({ username: "matcher", password: "pw-1", mechanism: "scram-sha-512" });
    const broken = path.join(dir, "broken.json");
    writeFileSync(broken, '{"username":"m","password":"pw-secret-2"');
    expect(() => readKafkaCredentialsFile(broken)).toThrow(`the Kafka credentials file ${broken} is not valid JSON`);
    const wrongMechanism = path.join(dir, "plain.json");
    writeFileSync(wrongMechanism, JSON.stringify({ username: "m", password: "pw-secret-3", mechanism: "plain" }));
    expect(() => readKafkaCredentialsFile(wrongMechanism)).toThrow(/"mechanism" must be "scram-sha-512"/);
    expect(() => readKafkaCredentialsFile(path.join(dir, "missing.json"))).toThrow(/cannot read the Kafka credentials file .*ENOENT/);
    try {
      readKafkaCredentialsFile(broken);
    } catch (error) {
      expect((error as Error).message).not.toContain("pw-secret");
    }
  });

  it("needs credentials unless unauthenticated is allowed explicitly, and then warns", () => {
    const none = setting({});
    expect(none.ok).toBe(false);
    expect(!none.ok && none.problem).toMatch(/^no Kafka credentials: set kafka.credentialsFile .* or X_USERNAME and X_PASSWORD; to connect without authentication set kafka.allowUnauthenticated: true explicitly$/);
    const plain = setting({ allowUnauthenticated: true });
    expect(plain).toEqual({ ok: true, value: { kind: "unauthenticated" } });
    expect(plain.ok && kafkaAuthWarning(plain.value)).toMatch(/^Kafka without authentication/);
    expect(plain.ok && resolveKafkaCredentials(plain.value)).toBeUndefined();
  });

  it("prefers nothing silently: a file and a password together, or half a password, are refused", () => {
    expect(setting({ credentialsFile: "/f", username: "u", password: "p" }).ok).toBe(false);
    expect(setting({ username: "u" })).toEqual({ ok: false, problem: "X_USERNAME and X_PASSWORD go together: set both (or use kafka.credentialsFile)" });
    const password = setting({ username: "u", password: "pw-4" });
    expect(password).toEqual({ ok: true, value: { kind: "password", username: "u", password: "pw-4" } });
    expect(password.ok && kafkaAuthWarning(password.value)).toBeUndefined();
    expect(password.ok && describeKafkaAuth(password.value)).not.toContain("pw-4");
  });
});

describe("a service config's Kafka section", () => {
  const values = {
    "kafka.brokers": ["k1:9092", "k2:9092"],
    "kafka.clientId": "ic-bridge-alpha",
    "kafka.credentialsFile": "",
    "kafka.username": "bridge-alpha",
    "kafka.password": "pw-5",
    "kafka.allowUnauthenticated": false,
    metricsPort: 9464,
  };

  it("is read from the table's values by path, and its login is the one to connect with", () => {
    const section = serviceKafkaConfig(values);
    expect(section).toEqual({ brokers: ["k1:9092", "k2:9092"], clientId: "ic-bridge-alpha", credentialsFile: "", username: "bridge-alpha", password: "pw-5", allowUnauthenticated: false });
    expect(serviceKafkaAuth(section)).toEqual({ kind: "password", username: "bridge-alpha", password: "pw-5" });
    expect(configKafkaAuthSetting(section, "IC_BRIDGE")).toEqual({ ok: true, value: { kind: "password", username: "bridge-alpha", password: "pw-5" } });
  });

  it("a section without a login is refused by the config check, naming the variables, and cannot connect", () => {
    const section = serviceKafkaConfig({ ...values, "kafka.username": "", "kafka.password": "" });
    const checked = configKafkaAuthSetting(section, "IC_BRIDGE");
    expect(checked.ok).toBe(false);
    expect(checked.ok ? "" : checked.problem).toBe(
      'no Kafka credentials: set kafka.credentialsFile (or IC_BRIDGE_KAFKA_CREDENTIALS_FILE) (a JSON file {"username","password","mechanism":"scram-sha-512"}) or IC_BRIDGE_KAFKA_USERNAME and IC_BRIDGE_KAFKA_PASSWORD; to connect without authentication set kafka.allowUnauthenticated: true explicitly',
    );
    expect(() => serviceKafkaAuth(section)).toThrow(KafkaCredentialsError);
  });
});

describe("an operator command's login", () => {
  it("is --credentials-file or IC_KAFKA_USERNAME/IC_KAFKA_PASSWORD, never unauthenticated", () => {
    expect(commandLineKafkaAuthSetting("/run/kafka/admin.json", {})).toEqual({ ok: true, value: { kind: "file", path: "/run/kafka/admin.json" } });
    expect(commandLineKafkaAuthSetting(undefined, { IC_KAFKA_USERNAME: "admin", IC_KAFKA_PASSWORD: "pw-6" })).toEqual({
      ok: true,
      value: { kind: "password", username: "admin", password: "pw-6" },
    });
    const none = commandLineKafkaAuthSetting(undefined, {});
    expect(none.ok ? "" : none.problem).toBe(
      'no Kafka credentials: set --credentials-file (a JSON file {"username","password","mechanism":"scram-sha-512"}) or IC_KAFKA_USERNAME and IC_KAFKA_PASSWORD',
    );
  });
});
