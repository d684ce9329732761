// One GET of a /metrics endpoint, with a deadline. Any failure (refused, timeout, HTTP status,
// body too large) becomes a Reading with its reason for the page: an unreachable bridge or
// matcher is shown as such, never thrown.
import { InvoiceApiError } from "@ic/invoice-api-client";
import { parsePrometheusText, type ParsedMetrics } from "./view/prometheus-text.ts";
import type { Reading } from "./view/console-model.ts";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export async function scrapeMetrics(url: string, timeoutMs: number): Promise<Reading<ParsedMetrics>> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "error" });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, error: `HTTP ${response.status}` };
    }
    const text = await response.text();
    if (text.length > MAX_BODY_BYTES) return { ok: false, error: "answer too large for a metrics page" };
    return { ok: true, value: parsePrometheusText(text) };
  } catch (error) {
    return { ok: false, error: reasonOf(error) };
  }
}

/** A short reason for the page; a metrics URL is not repeated (the config names it). Never holds the token: no error here carries it. */
export function reasonOf(error: unknown): string {
  if (error instanceof InvoiceApiError) return `${error.codeName}: ${error.message}`.slice(0, 300);
  if (error instanceof Error) {
    if (error.name === "TimeoutError" || error.name === "AbortError") return "timed out";
    const cause = (error as { cause?: { code?: string } }).cause;
    if (cause?.code !== undefined) return cause.code;
    // kafkajs protocol errors: type "TOPIC_AUTHORIZATION_FAILED" and a numeric code.
    const type = (error as { type?: unknown }).type;
    if (typeof type === "string") return `${type}: ${error.message}`.slice(0, 200);
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string") return code;
    return error.message.slice(0, 200);
  }
  return String(error).slice(0, 200);
}
