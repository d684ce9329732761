// Who may see the console: whoever holds the invoice API's bearer token. A request carries it as
// `authorization: Bearer <token>` (checked by the API's own check, bearerTokenCheck), or carries
// the session cookie a sign-in with the token gave it (the browser cannot add a header to a page
// load or an EventSource). Sessions are random ids kept in memory (a restart signs everyone out);
// the cookie is HttpOnly and SameSite=Strict, Secure when the console serves TLS.
import { randomBytes } from "node:crypto";
import { bearerTokenCheck } from "@ic/invoice-matcher/api";

export const SESSION_COOKIE = "ic_console_session";

export interface ConsoleAuth {
  /** Why the request is not signed in, or null when it is. */
  check(headers: { authorization?: string | string[] | undefined; cookie?: string | undefined }): string | null;
  /** A session for the token, or undefined when it is not the API's token. */
  signIn(token: string): { cookie: string } | undefined;
  signOut(cookieHeader: string | undefined): string;
}

export function createConsoleAuth(token: string, options: { ttlMs: number; secure: boolean; now?: () => number }): ConsoleAuth {
  const checkBearer = bearerTokenCheck(token);
  const now = options.now ?? Date.now;
  const sessions = new Map<string, number>();
  const attributes = `Path=/; HttpOnly; SameSite=Strict${options.secure ? "; Secure" : ""}`;

  const sessionOf = (cookieHeader: string | undefined): string | undefined => {
    for (const part of (cookieHeader ?? "").split(";")) {
      const [name, value] = part.trim().split("=", 2);
      if (name === SESSION_COOKIE && value !== undefined && /^[0-9a-f]{64}$/.test(value)) return value;
    }
    return undefined;
  };

  return {
    check(headers) {
      const authorization = headers.authorization;
      if (authorization !== undefined) return checkBearer(Array.isArray(authorization) ? authorization : [authorization]);
      const id = sessionOf(headers.cookie);
      if (id === undefined) return "not signed in: sign in with the invoice API's token, or send 'authorization: Bearer <token>'";
      const expires = sessions.get(id);
      if (expires === undefined || expires <= now()) {
        sessions.delete(id);
        return "the session has ended: sign in again";
      }
      return null;
    },
    signIn(candidate) {
      // Pasted with a trailing newline still signs in; anything else is the API's own check.
      const token = candidate.trim();
      if (token === "" || /\s/.test(token) || checkBearer([`Bearer ${token}`]) !== null) return undefined;
      for (const [id, expires] of sessions) if (expires <= now()) sessions.delete(id);
      const id = randomBytes(32).toString("hex");
      sessions.set(id, now() + options.ttlMs);
      return { cookie: `${SESSION_COOKIE}=${id}; ${attributes}; Max-Age=${Math.floor(options.ttlMs / 1000)}` };
    },
    signOut(cookieHeader) {
      const id = sessionOf(cookieHeader);
      if (id !== undefined) sessions.delete(id);
      return `${SESSION_COOKIE}=; ${attributes}; Max-Age=0`;
    },
  };
}
