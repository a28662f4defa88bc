-- Campaigns (one Lifelong Learning Week each) and their organisation trees.
-- Each campaign has its own tree: the 2025 reform removed a whole level, so a unit's
-- parent can differ from year to year. Units are matched across campaigns by code.

CREATE TABLE campaigns (
    id           INTEGER PRIMARY KEY,
    code         TEXT    NOT NULL UNIQUE,
    year         INTEGER NOT NULL,
    theme        TEXT    NOT NULL,
    starts_on    TEXT    NOT NULL,  -- ISO date
    ends_on      TEXT    NOT NULL,  -- ISO date
    form_version TEXT    NOT NULL,
    open         INTEGER NOT NULL DEFAULT 1 CHECK (open IN (0, 1))
);

CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    code        TEXT    NOT NULL,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    parent_id   INTEGER REFERENCES units (id),
    depth       INTEGER NOT NULL CHECK (depth >= 0),  -- 0 for the root of the campaign's tree
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (campaign_id, code)
);
CREATE INDEX units_by_parent ON units (parent_id);

-- The report deadline of each level (depth) of a campaign's tree.
CREATE TABLE deadlines (
    campaign_id INTEGER NOT NULL REFERENCES campaigns (id),
    depth       INTEGER NOT NULL CHECK (depth >= 0),
    due_on      TEXT    NOT NULL,  -- ISO date: reports are due by the end of this day
    PRIMARY KEY (campaign_id, depth)
);
