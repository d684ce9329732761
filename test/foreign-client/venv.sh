#!/usr/bin/env bash
# The foreign consumer's Python environment: a venv with confluent-kafka (Consumer,
# AvroDeserializer, SchemaRegistryClient) from PyPI, cached under ~/.cache/invoice-coordinator.
# Idempotent; prints the venv's python on stdout.
set -euo pipefail
CONFLUENT_KAFKA_VERSION="2.16.1"
VENV="${IC_CACHE_DIR:-$HOME/.cache/invoice-coordinator}/python-consumer-$CONFLUENT_KAFKA_VERSION"
if [[ ! -f "$VENV/.complete" ]]; then
  echo "installing confluent-kafka $CONFLUENT_KAFKA_VERSION (avro, schemaregistry) into $VENV" >&2
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "confluent-kafka[avro,schemaregistry]==$CONFLUENT_KAFKA_VERSION" >&2
  touch "$VENV/.complete"
fi
echo "$VENV/bin/python"
