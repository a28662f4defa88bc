-- PostgreSQL twin of ../sqlite/0003_subtree_stats.sql: the same tables, columns and constraints.
-- The consolidated figures and completeness of every unit's subtree (its own report
-- included), kept up to date incrementally: when a report's counted content or status
-- changes, the difference is applied to each of its ancestors, so the cost of a change
-- grows with the tree's depth, not its size. `totals::recompute` rebuilds it from scratch.

CREATE TABLE subtree_stats (
    unit_id     BIGINT  PRIMARY KEY REFERENCES units (id),
    campaign_id BIGINT  NOT NULL REFERENCES campaigns (id),
    units       BIGINT  NOT NULL CHECK (units >= 1),   -- units in the subtree, itself included
    draft       BIGINT  NOT NULL DEFAULT 0,
    on_time     BIGINT  NOT NULL DEFAULT 0,
    late        BIGINT  NOT NULL DEFAULT 0,
    returned    BIGINT  NOT NULL DEFAULT 0,
    approved    BIGINT  NOT NULL DEFAULT 0,
    final       TEXT    NOT NULL,   -- JSON array of the form's slots: submitted + approved
    provisional TEXT    NOT NULL    -- JSON array: every synced report
);
CREATE INDEX subtree_stats_by_campaign ON subtree_stats (campaign_id);
