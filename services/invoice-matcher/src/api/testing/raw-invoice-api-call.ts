// Calls the invoice API with a hand-written wire message and hand-chosen metadata, which the
// typed client would never send: for auth and validation tests.
import * as grpc from "@grpc/grpc-js";
import { invoiceApiProtos } from "@ic/invoice-api-client";

export type RawCallResult = { ok: true; response: unknown } | { ok: false; code: grpc.status; codeName: string; details: string };

type RawUnary = (
  request: unknown,
  metadata: grpc.Metadata,
  callback: (error: grpc.ServiceError | null, response: unknown) => void,
) => grpc.ClientUnaryCall;

export function bearerMetadata(value: string | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  if (value !== undefined) metadata.set("authorization", value);
  return metadata;
}

export async function rawInvoiceApiCall(
  address: string,
  method: string,
  request: unknown,
  metadata: grpc.Metadata,
): Promise<RawCallResult> {
  const client = new (invoiceApiProtos().Invoices)(address, grpc.credentials.createInsecure());
  try {
    return await new Promise<RawCallResult>((resolve) => {
      (client[method] as RawUnary).call(client, request, metadata, (error, response) => {
        if (error) resolve({ ok: false, code: error.code, codeName: grpc.status[error.code], details: error.details });
        else resolve({ ok: true, response });
      });
    });
  } finally {
    client.close();
  }
}
