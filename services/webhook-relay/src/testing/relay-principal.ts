// Which SCRAM user a test runs the relay as. The relay's own principal is `webhook-relay`; a stack
// whose stack.json names its credentials (kafkaCredentials.webhookRelay) is used with the default
// plan. The embedded stack does not create that user yet, so otherwise the relay runs as the
// stack's `public` user, given the relay's grants in the test's own deployment (the same ACLs
// under another name: planDeployment's principals.webhookRelay).
import { planDeployment, type DeploymentPlan } from "@ic/event-log";
import { testCredentialsFiles } from "@ic/event-log/testing";

export interface RelayTestPrincipal {
  /** The user name for planDeployment's principals.webhookRelay. */
  readonly user: string;
  readonly credentialsFile: string;
}

export function relayTestPrincipal(): RelayTestPrincipal {
  const files = testCredentialsFiles() as ReturnType<typeof testCredentialsFiles> & { webhookRelay?: string };
  return files.webhookRelay === undefined
    ? { user: "public", credentialsFile: files.public }
    : { user: "webhook-relay", credentialsFile: files.webhookRelay };
}

/** A test deployment's plan (one node, three partitions) whose relay grants go to relayTestPrincipal's user. */
export function relayTestPlan(deployment: string, nodePubkey: string): DeploymentPlan {
  return planDeployment({
    deployment,
    nodes: [{ name: "alpha", pubkey: nodePubkey }],
    partitions: 3,
    replicationFactor: 1,
    principals: { webhookRelay: relayTestPrincipal().user },
  });
}
