// Loads our lnd proto subset (proto/lnd at the repo root) once per process.
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

export const LND_PROTO_DIR = fileURLToPath(new URL("../../../proto/lnd/", import.meta.url));

const PROTO_FILES = ["lightning.proto", "router.proto", "stateservice.proto", "chainnotifier.proto"];

/**
 * Options shared by the client and the fake server, so both see the same object shapes:
 * field names exactly as in the .proto (keepCase), 64-bit integers as decimal strings,
 * enums as their names, bytes as Buffer, every field present (defaults) and each oneof's
 * chosen member named in a virtual field (oneofs).
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: true,
  longs: String,
  enums: String,
  bytes: Buffer,
  defaults: true,
  oneofs: true,
  includeDirs: [LND_PROTO_DIR],
};

export interface LndServiceConstructors {
  Lightning: grpc.ServiceClientConstructor;
  Router: grpc.ServiceClientConstructor;
  State: grpc.ServiceClientConstructor;
  ChainNotifier: grpc.ServiceClientConstructor;
}

let loaded: LndServiceConstructors | undefined;

export function lndServices(): LndServiceConstructors {
  if (loaded) return loaded;
  const definition = protoLoader.loadSync(PROTO_FILES, PROTO_LOADER_OPTIONS);
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    lnrpc: { Lightning: grpc.ServiceClientConstructor; State: grpc.ServiceClientConstructor };
    routerrpc: { Router: grpc.ServiceClientConstructor };
    chainrpc: { ChainNotifier: grpc.ServiceClientConstructor };
  };
  loaded = { Lightning: root.lnrpc.Lightning, Router: root.routerrpc.Router, State: root.lnrpc.State, ChainNotifier: root.chainrpc.ChainNotifier };
  return loaded;
}
