// A TCP port free on 127.0.0.1 at the time of asking: for a service's probes or a process's
// listener in a test. Another process may take it before the test listens; on loopback, in a
// test run, that does not happen in practice.
import { createServer } from "node:net";

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
