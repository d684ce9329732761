import { describe, expect, it } from "vitest";
import { deploymentGroups, deploymentTopics } from "../deployment.ts";
import { DeploymentPlanError, planDeployment, type AclEntry } from "./access-plan.ts";

const ALPHA = "02" + "aa".repeat(32);
const BRAVO = "03" + "bb".repeat(32);
const plan = planDeployment({
  deployment: "ic",
  nodes: [
    { name: "alpha", pubkey: ALPHA },
    { name: "bravo", pubkey: BRAVO },
  ],
  partitions: 3,
  replicationFactor: 1,
});
const topics = deploymentTopics("ic");
const groups = deploymentGroups("ic");

/** "OPERATION TYPE PATTERN name" for one principal, sorted. */
function grantsOf(user: string): string[] {
  return plan.acls
    .filter((a: AclEntry) => a.principal === `User:${user}`)
    .map((a) => `${a.operation} ${a.resourceType} ${a.patternType} ${a.resourceName}`)
    .sort();
}

describe("planDeployment", () => {
  it("names per-node topics after the deployment and the node", () => {
    expect(plan.topics.map((t) => t.topic)).toEqual([
      `ic.htlc.intercepted.v1.${ALPHA}`,
      `ic.htlc.outcomes.v1.${ALPHA}`,
      `ic.htlc.commands.v1.${ALPHA}`,
      `ic.bridge.status.v1.${ALPHA}`,
      `ic.bridge.dead-letters.v1.${ALPHA}`,
      `ic.htlc.intercepted.v1.${BRAVO}`,
      `ic.htlc.outcomes.v1.${BRAVO}`,
      `ic.htlc.commands.v1.${BRAVO}`,
      `ic.bridge.status.v1.${BRAVO}`,
      `ic.bridge.dead-letters.v1.${BRAVO}`,
      "ic.invoice.events.v1",
      "ic.matcher.events.v1",
      "ic.matcher.dead-letters.v1",
      "ic.webhook.dead-letters.v1",
    ]);
    expect(plan.principals).toEqual({ matcher: "matcher", public: "public", bridges: { alpha: "bridge-alpha", bravo: "bridge-bravo" }, webhookRelay: "webhook-relay", operatorConsole: "operator-console" });
  });

  it("gives a bridge write on its own node's inputs and status and read on its own node's commands only", () => {
    expect(grantsOf("bridge-alpha")).toEqual(
      [
        `WRITE TOPIC LITERAL ${topics.htlcIntercepted(ALPHA)}`,
        `WRITE TOPIC LITERAL ${topics.htlcOutcomes(ALPHA)}`,
        `WRITE TOPIC LITERAL ${topics.bridgeStatus(ALPHA)}`,
        `WRITE TOPIC LITERAL ${topics.bridgeDeadLetters(ALPHA)}`,
        `READ TOPIC LITERAL ${topics.htlcCommands(ALPHA)}`,
        `READ GROUP PREFIXED ${groups.bridge(ALPHA)}`,
        `DELETE GROUP PREFIXED ${groups.bridgeSettleHistoryPrefix(ALPHA)}`,
      ].sort(),
    );
    expect(grantsOf("bridge-alpha").join("\n")).not.toContain(BRAVO);
  });

  it("lets only the matcher write commands and matcher events; it reads every node's inputs", () => {
    const writers = (topic: string) => plan.acls.filter((a) => a.resourceName === topic && a.operation === "WRITE").map((a) => a.principal);
    for (const node of [ALPHA, BRAVO]) expect(writers(topics.htlcCommands(node))).toEqual(["User:matcher"]);
    expect(writers(topics.matcherEvents)).toEqual(["User:matcher"]);
    expect(writers(topics.invoiceEvents)).toEqual(["User:matcher"]);
    const matcher = grantsOf("matcher");
    for (const node of [ALPHA, BRAVO]) {
      expect(matcher).toContain(`READ TOPIC LITERAL ${topics.htlcIntercepted(node)}`);
      expect(matcher).toContain(`READ TOPIC LITERAL ${topics.htlcOutcomes(node)}`);
      expect(matcher).toContain(`READ TOPIC LITERAL ${topics.bridgeStatus(node)}`);
      expect(matcher).not.toContain(`WRITE TOPIC LITERAL ${topics.bridgeStatus(node)}`);
      expect(matcher).toContain(`DESCRIBE GROUP LITERAL ${groups.bridge(node)}`);
      expect(matcher).not.toContain(`READ TOPIC LITERAL ${topics.htlcCommands(node)}`);
    }
    expect(matcher).toContain("READ GROUP LITERAL ic.matcher");
  });

  it("lets the public principal read invoice events only, under its group prefix", () => {
    expect(grantsOf("public")).toEqual(["READ GROUP PREFIXED ic.public.", "READ TOPIC LITERAL ic.invoice.events.v1"]);
  });

  it("lets only a node's bridge write its status topic, and only the matcher read it (the console describes it)", () => {
    for (const [name, node] of [["alpha", ALPHA], ["bravo", BRAVO]] as const) {
      const grants = plan.acls.filter((a) => a.resourceName === topics.bridgeStatus(node)).map((a) => `${a.operation} ${a.principal}`);
      expect(grants.sort()).toEqual(["DESCRIBE User:operator-console", "READ User:matcher", `WRITE User:bridge-${name}`]);
    }
    expect(grantsOf("public").join("\n")).not.toContain("bridge.status");
  });

  it("no principal but a node's bridge reads its commands (they carry preimages)", () => {
    for (const [name, node] of [["alpha", ALPHA], ["bravo", BRAVO]] as const) {
      const readers = plan.acls.filter((a) => a.resourceName === topics.htlcCommands(node) && a.operation === "READ").map((a) => a.principal);
      expect(readers).toEqual([`User:bridge-${name}`]);
    }
    // and no prefixed topic grant could reach a commands topic
    expect(plan.acls.filter((a) => a.resourceType === "TOPIC" && a.patternType === "PREFIXED")).toEqual([]);
  });

  it("dead letters: each consumer writes only its own, and no principal reads them (admin, a super user, needs no ACL)", () => {
    const grantsOn = (topic: string) => plan.acls.filter((a) => a.resourceName === topic).map((a) => `${a.operation} ${a.principal}`);
    expect(grantsOn(topics.matcherDeadLetters)).toEqual(["WRITE User:matcher"]);
    for (const [name, node] of [["alpha", ALPHA], ["bravo", BRAVO]] as const) {
      // A command topic's dead letters stay as closed as the command topic: not even the matcher reads them.
      expect(grantsOn(topics.bridgeDeadLetters(node))).toEqual([`WRITE User:bridge-${name}`]);
      expect(topics.nodeTopic(topics.bridgeDeadLetters(node))).toBeUndefined();
    }
    expect(grantsOf("public").join("\n")).not.toContain("dead-letters");
    expect(topics.matcherDeadLetters).toBe("ic.matcher.dead-letters.v1");
    expect(topics.bridgeDeadLetters(ALPHA)).toBe(`ic.bridge.dead-letters.v1.${ALPHA}`);
    expect(plan.topics.filter((t) => t.role === "matcherDeadLetters" || t.role === "bridgeDeadLetters").map((t) => t.config["retention.ms"])).toEqual(["-1", "-1", "-1"]);
  });

  it("webhook relay: reads the invoice events and its own group, writes only its dead letters; public still writes nowhere", () => {
    expect(grantsOf("webhook-relay")).toEqual(
      [
        `READ TOPIC LITERAL ${topics.invoiceEvents}`,
        `WRITE TOPIC LITERAL ${topics.webhookDeadLetters}`,
        `READ GROUP PREFIXED ${groups.webhookRelay}`,
      ].sort(),
    );
    expect(topics.webhookDeadLetters).toBe("ic.webhook.dead-letters.v1");
    expect(groups.webhookRelay).toBe("ic.webhook-relay");
    // Nobody but admin reads the relay's dead letters; public writes nothing at all.
    expect(plan.acls.filter((a) => a.resourceName === topics.webhookDeadLetters).map((a) => `${a.operation} ${a.principal}`)).toEqual(["WRITE User:webhook-relay"]);
    expect(plan.acls.filter((a) => a.principal === "User:public" && a.operation !== "READ")).toEqual([]);
    expect(plan.topics.find((t) => t.role === "webhookDeadLetters")?.config).toEqual({ "retention.ms": "-1" });
    // Another principal name (a test on a broker whose SCRAM users are fixed) gets the same grants.
    const renamed = planDeployment({ deployment: "t", nodes: [{ name: "alpha", pubkey: ALPHA }], partitions: 1, replicationFactor: 1, principals: { webhookRelay: "relay-2" } });
    expect(renamed.principals.webhookRelay).toBe("relay-2");
    expect(renamed.acls.filter((a) => a.principal === "User:relay-2").map((a) => `${a.operation} ${a.resourceName}`).sort()).toEqual(
      ["READ t.invoice.events.v1", "READ t.webhook-relay", "WRITE t.webhook.dead-letters.v1"],
    );
  });

  it("operator console: DESCRIBE only (lag of the matcher's group and each bridge's command group), no READ or WRITE anywhere", () => {
    expect(grantsOf("operator-console")).toEqual(
      [
        `DESCRIBE GROUP LITERAL ${groups.matcher}`,
        ...[ALPHA, BRAVO].flatMap((node) => [
          `DESCRIBE GROUP LITERAL ${groups.bridge(node)}`,
          `DESCRIBE TOPIC LITERAL ${topics.htlcIntercepted(node)}`,
          `DESCRIBE TOPIC LITERAL ${topics.htlcOutcomes(node)}`,
          `DESCRIBE TOPIC LITERAL ${topics.bridgeStatus(node)}`,
          `DESCRIBE TOPIC LITERAL ${topics.htlcCommands(node)}`,
        ]),
      ].sort(),
    );
    // Literal names only: no prefix reaches another group (the matcher's throwaway ones, a public reader's).
    expect(plan.acls.filter((a) => a.principal === "User:operator-console" && (a.operation !== "DESCRIBE" || a.patternType !== "LITERAL"))).toEqual([]);
    const renamed = planDeployment({ deployment: "t", nodes: [{ name: "alpha", pubkey: ALPHA }], partitions: 1, replicationFactor: 1, principals: { operatorConsole: "console-2" } });
    expect(renamed.principals.operatorConsole).toBe("console-2");
    expect(renamed.acls.filter((a) => a.principal === "User:console-2")).toHaveLength(6);
  });

  it("keeps commands for the configured retention (default 7 days), status a day and the other topics forever", () => {
    const retention = (role: string) => plan.topics.filter((t) => t.role === role).map((t) => t.config["retention.ms"]);
    expect(retention("htlcCommands")).toEqual([String(7 * 24 * 3600_000), String(7 * 24 * 3600_000)]);
    expect(retention("htlcIntercepted")).toEqual(["-1", "-1"]);
    // Status records are liveness, not history: a day, then deleted.
    expect(plan.topics.filter((t) => t.role === "bridgeStatus").map((t) => t.config)).toEqual([
      { "retention.ms": String(24 * 3600_000), "cleanup.policy": "delete" },
      { "retention.ms": String(24 * 3600_000), "cleanup.policy": "delete" },
    ]);
    const short = planDeployment({ deployment: "x", nodes: [{ name: "alpha", pubkey: ALPHA }], partitions: 1, replicationFactor: 3, commandRetentionMs: 3600_000 });
    expect(short.topics.find((t) => t.role === "htlcCommands")).toMatchObject({ partitions: 1, replicationFactor: 3, config: { "retention.ms": "3600000" } });
  });

  it("refuses a bad deployment name, node or size with every problem listed", () => {
    expect(() =>
      planDeployment({ deployment: "IC_Prod", nodes: [{ name: "alpha", pubkey: "nope" }, { name: "alpha", pubkey: ALPHA }], partitions: 0, replicationFactor: 1, commandRetentionMs: 5 }),
    ).toThrow(DeploymentPlanError);
    try {
      planDeployment({ deployment: "IC_Prod", nodes: [], partitions: 0, replicationFactor: 0 });
    } catch (error) {
      const message = (error as Error).message;
      for (const part of ["deployment must be", "partitions", "replicationFactor", "at least one cluster node"]) expect(message).toContain(part);
    }
  });

  it("derives no name of one deployment from another's", () => {
    const other = planDeployment({ deployment: "ic-2", nodes: [{ name: "alpha", pubkey: ALPHA }], partitions: 1, replicationFactor: 1 });
    const mine = new Set(plan.acls.map((a) => a.resourceName));
    for (const acl of other.acls) expect(mine.has(acl.resourceName)).toBe(false);
    // "ic." prefixes never cover "ic-2." names
    for (const acl of plan.acls.filter((a) => a.patternType === "PREFIXED"))
      for (const t of other.topics) expect(t.topic.startsWith(acl.resourceName)).toBe(false);
  });
});

describe("deploymentTopics", () => {
  it("tells the node of a per-node topic, and nothing for other names", () => {
    expect(topics.nodeTopic(topics.htlcIntercepted(ALPHA))).toEqual({ role: "htlcIntercepted", nodeId: ALPHA });
    expect(topics.nodeTopic(topics.htlcOutcomes(BRAVO))).toEqual({ role: "htlcOutcomes", nodeId: BRAVO });
    expect(topics.bridgeStatus(ALPHA)).toBe(`ic.bridge.status.v1.${ALPHA}`);
    expect(topics.nodeTopic(topics.bridgeStatus(ALPHA))).toEqual({ role: "bridgeStatus", nodeId: ALPHA });
    expect(topics.nodeTopic(`ic.bridge.status.v1.${ALPHA}x`)).toBeUndefined();
    expect(topics.nodeTopic("ic.invoice.events.v1")).toBeUndefined();
    expect(topics.nodeTopic(`other.htlc.intercepted.v1.${ALPHA}`)).toBeUndefined();
    expect(() => topics.htlcCommands("02zz")).toThrow(/node id/);
    expect(() => deploymentTopics("Bad Name")).toThrow(/deployment name/);
  });
});
