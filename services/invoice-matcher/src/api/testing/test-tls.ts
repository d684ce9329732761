// The invoice API's test-only TLS identity (fixtures/README.md): never for real use.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export const TEST_TLS_FILES = {
  certPath: fileURLToPath(new URL("./fixtures/tls.cert", import.meta.url)),
  keyPath: fileURLToPath(new URL("./fixtures/tls.key", import.meta.url)),
};

export const TEST_TLS_CERT_PEM = readFileSync(TEST_TLS_FILES.certPath, "utf8");
