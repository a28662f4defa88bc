-- The stored subtree totals are counted again at the next start (`totals::ensure`
-- rebuilds every campaign whose units have no stats): rows 7.1 and 7.2 now count the
-- units that answered yes, by kind (issue 22), where they summed typed numbers before.
DELETE FROM subtree_stats;
