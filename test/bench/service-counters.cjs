// Benchmark-only instrumentation of a service process, loaded with
// NODE_OPTIONS="--require <this file>" by concurrent-payments.bench.ts --count / --profile, never by
// a deployment. With IC_BENCH_COUNTERS_DIR set it:
// - counts the Kafka requests the process sends, by API (kafkajs's Connection.send: Produce,
//   Fetch, OffsetCommit, Heartbeat, Metadata, ...) and their encoded bytes ("<api> bytes"), and
//   the Postgres statements it runs, by the first 70 characters of their text (pg's Client.query);
// - on every SIGUSR2 writes the running totals to <dir>/<pid>.counts.json
//   ({"pid", "flushes", "kafka": {...}, "pg": {...}}; "flushes" counts the signals, so the bench
//   knows the file is fresh), and, in a service IC_BENCH_PROFILE names ("matcher,alpha": the
//   name of its --config file), starts a CPU profile (the inspector's sampling profiler, 1 ms)
//   or stops the running one and writes <dir>/<pid>-<n>.cpuprofile.
// The patched functions do what they did before; the counters add a map update per call, and
// nothing is written between signals.
"use strict";
/* eslint-disable @typescript-eslint/no-require-imports -- a --require preload is CommonJS, and loads the services' own copies by path */

const dir = process.env.IC_BENCH_COUNTERS_DIR;
if (dir) {
  const fs = require("node:fs");
  const path = require("node:path");
  const inspector = require("node:inspector");
  const repo = path.resolve(__dirname, "../..");
  const counts = { kafka: {}, pg: {} };
  const bump = (table, key, n = 1) => {
    table[key] = (table[key] || 0) + n;
  };
  // The services' own copies (pnpm links one real path per version, so these are the modules they load).
  const load = (request, from) => {
    try {
      return require(require.resolve(request, { paths: [path.join(repo, from)] }));
    } catch {
      return undefined;
    }
  };
  const Connection = load("kafkajs/src/network/connection", "packages/event-log");
  if (Connection && Connection.prototype && typeof Connection.prototype.send === "function") {
    const send = Connection.prototype.send;
    Connection.prototype.send = function countedSend(args) {
      const request = args && args.request;
      const api = (request && request.apiName) || "unknown";
      bump(counts.kafka, api);
      if (request && typeof request.encode === "function" && !request.counted) {
        const encode = request.encode;
        request.counted = true;
        request.encode = async function countedEncode() {
          const encoded = await encode.call(this);
          bump(counts.kafka, `${api} bytes`, encoded.size());
          return encoded;
        };
      }
      return send.call(this, args);
    };
  }
  const pg = load("pg", "services/invoice-matcher");
  if (pg && pg.Client && typeof pg.Client.prototype.query === "function") {
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function countedQuery(config, ...rest) {
      const text = typeof config === "string" ? config : config && config.text;
      if (typeof text === "string") bump(counts.pg, text.slice(0, 200).replace(/\s+/g, " ").trim().slice(0, 70));
      return query.call(this, config, ...rest);
    };
  }

  const configArg = process.argv[process.argv.indexOf("--config") + 1];
  const service = process.argv.includes("--config") && configArg ? path.basename(configArg, ".json") : undefined;
  const profiled = service !== undefined && (process.env.IC_BENCH_PROFILE || "").split(",").includes(service);
  let flushes = 0;
  let session;
  let profiles = 0;
  process.on("SIGUSR2", () => {
    const file = path.join(dir, `${process.pid}.counts.json`);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, flushes: ++flushes, ...counts }));
    fs.renameSync(`${file}.tmp`, file);
    if (!profiled) return;
    if (session === undefined) {
      session = new inspector.Session();
      session.connect();
      session.post("Profiler.enable", () => session.post("Profiler.setSamplingInterval", { interval: 1000 }, () => session.post("Profiler.start")));
      return;
    }
    const stopping = session;
    session = undefined;
    stopping.post("Profiler.stop", (error, result) => {
      if (!error) fs.writeFileSync(path.join(dir, `${process.pid}-${++profiles}.cpuprofile`), JSON.stringify(result.profile));
      stopping.disconnect();
    });
  });
}
