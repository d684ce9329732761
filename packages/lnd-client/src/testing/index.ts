// @ic/lnd-client/testing: the fake lnd server for unit and fault-injection tests.
export {
  DEFAULT_FAKE_MACAROON_HEX,
  FAKE_LND_TLS_CERT_PEM,
  FakeLnd,
  MACAROON_MISMATCH_DETAILS,
  startFakeLnd,
  topLevelFieldNumbers,
  UNRELATED_TLS_CERT_PEM,
  type FakeInterceptorStreamEnd,
  type FakeLndFailure,
  type FakeLndOptions,
  type FakeStreamMethod,
  type FakeUnaryMethod,
  type ReceivedResolution,
  type StreamHandler,
  type UnaryHandler,
} from "./fake-lnd.ts";
export { lndErrorOf } from "./lnd-error-of.ts";
export type { WireGetInfoResponse } from "../node-info.ts";
export type { WireHtlcEvent } from "../htlc-events.ts";
export type {
  WireCircuitKey,
  WireForwardHtlcInterceptRequest,
  WireForwardHtlcInterceptResponse,
} from "../htlc-interceptor.ts";
export type { WirePayment } from "../payments.ts";
