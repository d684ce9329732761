// Loads proto/coordinator/invoices.proto once per process, for the server, the client and
// server reflection alike, so all three see the same definitions and object shapes.
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export const COORDINATOR_PROTO_DIR = fileURLToPath(new URL("../../../proto/coordinator/", import.meta.url));

export const INVOICES_SERVICE_NAME = "ic.coordinator.v1.Invoices";

/**
 * Field names as in the .proto (keepCase); 64-bit integers as decimal strings (exact: the
 * edges turn them into bigint); enums as their names; bytes as Buffer; every field present
 * with its default, so a missing field and its zero value read the same, as in proto3.
 */
export const INVOICE_API_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [COORDINATOR_PROTO_DIR],
};

export interface InvoiceApiProtos {
  packageDefinition: protoLoader.PackageDefinition;
  Invoices: grpc.ServiceClientConstructor;
}

let loaded: InvoiceApiProtos | undefined;

export function invoiceApiProtos(): InvoiceApiProtos {
  if (loaded) return loaded;
  const packageDefinition = protoLoader.loadSync(["invoices.proto"], INVOICE_API_LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(packageDefinition) as unknown as {
    ic: { coordinator: { v1: { Invoices: grpc.ServiceClientConstructor } } };
  };
  loaded = { packageDefinition, Invoices: root.ic.coordinator.v1.Invoices };
  return loaded;
}
