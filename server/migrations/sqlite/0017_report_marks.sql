-- Marks on a report that its parent's dashboard counts (issue 20): flagged (its latest
-- submission had values far above its peers') and marked for follow-up by a supervisor of
-- its parent. Each subtree keeps how many of its reports carry each, like its other counts.
ALTER TABLE reports ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0 CHECK (flagged IN (0, 1));
ALTER TABLE reports ADD COLUMN follow_up INTEGER NOT NULL DEFAULT 0 CHECK (follow_up IN (0, 1));
ALTER TABLE subtree_stats ADD COLUMN flagged INTEGER NOT NULL DEFAULT 0;
ALTER TABLE subtree_stats ADD COLUMN follow_up INTEGER NOT NULL DEFAULT 0;
