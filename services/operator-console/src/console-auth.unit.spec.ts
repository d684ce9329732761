import { describe, expect, it } from "vitest";
import { createConsoleAuth, SESSION_COOKIE } from "./console-auth.ts";

const TOKEN = "k".repeat(48);

function sessionCookie(setCookie: string): string {
  return setCookie.split(";")[0] ?? "";
}

describe("console auth", () => {
  it("the API's bearer token authenticates a request; a wrong or missing one does not", () => {
    const auth = createConsoleAuth(TOKEN, { ttlMs: 60_000, secure: false });
    expect(auth.check({ authorization: `Bearer ${TOKEN}` })).toBeNull();
    expect(auth.check({ authorization: `Bearer ${TOKEN}x` })).toBe("invalid bearer token");
    expect(auth.check({ authorization: TOKEN })).toMatch(/Bearer <token>/);
    expect(auth.check({})).toMatch(/not signed in/);
  });

  it("signing in with the token gives an HttpOnly, SameSite=Strict session cookie; a wrong token gives none", () => {
    let now = 1_000;
    const auth = createConsoleAuth(TOKEN, { ttlMs: 60_000, secure: true, now: () => now });
    expect(auth.signIn("wrong")).toBeUndefined();
    expect(auth.signIn(`${TOKEN} x`)).toBeUndefined();
    expect(auth.signIn("")).toBeUndefined();
    const session = auth.signIn(TOKEN);
    expect(session?.cookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[0-9a-f]{64}; Path=/; HttpOnly; SameSite=Strict; Secure; Max-Age=60$`));
    expect(session?.cookie).not.toContain(TOKEN);
    const cookie = sessionCookie(session!.cookie);
    expect(auth.check({ cookie: `other=1; ${cookie}` })).toBeNull();
    now += 60_000;
    expect(auth.check({ cookie })).toMatch(/session has ended/);
  });

  it("a made-up or signed-out session is refused", () => {
    const auth = createConsoleAuth(TOKEN, { ttlMs: 60_000, secure: false });
    expect(auth.check({ cookie: `${SESSION_COOKIE}=${"0".repeat(64)}` })).toMatch(/session has ended/);
    const cookie = sessionCookie(auth.signIn(TOKEN)!.cookie);
    expect(auth.signOut(cookie)).toMatch(/Max-Age=0$/);
    expect(auth.check({ cookie })).not.toBeNull();
  });

  it("refuses to start with a token the API itself would refuse", () => {
    expect(() => createConsoleAuth("short", { ttlMs: 60_000, secure: false })).toThrow(/at least 32/);
  });
});
