-- PostgreSQL twin of ../sqlite/0010_entry_on_behalf.sql: the same columns and constraints.
-- Entry on behalf ("nhập hộ", issue 17): a supervisor of the unit's direct parent types or
-- uploads a unit's report for it; its versions and events say so in the history.
ALTER TABLE report_versions ADD COLUMN on_behalf BIGINT NOT NULL DEFAULT 0 CHECK (on_behalf IN (0, 1));
ALTER TABLE report_events ADD COLUMN on_behalf BIGINT NOT NULL DEFAULT 0 CHECK (on_behalf IN (0, 1));
