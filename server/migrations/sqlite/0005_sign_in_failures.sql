-- Failed sign-ins, for rate limiting per account and per address: in the database, so
-- every server instance counts the same attempts. Rows older than the window are
-- deleted as new failures come.

CREATE TABLE sign_in_failures (
    key  TEXT    NOT NULL,   -- 'account:<username>' or 'address:<ip>'
    at   INTEGER NOT NULL    -- Unix milliseconds
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);
