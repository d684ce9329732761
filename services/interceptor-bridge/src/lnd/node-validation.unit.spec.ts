import type { NodeInfo } from "@ic/lnd-client";
import { describe, expect, it } from "vitest";
import { compareLndVersions, parseLndVersion } from "../decisions/lnd-version.ts";
import { nodeProblems, nodeWarnings, type NodeExpectations } from "./node-validation.ts";

const PUBKEY = "03" + "cd".repeat(32);

const expected: NodeExpectations = {
  grpcAddress: "10.0.0.1:10009",
  expectedPubkey: PUBKEY,
  network: "regtest",
  minLndVersion: "0.19.3",
};

function info(fields: Partial<NodeInfo> = {}): NodeInfo {
  return {
    version: "0.21.2-beta commit=v0.21.2-beta",
    commitHash: "0".repeat(40),
    identityPubkey: PUBKEY,
    alias: "alpha",
    color: "#000000",
    numPendingChannels: 0,
    numActiveChannels: 1,
    numInactiveChannels: 0,
    numPeers: 1,
    blockHeight: 500,
    blockHash: "00".repeat(32),
    bestHeaderTimestamp: 0n,
    syncedToChain: true,
    syncedToGraph: true,
    network: "regtest",
    uris: [],
    features: new Map() as unknown as NodeInfo["features"],
    requireHtlcInterceptor: true,
    storeFinalHtlcResolutions: true,
    walletSynced: true,
    ...fields,
  };
}

const checksOf = (fields: Partial<NodeInfo>) =>
  nodeProblems({ reachable: true, info: info(fields) }, expected).map((p) => p.check);

describe("lnd versions", () => {
  it.each([
    ["0.19.3-beta commit=v0.19.3-beta", { major: 0, minor: 19, patch: 3, releaseCandidate: undefined }],
    ["0.20.0-beta.rc2 commit=v0.20.0-beta.rc2-12-gabcdef", { major: 0, minor: 20, patch: 0, releaseCandidate: 2 }],
    ["v0.18.5", { major: 0, minor: 18, patch: 5, releaseCandidate: undefined }],
    ["0.19.3", { major: 0, minor: 19, patch: 3, releaseCandidate: undefined }],
  ])("reads %s", (text, version) => {
    expect(parseLndVersion(text)).toEqual(version);
  });

  it.each(["", "latest", "0.19", "0.19.x-beta"])("refuses %j", (text) => {
    expect(parseLndVersion(text)).toBeUndefined();
  });

  it("ranks a release candidate below its release, and numbers numerically", () => {
    const v = (text: string) => parseLndVersion(text)!;
    expect(compareLndVersions(v("0.19.3-beta.rc1"), v("0.19.3"))).toBeLessThan(0);
    expect(compareLndVersions(v("0.19.3-beta"), v("0.19.3"))).toBe(0);
    expect(compareLndVersions(v("0.19.10-beta"), v("0.19.3"))).toBeGreaterThan(0);
    expect(compareLndVersions(v("0.20.0-beta.rc1"), v("0.19.3"))).toBeGreaterThan(0);
    expect(compareLndVersions(v("0.20.0-beta.rc1"), v("0.20.0-beta.rc2"))).toBeLessThan(0);
  });
});

