-- Sign-off packages (issue 17, "chốt số liệu"): a consolidating unit's snapshot, sent to
-- its parent, accepted or returned there. `subtree_stats.official` is what a unit's level
-- has accepted: its own report when submitted, its leaf children's approved reports, its
-- other children's accepted packages (`totals`, `docs/domain.md`).

ALTER TABLE subtree_stats ADD COLUMN official TEXT NOT NULL DEFAULT '[]';

CREATE TABLE packages (
    id            INTEGER PRIMARY KEY,
    campaign_id   INTEGER NOT NULL REFERENCES campaigns (id),
    unit_id       INTEGER NOT NULL REFERENCES units (id),
    seq           INTEGER NOT NULL CHECK (seq >= 1),   -- 1, 2, … per unit
    status        TEXT    NOT NULL DEFAULT 'sent'
                  CHECK (status IN ('sent', 'accepted', 'returned', 'superseded')),
    -- A report or package below changed after the sign-off ("cần chốt lại").
    stale         INTEGER NOT NULL DEFAULT 0 CHECK (stale IN (0, 1)),
    figures       TEXT    NOT NULL,   -- JSON array of the form's slots, as signed off
    contents      TEXT    NOT NULL,   -- JSON of tuanle_shared::wire::PackageContents
    signed_by     INTEGER NOT NULL REFERENCES accounts (id),
    signed_at     INTEGER NOT NULL,   -- Unix milliseconds
    reviewed_by   INTEGER REFERENCES accounts (id),
    reviewed_at   INTEGER,
    return_reason TEXT,
    UNIQUE (unit_id, seq)
);
CREATE INDEX packages_by_campaign ON packages (campaign_id, status);
