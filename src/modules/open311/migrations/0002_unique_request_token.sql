-- One token per client and order. Two identical submissions at the same instant both resolve to the
-- same order (idempotency) and must both be handed the same token; the check-then-insert could give
-- each its own. Earlier duplicates, if any, keep the oldest token.
DELETE FROM open311.request_token t
 USING open311.request_token older
 WHERE older.client_id = t.client_id AND older.work_order_id = t.work_order_id
   AND (older.created_at, older.token) < (t.created_at, t.token);
CREATE UNIQUE INDEX request_token_client_order_idx ON open311.request_token (client_id, work_order_id);
