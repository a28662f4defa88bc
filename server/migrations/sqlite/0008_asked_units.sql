-- Units asked rather than required (issue 17): the mass organisations and libraries the
-- plans "đề nghị". Their reports count in the figures; they never count as missing.
ALTER TABLE units ADD COLUMN asked INTEGER NOT NULL DEFAULT 0 CHECK (asked IN (0, 1));
