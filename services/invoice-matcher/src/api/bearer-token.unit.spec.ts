import { describe, expect, it } from "vitest";
import { bearerTokenCheck } from "./bearer-token.ts";
import { InvoiceApiConfigError } from "./invoice-api-config-error.ts";

const TOKEN = "f".repeat(64);

describe("bearer token check", () => {
  const check = bearerTokenCheck(TOKEN);

  it("accepts exactly 'Bearer <token>' (scheme in any case, trailing space tolerated)", () => {
    expect(check([`Bearer ${TOKEN}`])).toBeNull();
    expect(check([`BEARER ${TOKEN} `])).toBeNull();
    expect(check([Buffer.from(`Bearer ${TOKEN}`)])).toBeNull();
  });

  it("refuses anything else, saying why without echoing what was sent", () => {
    expect(check([])).toBe("missing metadata 'authorization: Bearer <token>'");
    expect(check([`Bearer ${TOKEN}`, `Bearer ${TOKEN}`])).toBe("more than one 'authorization' metadata entry");
    expect(check([`Bearer ${TOKEN.slice(1)}`])).toBe("invalid bearer token");
    expect(check([`Bearer ${TOKEN}f`])).toBe("invalid bearer token");
    expect(check([`Bearer ${TOKEN.toUpperCase()}`])).toBe("invalid bearer token");
    expect(check(["Bearer "])).toBe("the 'authorization' metadata must be 'Bearer <token>'");
    expect(check([`Bearer ${TOKEN} extra`])).toBe("the 'authorization' metadata must be 'Bearer <token>'");
    expect(check([TOKEN])).toBe("the 'authorization' metadata must be 'Bearer <token>'");
  });

  it("refuses to start with a token too short or with whitespace", () => {
    expect(() => bearerTokenCheck("x".repeat(31))).toThrow(InvoiceApiConfigError);
    expect(() => bearerTokenCheck("x".repeat(31))).toThrow("at least 32 characters");
    expect(() => bearerTokenCheck("x".repeat(20) + " " + "x".repeat(20))).toThrow(InvoiceApiConfigError);
    expect(() => bearerTokenCheck("x".repeat(32))).not.toThrow();
  });
});
