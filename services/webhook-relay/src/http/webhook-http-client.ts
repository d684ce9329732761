// One POST of one webhook: the HTTP(S) adapter. Translates the exchange into an AttemptOutcome
// (a status, a timeout, a network error) for the pure decision; decides nothing itself. The
// timeout covers the whole exchange (connect, headers, body), so an endpoint that accepts the
// connection and never answers is cut off. Redirects are not followed (the signature is for the
// configured URL). Each endpoint keeps its connections alive between posts.
import http from "node:http";
import https from "node:https";
import { parseRetryAfter, type AttemptOutcome } from "../delivery/index.ts";

export class DeliveryAborted extends Error {
  override readonly name = "DeliveryAborted";
  constructor() {
    super(
      "the webhook relay is stopping: the delivery was abandoned (the event is delivered again after the restart)",
    );
  }
}

export interface WebhookTarget {
  readonly url: string;
  readonly timeoutMs: number;
  /** PEM of a private CA for an https endpoint. */
  readonly ca?: Buffer | undefined;
}

/** Answers read beyond this are dropped: the relay needs the status only. */
const MAX_RESPONSE_BYTES = 64 * 1024;

export interface WebhookPoster {
  post(body: string, headers: Readonly<Record<string, string>>, signal: AbortSignal): Promise<AttemptOutcome>;
  close(): void;
}

export function createWebhookPoster(target: WebhookTarget): WebhookPoster {
  const url = new URL(target.url);
  const secure = url.protocol === "https:";
  const agent = secure
    ? new https.Agent({
        keepAlive: true,
        maxSockets: 64,
        ...(target.ca === undefined ? {} : { ca: target.ca }),
      })
    : new http.Agent({ keepAlive: true, maxSockets: 64 });
  const request = secure ? https.request : http.request;
  return {
    post(body, headers, signal) {
      return new Promise<AttemptOutcome>((resolve, reject) => {
        if (signal.aborted) return reject(new DeliveryAborted());
        let settled = false;
        const finish = (outcome: AttemptOutcome | DeliveryAborted) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          signal.removeEventListener("abort", onAbort);
          if (outcome instanceof DeliveryAborted) reject(outcome);
          else resolve(outcome);
        };
        const payload = Buffer.from(body, "utf8");
        const req = request(
          url,
          { method: "POST", agent, headers: { ...headers, "content-length": String(payload.length) } },
          (res) => {
            const status = res.statusCode ?? 0;
            const retryAfter = res.headers["retry-after"];
            let read = 0;
            res.on("data", (chunk: Buffer) => {
              read += chunk.length;
              if (read > MAX_RESPONSE_BYTES) res.destroy();
            });
            const done = () =>
              finish({ kind: "response", status, retryAfterMs: parseRetryAfter(retryAfter, Date.now()) });
            res.on("end", done);
            res.on("close", done);
            res.on("error", done);
          },
        );
        const timer = setTimeout(() => {
          finish({ kind: "timeout", timeoutMs: target.timeoutMs });
          req.destroy();
        }, target.timeoutMs);
        const onAbort = () => {
          finish(new DeliveryAborted());
          req.destroy();
        };
        signal.addEventListener("abort", onAbort, { once: true });
        req.on("error", (error: NodeJS.ErrnoException) =>
          finish({ kind: "network-error", code: error.code ?? error.name }),
        );
        req.end(payload);
      });
    },
    close: () => agent.destroy(),
  };
}
