-- PostgreSQL twin of ../sqlite/0011_completeness_by_kind.sql: the same column.
-- Completeness by kind of unit (issue 17: "100% TTHTCĐ"): per subtree, a JSON object
-- from each kind's code to [units expected, units done], kept with the other counts.
ALTER TABLE subtree_stats ADD COLUMN by_kind TEXT NOT NULL DEFAULT '{}';
