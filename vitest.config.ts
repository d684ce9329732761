// One runner, four tiers chosen by file name (see docs/testing.md):
//   *.unit.spec.ts  no I/O, fast;  *.int.spec.ts  one real dependency;  *.e2e.spec.ts  the real stack;
//   *.container.spec.ts  the services as containers (images built once per run) on the real stack;
//   *.docker.spec.ts  compose.yaml on Docker's own engine (opt-in: IC_SUITES=docker).
import { defineConfig } from "vitest/config";

const ignore = ["**/node_modules/**", "**/.run/**"];

export default defineConfig({
  test: {
    projects: [
      { test: { name: "unit", include: ["**/*.unit.spec.ts"], exclude: ignore, testTimeout: 30_000 } },
      {
        test: {
          name: "int",
          include: ["**/*.int.spec.ts"],
          exclude: ignore,
          testTimeout: 120_000,
          hookTimeout: 180_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          name: "e2e",
          include: ["**/*.e2e.spec.ts"],
          exclude: ignore,
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        test: {
          name: "container",
          include: ["**/*.container.spec.ts"],
          exclude: ignore,
          // A cold image build takes minutes (a warm one seconds); it runs once, before any file.
          globalSetup: ["test/containers/build-images.global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        // Opt-in (IC_SUITES=docker, not in the default run): compose.yaml on Docker's own engine,
        // started by the global setup (infra/containers/docker.sh) and stopped after the tier.
        test: {
          name: "docker",
          include: ["**/*.docker.spec.ts"],
          exclude: ignore,
          globalSetup: ["test/containers/docker-engine.global-setup.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
      {
        // The short chaos run (infra/run-chaos.sh): last, since it switches Kafka to three brokers.
        test: {
          name: "chaos",
          include: ["**/*.chaos.spec.ts"],
          exclude: ignore,
          testTimeout: 1_500_000,
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
        },
      },
    ],
  },
});
