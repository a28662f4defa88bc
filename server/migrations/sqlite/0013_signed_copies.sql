-- The signed copy of a package (issue 19): the report as officials signed it, on paper then
-- scanned, or with a digital signature, a PDF or an image. One per package, by unit and
-- sequence; the parent level downloads it.
CREATE TABLE signed_copies (
    unit_id     INTEGER NOT NULL REFERENCES units (id),
    seq         INTEGER NOT NULL,
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        INTEGER NOT NULL,
    bytes       BLOB NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at INTEGER NOT NULL,
    PRIMARY KEY (unit_id, seq)
);
