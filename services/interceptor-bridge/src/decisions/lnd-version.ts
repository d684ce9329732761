// lnd version strings as GetInfo reports them: "0.19.3-beta commit=v0.19.3-beta",
// "0.20.0-beta.rc2 commit=v0.20.0-beta.rc2-12-gabcdef". Every lnd release carries "-beta"; a
// release candidate ranks below the release of the same number, so "0.19.3-beta.rc1" does
// not satisfy a minimum of "0.19.3".

export interface LndVersion {
  major: number;
  minor: number;
  patch: number;
  /** undefined for a release. */
  releaseCandidate: number | undefined;
}

const VERSION = /^v?(\d+)\.(\d+)\.(\d+)(?:-beta)?(?:\.rc(\d+))?(?:[\s-].*)?$/;

export function parseLndVersion(text: string): LndVersion | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  const [, major, minor, patch, rc] = match;
  return {
    major: Number(major),
    minor: Number(minor),
    patch: Number(patch),
    releaseCandidate: rc === undefined ? undefined : Number(rc),
  };
}

/** Negative when a < b, 0 when equal, positive when a > b. */
export function compareLndVersions(a: LndVersion, b: LndVersion): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    (a.releaseCandidate ?? Number.POSITIVE_INFINITY) - (b.releaseCandidate ?? Number.POSITIVE_INFINITY) ||
    0
  );
}
