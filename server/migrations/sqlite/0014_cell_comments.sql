-- Comments on the cells of a report (issue 20): a supervisor of the unit's parent marks a
-- cell, with a return or on its own; the unit's staff answer it. The cell's value when the
-- comment was made is kept, so both sides can tell that the cell has been fixed since.
CREATE TABLE cell_comments (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    cell        TEXT    NOT NULL,            -- content key: 1.9/persons, 1.3/note, I.2/text
    body        TEXT    NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    on_version  INTEGER NOT NULL,
    value_then  TEXT,                        -- JSON of the cell's value then; NULL when blank
    with_return INTEGER NOT NULL DEFAULT 0 CHECK (with_return IN (0, 1)),
    created_at  INTEGER NOT NULL,
    answer      TEXT,
    answered_by INTEGER REFERENCES accounts (id),
    answered_at INTEGER
);
CREATE INDEX cell_comments_by_report ON cell_comments (report_id);
