-- Up Migration
-- The order subscribers resume by (SubscribeInvoices' global sequence) is stamped after commit by
-- the one outbox publisher, instead of being drawn at insert under a lock held to commit: that
-- lock made every decision that writes events commit (fsync) one after another. A row is visible
-- to readers once stamped; stamps are handed out by one writer at a time in global_seq order of
-- committed rows, so a reader resuming after a stamp never skips a row that commits later.
alter table invoice_event_journal add column visible_seq bigint;
update invoice_event_journal set visible_seq = global_seq;
create unique index invoice_event_journal_visible_seq_idx on invoice_event_journal (visible_seq);
create index invoice_event_journal_unstamped_idx on invoice_event_journal (global_seq) where visible_seq is null;
create sequence invoice_event_journal_visible_seq_seq;
select setval('invoice_event_journal_visible_seq_seq', coalesce((select max(global_seq) from invoice_event_journal), 0) + 1, false);

-- Down Migration
drop sequence invoice_event_journal_visible_seq_seq;
drop index invoice_event_journal_unstamped_idx;
drop index invoice_event_journal_visible_seq_idx;
alter table invoice_event_journal drop column visible_seq;
