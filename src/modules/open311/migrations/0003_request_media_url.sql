-- The media_url a client submitted with its request (GeoReport v2), kept with the submission so that
-- GET requests can hand it back. It is only a link: the server never fetches it. Photos citizens
-- upload through the portal are the hotline's private attachments and are never published here.
ALTER TABLE open311.request_token ADD COLUMN media_url text CHECK (length(media_url) <= 2000);
