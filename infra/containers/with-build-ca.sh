#!/bin/sh
# Build stages only: runs a command trusting the CA bundle the build was given as the secret
# "ca-bundle" (build-images.sh passes the machine's own when it has one, e.g. behind a TLS-
# inspecting proxy). A secret mount is not stored in any layer; without it, nothing changes.
if [ -f /run/secrets/ca-bundle ]; then
  export NODE_EXTRA_CA_CERTS=/run/secrets/ca-bundle CURL_CA_BUNDLE=/run/secrets/ca-bundle
fi
exec "$@"
