-- Unit kinds as data (issue 22): the kinds administrators add beside the ones the
-- product ships (which live in `tuanle_shared::tree::Kinds::builtin`, so a release can
-- bring more), and the spellings they teach the import, of any kind. Kinds are the same
-- for every campaign.
CREATE TABLE unit_kinds (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    grp TEXT NOT NULL CHECK (grp IN ('school', 'centre', 'organisation', 'administration')),
    asked INTEGER NOT NULL DEFAULT 0 CHECK (asked IN (0, 1)),
    added_at BIGINT NOT NULL
);

-- `spelling` is the folded form the import compares (`tree::key`), `spelled` as typed.
CREATE TABLE unit_kind_spellings (
    spelling TEXT PRIMARY KEY,
    spelled TEXT NOT NULL,
    code TEXT NOT NULL,
    added_at BIGINT NOT NULL
);
