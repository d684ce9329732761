// The console's HTTP(S) server, a thin adapter: routes, authentication (console-auth.ts), the
// built page (dist/), JSON answers and the event stream (text/event-stream, read by the page's
// EventSource with its session cookie). Every route but the sign-in needs the token or a session:
// without one the answer is 401 with the sign-in page (a browser) or a one-line reason (an API
// path), and nothing else.
import { readFile } from "node:fs/promises";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import path from "node:path";
import { InvoiceApiError } from "@ic/invoice-api-client";
import type { Logger } from "pino";
import type { ConsoleAuth } from "./console-auth.ts";
import type { ConsoleRuntime } from "./console-runtime.ts";
import { loginPage } from "./login-page.ts";
import { reasonOf } from "./metrics-scrape.ts";
import { INVOICE_STATES, searchQuery, type StreamMessage } from "./view/console-model.ts";

export interface ConsoleServer {
  readonly server: Server;
  /** http(s)://host:port/ */
  readonly url: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
};

const SECURITY_HEADERS = {
  "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cache-control": "no-store",
};

export async function startConsoleServer(options: {
  listen: string;
  tls: { cert: Buffer; key: Buffer } | undefined;
  distDir: string;
  auth: ConsoleAuth;
  runtime: ConsoleRuntime;
  logger: Logger;
}): Promise<ConsoleServer> {
  const { auth, runtime, logger, distDir } = options;
  const streams = new Set<ServerResponse>();

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void => {
    res.writeHead(status, { ...SECURITY_HEADERS, "content-type": type, ...extra });
    res.end(body);
  };
  const json = (res: ServerResponse, status: number, value: unknown): void => send(res, status, "application/json; charset=utf-8", JSON.stringify(value));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://console.invalid");
    const route = `${req.method ?? "GET"} ${url.pathname}`;
    if (route === "POST /login") return signIn(req, res);
    if (route === "GET /login") return send(res, 200, "text/html; charset=utf-8", loginPage(undefined));
    const refused = auth.check({ authorization: req.headers.authorization, cookie: req.headers.cookie });
    if (refused !== null) {
      logger.info({ method: req.method, path: url.pathname, reason: refused }, "console request refused");
      if (url.pathname.startsWith("/api/")) return json(res, 401, { error: refused });
      return send(res, 401, "text/html; charset=utf-8", loginPage(undefined), { "www-authenticate": 'Bearer realm="operator console"' });
    }
    if (route === "POST /logout") return send(res, 303, "text/plain", "", { location: "/login", "set-cookie": auth.signOut(req.headers.cookie) });
    if (route === "GET /api/overview") return json(res, 200, runtime.overview());
    if (route === "GET /api/invoices") {
      const state = url.searchParams.get("state") ?? undefined;
      if (state !== undefined && !(INVOICE_STATES as readonly string[]).includes(state))
        return json(res, 400, { error: `state must be one of ${INVOICE_STATES.join(", ")}` });
      const limit = Math.min(500, Math.max(1, Number(url.searchParams.get("limit") ?? "50") || 50));
      return json(res, 200, { invoices: runtime.invoices(state, limit) });
    }
    if (route === "GET /api/invoice") {
      const query = searchQuery(url.searchParams.get("q") ?? "");
      if (query === undefined) return json(res, 400, { error: "give q: a payment hash (64 hex) or a reference" });
      try {
        return json(res, 200, { invoice: await runtime.lookup(query) });
      } catch (error) {
        if (error instanceof InvoiceApiError && error.codeName === "NOT_FOUND") return json(res, 404, { error: "no such invoice" });
        if (error instanceof InvoiceApiError && error.codeName === "INVALID_ARGUMENT") return json(res, 400, { error: error.details });
        return json(res, 502, { error: `the invoice API did not answer: ${reasonOf(error)}` });
      }
    }
    if (route === "GET /api/stream") return stream(req, res);
    if (req.method === "GET" && !url.pathname.startsWith("/api/")) return staticFile(url.pathname, res);
    return json(res, 404, { error: "no such route" });
  }

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req, 4096);
    const token = body === undefined ? "" : (new URLSearchParams(body).get("token") ?? "");
    const session = auth.signIn(token);
    if (session === undefined) {
      logger.info({ path: "/login" }, "console sign-in refused");
      return send(res, 401, "text/html; charset=utf-8", loginPage("That is not the invoice API's token."));
    }
    logger.info({ path: "/login" }, "console sign-in");
    send(res, 303, "text/plain", "", { location: "/", "set-cookie": session.cookie });
  }

  function stream(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, { ...SECURITY_HEADERS, "content-type": "text/event-stream; charset=utf-8", connection: "keep-alive" });
    const write = (message: StreamMessage): void => {
      res.write(`event: ${message.type}\ndata: ${JSON.stringify(message)}\n\n`);
    };
    const subscription = runtime.subscribe(write);
    for (const message of subscription.backlog) write(message);
    const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
    streams.add(res);
    req.on("close", () => {
      clearInterval(keepAlive);
      subscription.unsubscribe();
      streams.delete(res);
    });
  }

  async function staticFile(pathname: string, res: ServerResponse): Promise<void> {
    let relative: string;
    try {
      relative = pathname === "/" ? "index.html" : decodeURIComponent(pathname).replace(/^\/+/, "");
    } catch {
      return json(res, 404, { error: "no such file" });
    }
    // Only files inside dist/: a path that climbs out (../, %2e%2e%2f) is not one.
    const file = path.resolve(distDir, relative);
    if (!file.startsWith(distDir + path.sep)) return json(res, 404, { error: "no such file" });
    try {
      const body = await readFile(file);
      const type = CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream";
      send(res, 200, type, body, relative.startsWith("assets/") ? { "cache-control": "private, max-age=31536000, immutable" } : {});
    } catch {
      json(res, 404, { error: "no such file" });
    }
  }

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    handle(req, res).catch((error: unknown) => {
      logger.error({ err: reasonOf(error), path: req.url?.split("?")[0] }, "console request failed");
      if (!res.headersSent) json(res, 500, { error: "internal error (see the console's log)" });
      else res.end();
    });
  };
  const server = options.tls === undefined ? createHttpServer(listener) : createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, listener);
  const colon = options.listen.lastIndexOf(":");
  const host = options.listen.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = Number(options.listen.slice(colon + 1));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address !== null ? address.port : port;
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    server,
    url: `${options.tls === undefined ? "http" : "https"}://${shownHost}:${boundPort}/`,
    async close() {
      for (const res of streams) res.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readBody(req: IncomingMessage, maxBytes: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        resolve(undefined);
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(undefined));
  });
}
