-- PostgreSQL twin of ../sqlite/0018_practice_campaigns.sql: the same column.
-- A practice campaign (issue 20), for training sessions: filled like any other, counted
-- nowhere else (never "last year", never a peer), and each unit may reset its report.
ALTER TABLE campaigns ADD COLUMN practice BIGINT NOT NULL DEFAULT 0 CHECK (practice IN (0, 1));
