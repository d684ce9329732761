-- Up Migration
-- An outbox row that can never be built into a record (a stored command the publisher cannot
-- encode) is set aside with its reason instead of holding back every later row; it stays in
-- the table for an operator (never published, never pruned).
alter table outbox add column quarantined_reason text;
drop index outbox_unpublished_idx;
create index outbox_unpublished_idx on outbox (id) where published_at is null and quarantined_reason is null;

-- Down Migration
drop index outbox_unpublished_idx;
create index outbox_unpublished_idx on outbox (id) where published_at is null;
alter table outbox drop column quarantined_reason;
