-- Who to call at a unit (issue 20): its contact person and phone, from the tree import's
-- optional columns; and the latest reminder a supervisor above marked as sent ("Đã nhắc").
ALTER TABLE units ADD COLUMN contact_name TEXT;
ALTER TABLE units ADD COLUMN contact_phone TEXT;

CREATE TABLE reminders (
    unit_id     INTEGER NOT NULL PRIMARY KEY REFERENCES units (id),
    account_id  INTEGER NOT NULL REFERENCES accounts (id),
    reminded_at INTEGER NOT NULL
);
