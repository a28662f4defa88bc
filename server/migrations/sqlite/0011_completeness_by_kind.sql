-- Completeness by kind of unit (issue 17: "100% TTHTCĐ"): per subtree, a JSON object
-- from each kind's code to [units expected, units done], kept with the other counts.
ALTER TABLE subtree_stats ADD COLUMN by_kind TEXT NOT NULL DEFAULT '{}';

-- The new columns hold no figures for the reports already there (official figures came
-- in 0009): every subtree's stats are rebuilt from the reports at start-up
-- (`totals::ensure` rebuilds a campaign whose units have no stats).
DELETE FROM subtree_stats;
