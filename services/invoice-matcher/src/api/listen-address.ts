// Whether a gRPC listen address is reachable only from this machine. Without TLS the bearer
// token crosses the connection in cleartext, so the API serves it insecurely only there.

/** "127.0.0.1:10200", "[::1]:0", "localhost:10200", "unix:/path" are local; "0.0.0.0:1", "[::]:1", "10.0.0.5:1" are not. */
export function isLocalOnlyAddress(address: string): boolean {
  if (address.startsWith("unix:")) return true;
  const host = hostOf(address);
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function hostOf(address: string): string {
  const bracketed = /^\[([^\]]*)\](?::\d+)?$/.exec(address);
  if (bracketed) return bracketed[1] ?? "";
  const colon = address.lastIndexOf(":");
  return (colon === -1 ? address : address.slice(0, colon)).toLowerCase();
}
