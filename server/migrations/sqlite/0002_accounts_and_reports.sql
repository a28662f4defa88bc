-- Accounts, sessions, and reports with every version and every event.
-- Times are Unix milliseconds (INTEGER), the same on SQLite and PostgreSQL.

CREATE TABLE accounts (
    id            INTEGER PRIMARY KEY,
    username      TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,            -- argon2id, PHC string
    role          TEXT    NOT NULL CHECK (role IN ('reporter', 'supervisor', 'admin')),
    unit_code     TEXT,                        -- matched by code in each campaign's tree
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL
);

-- Only a hash of the session token is stored: a copy of the database opens no session.
CREATE TABLE sessions (
    token_hash  BLOB    PRIMARY KEY,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);
CREATE INDEX sessions_by_account ON sessions (account_id);

CREATE TABLE reports (
    id                INTEGER PRIMARY KEY,
    campaign_id       INTEGER NOT NULL REFERENCES campaigns (id),
    unit_id           INTEGER NOT NULL REFERENCES units (id),
    version           INTEGER NOT NULL CHECK (version >= 0),
    status            TEXT    NOT NULL DEFAULT 'draft'
                      CHECK (status IN ('draft', 'submitted', 'returned', 'approved')),
    submitted_version INTEGER,
    late              INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    return_reason     TEXT,
    updated_at        INTEGER NOT NULL,
    UNIQUE (campaign_id, unit_id)
);

-- Every accepted content of a report, never changed once written.
CREATE TABLE report_versions (
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    version     INTEGER NOT NULL CHECK (version >= 1),
    content     TEXT    NOT NULL,              -- JSON of tuanle_shared::Content
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    device_id   TEXT    NOT NULL,
    push_id     TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (report_id, version)
);

-- The answer given to each accepted push, so a retried push gets the same answer and
-- writes nothing.
CREATE TABLE pushes (
    push_id     TEXT    PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    answer      TEXT    NOT NULL,              -- JSON of tuanle_shared::wire::PushAccepted
    created_at  INTEGER NOT NULL
);

CREATE TABLE report_events (
    id          INTEGER PRIMARY KEY,
    report_id   INTEGER NOT NULL REFERENCES reports (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('submit', 'return', 'approve')),
    version     INTEGER NOT NULL,
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    device_id   TEXT,
    reason      TEXT,
    late        INTEGER NOT NULL DEFAULT 0 CHECK (late IN (0, 1)),
    created_at  INTEGER NOT NULL
);
CREATE INDEX report_events_by_report ON report_events (report_id);
