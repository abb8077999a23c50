-- "How many are ahead of me" counts the waiting tickets of one service and day by priority and
-- queue time; this index answers it without reading the hall's whole queue.
CREATE INDEX ticket_waiting_service_idx ON queue.ticket (service_id, day, priority, queued_at) WHERE state = 'waiting';
