// How the invoice API starts and what it serves besides the Invoices service: server
// reflection (behind the same token), TLS, and the configurations it refuses.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { afterEach, describe, expect, it } from "vitest";
import { connectInvoiceApi, InvoiceApiError } from "@ic/invoice-api-client";
import { FAKE_COORDINATOR_INFO } from "@ic/invoice-api-client/testing";
import { startInvoiceApi, type InvoiceApi } from "./grpc-server.ts";
import { InvoiceApiConfigError } from "./invoice-api-config-error.ts";
import { FakeInvoiceService } from "./testing/fake-invoice-service.ts";
import { RecordingLogger, TEST_API_TOKEN } from "./testing/test-invoice-api.ts";
import { TEST_TLS_CERT_PEM, TEST_TLS_FILES } from "./testing/test-tls.ts";

const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(options: { tls?: typeof TEST_TLS_FILES; address?: string; authToken?: string } = {}): Promise<InvoiceApi> {
  const api = await startInvoiceApi({
    service: new FakeInvoiceService(),
    address: options.address ?? "127.0.0.1:0",
    authToken: options.authToken ?? TEST_API_TOKEN,
    logger: new RecordingLogger(),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
  });
  cleanups.push(() => api.stop());
  return api;
}

interface ReflectionResponse {
  list_services_response?: { service: { name: string }[] };
  file_descriptor_response?: { file_descriptor_proto: Buffer[] };
  error_response?: { error_code: number; error_message: string };
  message_response: string;
}

/** One request on grpc.reflection.v1.ServerReflection/ServerReflectionInfo, as grpcurl sends it. */
async function reflect(address: string, request: Record<string, string>, token: string | undefined): Promise<ReflectionResponse> {
  const reflectionDir = join(dirname(createRequire(import.meta.url).resolve("@grpc/reflection/package.json")), "build", "proto");
  const definition = protoLoader.loadSync("grpc/reflection/v1/reflection.proto", {
    keepCase: true,
    oneofs: true,
    bytes: Buffer,
    includeDirs: [reflectionDir],
  });
  const root = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new root.grpc.reflection.v1.ServerReflection(address, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  if (token !== undefined) metadata.set("authorization", `Bearer ${token}`);
  const open = client["ServerReflectionInfo"] as (metadata: grpc.Metadata) => grpc.ClientDuplexStream<unknown, ReflectionResponse>;
  const call = open.call(client, metadata);
  try {
    return await new Promise<ReflectionResponse>((resolve, reject) => {
      call.on("data", resolve);
      call.on("error", reject);
      call.write(request);
      call.end();
    });
  } finally {
    call.cancel();
    client.close();
  }
}

describe("server reflection", () => {
  it("lists the Invoices service", async () => {
    const api = await start();

    const response = await reflect(`127.0.0.1:${api.port}`, { list_services: "" }, TEST_API_TOKEN);

    expect(response.list_services_response?.service.map((service) => service.name)).toEqual(["ic.coordinator.v1.Invoices"]);
  });

  it("describes the service's file, so grpcurl can build requests", async () => {
    const api = await start();

    const response = await reflect(`127.0.0.1:${api.port}`, { file_containing_symbol: "ic.coordinator.v1.Invoices" }, TEST_API_TOKEN);

    const files = response.file_descriptor_response?.file_descriptor_proto ?? [];
    // @grpc/reflection names the file after the package (ic_coordinator_v1.proto), not ours.
    const text = Buffer.concat(files).toString("latin1");
    for (const name of ["ic.coordinator.v1", "Invoices", "SubscribeInvoices", "AddInvoiceRequest", "InvoiceMode", "ClusterNode"])
      expect(text).toContain(name);
  });

  it("needs the token too", async () => {
    const api = await start();

    const error = await reflect(`127.0.0.1:${api.port}`, { list_services: "" }, undefined).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
  });
});

describe("TLS", () => {
  it("serves over TLS when given a certificate and key", async () => {
    const api = await start({ tls: TEST_TLS_FILES });
    const client = connectInvoiceApi(`localhost:${api.port}`, TEST_API_TOKEN, { tlsCertPem: TEST_TLS_CERT_PEM });
    cleanups.push(() => client.close());

    expect(await client.getInfo()).toEqual(FAKE_COORDINATOR_INFO);
  });

  it("may then listen beyond loopback", async () => {
    const api = await start({ tls: TEST_TLS_FILES, address: "0.0.0.0:0" });

    expect(api.port).toBeGreaterThan(0);
  });

  it("does not answer a cleartext client", async () => {
    const api = await start({ tls: TEST_TLS_FILES });
    const client = connectInvoiceApi(`127.0.0.1:${api.port}`, TEST_API_TOKEN, { deadlineMs: 5000 });
    cleanups.push(() => client.close());

    const error = await client.getInfo().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(InvoiceApiError);
    expect((error as InvoiceApiError).codeName).toMatch(/UNAVAILABLE|DEADLINE_EXCEEDED/);
  });

  it("refuses unreadable certificate files at start", async () => {
    await expect(start({ tls: { certPath: "/nonexistent/tls.cert", keyPath: TEST_TLS_FILES.keyPath } })).rejects.toThrow(
      "cannot read the invoice API TLS certificate /nonexistent/tls.cert",
    );
  });
});

describe("configurations refused at start", () => {
  it("refuses cleartext beyond loopback: the token would cross the network readable", async () => {
    const attempt = start({ address: "0.0.0.0:0" });

    await expect(attempt).rejects.toThrow(InvoiceApiConfigError);
    await expect(attempt).rejects.toThrow("refusing to serve the invoice API without TLS on 0.0.0.0:0");
  });

  it("refuses a short token", async () => {
    await expect(start({ authToken: "short" })).rejects.toThrow("at least 32 characters");
  });

  it("reports a port already in use", async () => {
    const first = await start();

    await expect(start({ address: `127.0.0.1:${first.port}` })).rejects.toThrow(`the invoice API cannot listen on 127.0.0.1:${first.port}`);
  });
});

describe("client", () => {
  it("explains an unreachable API", async () => {
    const api = await start();
    const address = `127.0.0.1:${api.port}`;
    await api.stop();
    const client = connectInvoiceApi(address, TEST_API_TOKEN, { deadlineMs: 5000 });
    cleanups.push(() => client.close());

    const error = (await client.getInfo().catch((caught: unknown) => caught)) as InvoiceApiError;

    expect(error.codeName).toBe("UNAVAILABLE");
    expect(error.message).toMatch(new RegExp(`^cannot reach the invoice API at ${address}: `));
  });
});
