-- The audit log becomes several independent hash chains. One chain made every audited change in the
-- platform wait for the previous one to commit (a transaction-scoped lock on the chain's tail), which
-- capped audited writes at a few hundred per second whatever the hardware. Each transaction now
-- appends to one of a fixed number of chains, chosen at random, so unrelated changes proceed in
-- parallel; each chain on its own is verified exactly as before. Existing rows form chain 0, whose
-- rows hash exactly as they did.
ALTER TABLE platform.audit_log ADD COLUMN chain smallint NOT NULL DEFAULT 0 CHECK (chain >= 0);
ALTER TABLE platform.audit_log DROP CONSTRAINT audit_log_pkey;
ALTER TABLE platform.audit_log ADD PRIMARY KEY (chain, seq);
