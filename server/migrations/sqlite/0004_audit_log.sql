-- Every change an administrator makes, in the campaign it was made in. `scope` is the
-- code of the unit the change touched (the anchor of an import, the unit of an account),
-- NULL for a change of the whole campaign: a subtree's administrator reads the entries
-- of their subtree.

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,               -- Unix milliseconds
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    scope       TEXT,
    action      TEXT    NOT NULL,
    summary     TEXT    NOT NULL
);
CREATE INDEX audit_log_by_campaign ON audit_log (campaign_id, at);

CREATE INDEX units_by_campaign_depth ON units (campaign_id, depth);
CREATE INDEX accounts_by_unit ON accounts (unit_code);
