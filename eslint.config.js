// One linter for the monorepo. Exhaustive switches are enforced so every decider and
// evolve function handles every event and input kind.
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["**/node_modules/**", ".run/**", "infra/**"] },
  ...tseslint.configs.recommended,
  {
    files: ["**/*.ts"],
    languageOptions: { parserOptions: { projectService: true } },
    rules: {
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
    },
  },
  {
    // The domain core takes time and randomness as inputs (docs/architecture.md).
    files: ["services/invoice-matcher/src/domain/**/*.ts", "packages/lightning-protocol/src/**/*.ts"],
    ignores: ["**/*.spec.ts", "packages/lightning-protocol/src/crypto/**"],
    rules: {
      "no-restricted-globals": ["error", { name: "setTimeout", message: "timers are inputs to the domain core" }],
      "no-restricted-properties": ["error", { object: "Date", property: "now", message: "time is an input to the domain core" }],
    },
  },
);
