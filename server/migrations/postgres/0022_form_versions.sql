-- Form versions as data (issue 22): the versions administrators upload beside the ones
-- the product ships (`tuanle_shared::form::builtin`). A stored version never changes:
-- reports, kept forms on tablets and stored totals name it.
CREATE TABLE form_versions (
    version TEXT PRIMARY KEY,
    json TEXT NOT NULL,
    -- The content hash the server names it by (`forms::content_hash`): a process that
    -- already read this version's text keeps it by version and hash.
    hash TEXT NOT NULL,
    -- The national version a province's form extends (its rows plus the province's own).
    extends TEXT,
    added_by TEXT NOT NULL,
    added_at BIGINT NOT NULL
);

-- The version each report was started on. A campaign's form can be replaced by its next
-- version; a report already started keeps its own, by which it is shown, checked and
-- merged. Reports before this change were started on their campaign's.
ALTER TABLE reports ADD COLUMN form_version TEXT;
UPDATE reports SET form_version = (SELECT c.form_version FROM campaigns c WHERE c.id = reports.campaign_id);
