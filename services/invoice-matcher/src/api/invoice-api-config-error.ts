/** The API cannot start with this configuration; the message says what to change. */
export class InvoiceApiConfigError extends Error {
  override readonly name = "InvoiceApiConfigError";
}
