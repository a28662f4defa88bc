-- Observers (issue 17): accounts that read a subtree and change nothing, for the People's
-- Committees. SQLite's twin is `db::SQLITE_ACCOUNTS_WITH_OBSERVERS` (SQLite rebuilds the
-- table to change a CHECK, which cannot run inside a migration's transaction).
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('reporter', 'supervisor', 'observer', 'admin'));
