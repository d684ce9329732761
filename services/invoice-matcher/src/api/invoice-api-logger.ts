/** The slice of a pino logger the invoice API uses (a pino Logger satisfies it). */
export interface InvoiceApiLogger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}
