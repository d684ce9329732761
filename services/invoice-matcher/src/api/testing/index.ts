// @ic/invoice-matcher/api/testing: an in-memory InvoiceService and a TLS identity for tests.
export {
  FAKE_COORDINATOR_INFO,
  FAKE_NOW_MS,
  FakeInvoiceService,
  type FakeInvoiceServiceMethod,
  type FakeInvoiceServiceOptions,
  type RecordedPortCall,
} from "./fake-invoice-service.ts";
