// One linter for the monorepo. It holds the conventions (docs/architecture.md, "Conventions the
// linter holds"): exhaustive switches, so every decider and evolve function handles every event and
// input kind; a folder with an index.ts is entered only through it; no clock or randomness in pure
// code; one case style for file names.
import { basename } from "node:path";
import tseslint from "typescript-eslint";

// A folder with an index.ts (the matcher's domain and serialization) is used only through it.
const THROUGH_INDEX = {
  regex: "(^|/)(domain|serialization)/(?!index\\.ts$|testing/)[^/]+$",
  message:
    "import the folder's index.ts (domain/index.ts, serialization/index.ts), not a file behind it: those files are its internals and may be renamed, split or merged without touching callers. Test helpers are domain/testing/.",
};

// Pure code takes time and randomness as inputs (STYLE.md item 3), which makes timeouts and
// replays testable without waiting or mocking.
const PURE_CODE_RULES = {
  "no-restricted-globals": ["error", { name: "setTimeout", message: "timers are inputs to pure code (a Tick), never started inside it" }],
  "no-restricted-properties": [
    "error",
    { object: "Date", property: "now", message: "time is an input to pure code (`now` in the input), never read inside it" },
    { object: "Math", property: "random", message: "randomness is an input to pure code, never drawn inside it" },
    { object: "crypto", property: "randomBytes", message: "randomness is an input to pure code, never drawn inside it" },
  ],
  "no-restricted-syntax": [
    "error",
    { selector: "NewExpression[callee.name='Date']", message: "time is an input to pure code (`now` in the input); `new Date` reads the clock" },
  ],
  "no-restricted-imports": [
    "error",
    {
      paths: ["node:crypto", "crypto"].map((name) => ({
        name,
        importNames: ["randomBytes", "randomUUID", "randomInt"],
        message: "randomness is an input to pure code, never drawn inside it",
      })),
      patterns: [THROUGH_INDEX],
    },
  ],
};

// What pure code may import: files of its own folder, pure packages (@ic/lightning-protocol; the
// circuit key of @ic/lnd-client, a file with no imports), node:crypto for hashes and HMACs (its
// random functions are refused above), and only the types of the I/O packages whose records and
// messages it decides on (@ic/event-log, @ic/lnd-client). A value imported from anywhere else
// would load an adapter (Kafka, gRPC, Postgres, a logger) or shared state into code whose answers
// must depend on its inputs alone, and make its tests need that adapter.
const PURE_IMPORTS_MESSAGE =
  "pure code imports only its own folder, pure packages (@ic/lightning-protocol, @ic/lnd-client/circuit-key) and node:crypto's hashes, plus types (import type) from @ic/event-log and @ic/lnd-client: anything else would bring I/O or shared state into decisions that must depend on their inputs alone (docs/architecture.md, \"Code layout\").";
const PURE_IMPORT_RULES = {
  "@typescript-eslint/no-restricted-imports": [
    "error",
    {
      patterns: [
        {
          regex: "^(?!\\./[^/]+$|\\./[a-z0-9-]+/[^/]+$|@ic/lightning-protocol$|@ic/lnd-client/circuit-key$|node:crypto$|@ic/event-log$|@ic/lnd-client$)",
          message: PURE_IMPORTS_MESSAGE,
        },
        { regex: "^(@ic/event-log|@ic/lnd-client)$", allowTypeImports: true, message: PURE_IMPORTS_MESSAGE },
      ],
    },
  ],
};

// kebab-case file names, dot-separated parts allowed (money-safety.property.unit.spec.ts).
const KEBAB_CASE_FILE = /^[a-z0-9]+(-[a-z0-9]+)*(\.[a-z0-9]+(-[a-z0-9]+)*)*\.[cm]?[jt]s$/;
const local = {
  rules: {
    "kebab-case-file-names": {
      meta: {
        type: "suggestion",
        schema: [],
        messages: { kebab: "file name {{name}} is not kebab-case: every source file is named in one style (e.g. htlc-arrival.ts)" },
      },
      create(context) {
        return {
          Program(node) {
            const name = basename(context.filename);
            if (!KEBAB_CASE_FILE.test(name)) context.report({ node, messageId: "kebab", data: { name } });
          },
        };
      },
    },
  },
};

export default tseslint.config(
  // services/operator-console/dist: the built page (Vite output, not sources).
  { ignores: ["**/node_modules/**", ".run/**", "infra/**", "services/operator-console/dist/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true } },
    plugins: { local },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "local/kebab-case-file-names": "error",
      "no-restricted-imports": ["error", { patterns: [THROUGH_INDEX] }],
    },
  },
  {
    // Pure code: the matcher's domain core, the protocol package, the bridge's decisions (and the state
    // they read: held HTLCs, applied commands, keys awaiting a final resolution) and the
    // webhook relay's (signature, body, retry schedule, what to do after an attempt).
    files: [
      "services/invoice-matcher/src/domain/**/*.ts",
      "packages/lightning-protocol/src/**/*.ts",
      "services/interceptor-bridge/src/decisions/**/*.ts",
      "services/webhook-relay/src/delivery/**/*.ts",
    ],
    ignores: ["**/*.spec.ts", "packages/lightning-protocol/src/crypto/**"],
    rules: PURE_CODE_RULES,
  },
  {
    // The pure folders of the services import nothing of the service around them (the matcher's
    // domain, the bridge's decisions, the relay's delivery decisions); their test helpers may use
    // the test framework.
    files: [
      "services/invoice-matcher/src/domain/**/*.ts",
      "services/interceptor-bridge/src/decisions/**/*.ts",
      "services/webhook-relay/src/delivery/**/*.ts",
    ],
    ignores: ["**/*.spec.ts", "**/testing/**"],
    rules: PURE_IMPORT_RULES,
  },
);