describe("start-up validation of the lnd node", () => {
  it("accepts the pinned node on the right network with both flags and a recent version", () => {
    expect(nodeProblems({ reachable: true, info: info() }, expected)).toEqual([]);
    // lnd prints the pubkey in lowercase; a pin given in uppercase still matches.
    expect(nodeProblems({ reachable: true, info: info() }, { ...expected, expectedPubkey: PUBKEY.toUpperCase() })).toEqual([]);
  });

  it("refuses an unreachable node and says what to check", () => {
    const problems = nodeProblems(
      { reachable: false, reason: "cannot reach lnd at 10.0.0.1:10009 (connect ECONNREFUSED 10.0.0.1:10009): is lnd running and listening for gRPC there?" },
      expected,
    );
    expect(problems).toEqual([
      {
        check: "reachable",
        message:
          "cannot reach lnd at 10.0.0.1:10009 (connect ECONNREFUSED 10.0.0.1:10009): is lnd running and listening for gRPC there?. Fix: start lnd (and unlock its wallet), and check lnd.grpcAddress, lnd.tlsCertPath and lnd.macaroonPath",
      },
    ]);
  });

  it("refuses another network", () => {
    const [problem] = nodeProblems({ reachable: true, info: info({ network: "mainnet" }) }, expected);
    expect(problem).toEqual({
      check: "network",
      message:
        'lnd at 10.0.0.1:10009 runs on network "mainnet" but the bridge is configured for "regtest". Fix: point lnd.grpcAddress at the regtest node, or correct "network"',
    });
    expect(checksOf({ network: undefined })).toEqual(["network"]);
  });

  it("refuses a node other than the pinned one", () => {
    const other = "02" + "ef".repeat(32);
    const [problem] = nodeProblems({ reachable: true, info: info({ identityPubkey: other }) }, expected);
    expect(problem?.check).toBe("pubkey");
    expect(problem?.message).toContain(`has identity pubkey ${other}, not the pinned expectedPubkey ${PUBKEY}`);
    expect(problem?.message).toContain("Fix: point lnd.grpcAddress at the pinned node");
  });

  it("refuses lnd older than minLndVersion, release candidates of it too", () => {
    const [problem] = nodeProblems({ reachable: true, info: info({ version: "0.18.5-beta commit=v0.18.5-beta" }) }, expected);
    expect(problem).toEqual({
      check: "version",
      message:
        "lnd at 10.0.0.1:10009 runs lnd 0.18.5-beta commit=v0.18.5-beta, older than minLndVersion 0.19.3. Fix: upgrade lnd (0.20.2 or later is preferred: it keeps re-offered held HTLCs, lnd issue 10892)",
    });
    expect(checksOf({ version: "0.19.3-beta.rc1 commit=v0.19.3-beta.rc1" })).toEqual(["version"]);
    expect(checksOf({ version: "0.19.3-beta commit=v0.19.3-beta" })).toEqual([]);
    expect(checksOf({ version: "unknown" })).toEqual(["version"]);
  });

  it("refuses lnd older than the HTLC timing table knows (0.19), whatever minLndVersion says", () => {
    const lax = { ...expected, minLndVersion: "0.17.0" };
    const [problem] = nodeProblems({ reachable: true, info: info({ version: "0.18.5-beta commit=v0.18.5-beta" }) }, lax);
    expect(problem?.check).toBe("version");
    expect(problem?.message).toContain("older than lnd 0.19, the oldest whose HTLC timing (auto-fail height, interceptor cut-off) the coordinator knows");
    expect(nodeProblems({ reachable: true, info: info({ version: "0.19.0-beta commit=v0.19.0-beta" }) }, lax)).toEqual([]);
  });

  it("refuses lnd without --requireinterceptor, saying how to start it", () => {
    const [problem] = nodeProblems({ reachable: true, info: info({ requireHtlcInterceptor: false }) }, expected);
    expect(problem?.check).toBe("requireinterceptor");
    expect(problem?.message).toContain("Fix: start lnd with --requireinterceptor (lnd.conf: requireinterceptor=true)");
  });

  it("refuses lnd without --store-final-htlc-resolutions, saying how to start it", () => {
    const [problem] = nodeProblems({ reachable: true, info: info({ storeFinalHtlcResolutions: false }) }, expected);
    expect(problem?.check).toBe("store-final-htlc-resolutions");
    expect(problem?.message).toContain(
      "Fix: start lnd with --store-final-htlc-resolutions (lnd.conf: store-final-htlc-resolutions=true)",
    );
  });

  it("reports every problem at once", () => {
    expect(
      checksOf({
        network: "testnet",
        identityPubkey: "02" + "00".repeat(32),
        version: "0.17.0-beta",
        requireHtlcInterceptor: false,
        storeFinalHtlcResolutions: false,
      }),
    ).toEqual(["network", "pubkey", "version", "requireinterceptor", "store-final-htlc-resolutions"]);
  });

  it("warns, without refusing, about lnd before the 10892 fix and an unsynced chain", () => {
    expect(nodeWarnings(info())).toEqual([]);
    const warnings = nodeWarnings(info({ version: "0.19.3-beta", syncedToChain: false }));
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain("lnd issue 10892");
    expect(warnings[1]).toContain("not synced to the chain");
  });
});
