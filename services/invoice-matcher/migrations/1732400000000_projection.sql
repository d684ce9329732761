-- The matcher's Postgres projection (see docs/architecture.md, "Durability and consistency").
-- Rows are derived from the matcher's domain events; the event journal is the Kafka topic
-- ic.matcher.events.v1 and the local copy in invoice_event_journal below.

-- Up Migration
-- One row per invoice: the decider's state (serialized, bigints as strings) plus the columns
-- queries need. version = number of domain events applied (optimistic check).
create table invoices (
  payment_hash text primary key,
  external_ref text not null unique,
  status text not null,
  state jsonb not null,
  version bigint not null,
  created_at_ms bigint not null,
  expires_at_ms bigint not null,
  has_held_htlcs boolean not null default false
);
create index invoices_open_idx on invoices (status) where status in ('OPEN', 'ACCEPTED');

-- Every domain event, in decision order; global_seq orders the public invoice events stream.
create table invoice_event_journal (
  global_seq bigserial primary key,
  payment_hash text not null references invoices (payment_hash),
  sequence bigint not null,
  event_type text not null,
  payload jsonb not null,
  at_ms bigint not null,
  unique (payment_hash, sequence)
);

-- Records to publish to Kafka, written in the same transaction as the decision (outbox).
-- Commands carry no preimage: the publisher derives it from the secret seed when it
-- publishes, so no secret rests in Postgres.
create table outbox (
  id bigserial primary key,
  topic text not null,
  record_key text not null,
  kind text not null,
  payload jsonb not null,
  published_at timestamptz
);
create index outbox_unpublished_idx on outbox (id) where published_at is null;

-- The onion's ephemeral public key per HTLC: with the node key it gives the shared secret that
-- encrypts failure packets for later decisions (e.g. mpp_timeout). Public data only.
create table htlc_onions (
  node_id text not null,
  chan_id numeric(20, 0) not null,
  htlc_id numeric(20, 0) not null,
  payment_hash text not null,
  ephemeral_pubkey bytea not null,
  primary key (node_id, chan_id, htlc_id)
);

-- The last block height each bridge reported with an HTLC (used in failure data and ticks).
-- Bridge liveness is read from Kafka (the bridge's command consumer group), not from here.
create table bridge_heartbeats (
  node_id text primary key,
  last_seen_ms bigint not null,
  block_height integer not null
);

-- Down Migration
drop table bridge_heartbeats, htlc_onions, outbox, invoice_event_journal, invoices;
