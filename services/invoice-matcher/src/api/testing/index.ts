// @ic/invoice-matcher/api/testing: an in-memory InvoiceService and a TLS identity, for tests only.
export {
  FAKE_COORDINATOR_INFO,
  FAKE_NOW_MS,
  FakeInvoiceService,
  type FakeInvoiceServiceMethod,
  type FakeInvoiceServiceOptions,
  type RecordedPortCall,
} from "./fake-invoice-service.ts";
export { TEST_TLS_CERT_PEM, TEST_TLS_FILES } from "./test-tls.ts";
export { RecordingLogger, startTestInvoiceApi, TEST_API_TOKEN, type LogEntry, type TestInvoiceApi } from "./test-invoice-api.ts";
