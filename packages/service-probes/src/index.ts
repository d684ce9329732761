export {
  probeRequestListener,
  probesOf,
  startProbeServer,
  type LiveReport,
  type MetricsRegistry,
  type ProbeListenerOptions,
  type ProbeServer,
  type ProbeState,
  type Probes,
  type ReadyReport,
} from "./probe-server.ts";
export {
  runServiceProcess,
  serviceUsage,
  type ProcessPort,
  type RunningService,
  type ServiceProcessSpec,
} from "./service-process.ts";
export { createServiceLogger, type ServiceLoggerOptions } from "./service-logger.ts";
