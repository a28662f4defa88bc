-- PostgreSQL twin of ../sqlite/0013_signed_copies.sql: the same table and constraints.
-- The signed copy of a package (issue 19): the report as officials signed it, on paper then
-- scanned, or with a digital signature, a PDF or an image. One per package, by unit and
-- sequence; the parent level downloads it.
CREATE TABLE signed_copies (
    unit_id     BIGINT NOT NULL REFERENCES units (id),
    seq         BIGINT NOT NULL,
    file_name   TEXT NOT NULL,
    media_type  TEXT NOT NULL,
    size        BIGINT NOT NULL,
    bytes       BYTEA NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at BIGINT NOT NULL,
    PRIMARY KEY (unit_id, seq)
);
