"""A consumer of the public invoice events that is not ours: Python, confluent-kafka's Consumer
with its AvroDeserializer and SchemaRegistryClient (from PyPI), as the read-only `public`
principal. It knows nothing of our headers or .avsc files: the schema comes from the registry by
the id in each record (Confluent wire format). Prints one JSON line per invoice event of the
payment hash it watches, and exits 0 once it has seen SETTLED (3 if the deadline passes first).

  python consume_invoice_events.py --bootstrap 127.0.0.1:9092 --credentials-file public.json \
      --topic ic.invoice.events.v1 --group ic.public.my-app \
      --registry http://127.0.0.1:18081/apis/ccompat/v7 --payment-hash <hex> [--timeout 120]

Records written before the registry (no magic byte) are counted and skipped: the registry's
wire format is what foreign clients read (docs/architecture.md, "Schemas and the registry").
"""
import argparse
import json
import sys
import time

from confluent_kafka import Consumer
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
from confluent_kafka.error import SerializationError


def main() -> int:
    parser = argparse.ArgumentParser()
    for flag in ("--bootstrap", "--credentials-file", "--topic", "--group", "--registry", "--payment-hash"):
        parser.add_argument(flag, required=True)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    with open(args.credentials_file, encoding="utf-8") as f:
        credentials = json.load(f)

    deserialize = AvroDeserializer(SchemaRegistryClient({"url": args.registry}))
    consumer = Consumer({
        "bootstrap.servers": args.bootstrap,
        "security.protocol": "SASL_PLAINTEXT",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": credentials["username"],
        "sasl.password": credentials["password"],
        "group.id": args.group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
    })
    consumer.subscribe([args.topic])
    skipped = 0
    deadline = time.monotonic() + args.timeout
    try:
        while time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is None:
                continue
            if message.error():
                raise RuntimeError(str(message.error()))
            try:
                event = deserialize(message.value(), SerializationContext(message.topic(), MessageField.VALUE))
            except SerializationError:
                skipped += 1
                continue
            if event["paymentHash"] != args.payment_hash:
                continue
            print(json.dumps({
                "kind": event["kind"],
                "sequence": event["sequence"],
                "paymentHash": event["paymentHash"],
                "amountMsat": event["amountMsat"],
                "amountPaidMsat": event["amountPaidMsat"],
                "parts": len(event["htlcs"]),
                "schemaId": int.from_bytes(message.value()[1:5], "big"),
            }), flush=True)
            if event["kind"] == "SETTLED":
                print(json.dumps({"skippedUndecodable": skipped}), flush=True)
                return 0
        print(json.dumps({"timeout": args.timeout, "skippedUndecodable": skipped}), flush=True)
        return 3
    finally:
        consumer.close()


if __name__ == "__main__":
    sys.exit(main())
