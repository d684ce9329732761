// connectLnd: TLS with the node's own certificate, the macaroon as per-call metadata, and
// keepalive settings lnd tolerates.
import { readFile } from "node:fs/promises";
import * as grpc from "@grpc/grpc-js";
import { createLndClient, type LndClient } from "./lnd-client.ts";
import { lndServices } from "./lnd-protos.ts";

export interface ConnectLndOptions {
  /** "host:port" of lnd's gRPC listener (rpclisten, 10009 by default). */
  grpcAddress: string;
  /** lnd's tls.cert (PEM). Give this or tlsCertPath. */
  tlsCertPem?: string | Buffer;
  tlsCertPath?: string;
  /** The macaroon, hex-encoded. Give this or macaroonPath (the binary .macaroon file). */
  macaroonHex?: string;
  macaroonPath?: string;
  /**
   * Interval of HTTP/2 keepalive pings while a call is open. lnd answers pings sent more
   * often than every 5 s (its --grpc.client-ping-min-wait) with GOAWAY, so lower values are
   * refused. Default 30 s.
   */
  keepaliveTimeMs?: number;
  /** How long a ping may go unanswered before the connection counts as dead. Default 20 s. */
  keepaliveTimeoutMs?: number;
  /** Deadline of unary calls without their own timeoutMs. Default 60 s. */
  unaryTimeoutMs?: number;
}

export const LND_MIN_PING_INTERVAL_MS = 5_000;
const DEFAULT_KEEPALIVE_TIME_MS = 30_000;
const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;
const DEFAULT_UNARY_TIMEOUT_MS = 60_000;
/** lnd's own limit (lnrpc.MaxGrpcMsgSize); grpc-js defaults to 4 MiB, too small for big ListChannels. */
const MAX_MESSAGE_BYTES = 200 * 1024 * 1024;

/**
 * Builds a client for one lnd node. Reads the cert and macaroon files but does not contact
 * lnd: the connection is made on the first call, and a node that cannot be reached shows
 * as an LndError of kind "unreachable" on that call. Throws (plain Error) when the options
 * are incomplete or a file cannot be read.
 */
export async function connectLnd(options: ConnectLndOptions): Promise<LndClient> {
  const address = options.grpcAddress;
  if (!/^[^\s:]+:\d+$|^\[[0-9a-fA-F:]+\]:\d+$/.test(address)) {
    throw new Error(`grpcAddress must be "host:port", got "${address}"`);
  }
  const keepaliveTimeMs = options.keepaliveTimeMs ?? DEFAULT_KEEPALIVE_TIME_MS;
  if (!(keepaliveTimeMs >= LND_MIN_PING_INTERVAL_MS)) {
    throw new Error(
      `keepaliveTimeMs must be at least ${LND_MIN_PING_INTERVAL_MS} (lnd closes connections that ping more often), got ${keepaliveTimeMs}`,
    );
  }
  const tlsCert = await loadTlsCert(options);
  const macaroonHex = await loadMacaroonHex(options);

  const macaroonCredentials = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
    const metadata = new grpc.Metadata();
    metadata.add("macaroon", macaroonHex);
    callback(null, metadata);
  });
  const credentials = grpc.credentials.combineChannelCredentials(
    grpc.credentials.createSsl(tlsCert),
    macaroonCredentials,
  );
  const channelOptions: grpc.ChannelOptions = {
    "grpc.keepalive_time_ms": keepaliveTimeMs,
    "grpc.keepalive_timeout_ms": options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS,
    // lnd (client-allow-ping-without-stream=false by default) counts pings on an idle
    // connection as abuse.
    "grpc.keepalive_permit_without_calls": 0,
    "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
    "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
  };
  const channel = new grpc.Channel(address, credentials, channelOptions);
  const services = lndServices();
  const clientOptions: grpc.ClientOptions = { channelOverride: channel };

  return createLndClient(
    {
      lightning: new services.Lightning(address, credentials, clientOptions),
      router: new services.Router(address, credentials, clientOptions),
      state: new services.State(address, credentials, clientOptions),
      chainNotifier: new services.ChainNotifier(address, credentials, clientOptions),
      channel,
    },
    {
      address,
      macaroonHex,
      unaryTimeoutMs: options.unaryTimeoutMs ?? DEFAULT_UNARY_TIMEOUT_MS,
      newMetadata: () => new grpc.Metadata(),
    },
  );
}

async function loadTlsCert(options: ConnectLndOptions): Promise<Buffer> {
  if ((options.tlsCertPem === undefined) === (options.tlsCertPath === undefined)) {
    throw new Error("give exactly one of tlsCertPem and tlsCertPath");
  }
  if (options.tlsCertPem !== undefined) return Buffer.from(options.tlsCertPem);
  const path = options.tlsCertPath as string;
  try {
    return await readFile(path);
  } catch (error) {
    throw new Error(`cannot read lnd's TLS cert at ${path}: ${(error as Error).message}`);
  }
}

async function loadMacaroonHex(options: ConnectLndOptions): Promise<string> {
  if ((options.macaroonHex === undefined) === (options.macaroonPath === undefined)) {
    throw new Error("give exactly one of macaroonHex and macaroonPath");
  }
  if (options.macaroonHex !== undefined) {
    // The value itself stays out of the message: it is a bearer credential.
    if (!/^([0-9a-fA-F]{2})+$/.test(options.macaroonHex)) throw new Error("macaroonHex is not a hex string");
    return options.macaroonHex.toLowerCase();
  }
  const path = options.macaroonPath as string;
  try {
    const bytes = await readFile(path);
    if (bytes.length === 0) throw new Error("the file is empty");
    return bytes.toString("hex");
  } catch (error) {
    throw new Error(`cannot read the macaroon at ${path}: ${(error as Error).message}`);
  }
}
