-- The fences of the outlier rule (issue 20, shared::peers) per province and kind of unit:
-- computed from the submitted and accepted reports of the province's units of that kind,
-- kept so that a report's every pull does not read thousands of others. A submission,
-- return or approval in the group marks it dirty; it is computed again on the next read:
-- at once for a small group, at most once a minute for one of 200 reports or more.
CREATE TABLE peer_fences (
    province_id INTEGER NOT NULL REFERENCES units (id),
    kind        TEXT    NOT NULL,
    fences      TEXT    NOT NULL,           -- JSON: cell key -> shared::peers::PeerFence
    computed_at INTEGER NOT NULL,
    reports     INTEGER NOT NULL,           -- how many reports it was computed from
    dirty       INTEGER NOT NULL DEFAULT 0 CHECK (dirty IN (0, 1)),
    moved_at    INTEGER NOT NULL DEFAULT 0,  -- the group's latest change (ms)
    PRIMARY KEY (province_id, kind)
);
