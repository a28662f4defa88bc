//! The tests that cross crates, in one binary (one link, and one pool of test threads
//! that stays full instead of thirty binaries run one after another).
//!
//! Every test starts the real server on `127.0.0.1` with its own database: a SQLite file
//! by default, a throw-away PostgreSQL database when `TUANLE_TEST_POSTGRES` names a
//! cluster (`scripts/test` runs the whole binary both ways). Two module names are
//! conventions the PostgreSQL pass filters by:
//! - `sqlite_only::` tests the SQLite file itself (WAL mode, backups of the file);
//! - `in_browser::` drives the app's own pages in Chromium; what they store goes through
//!   the API and queries the tests outside it check on both engines, so these run once,
//!   on SQLite. A feature whose storage only a browser test checks belongs outside it
//!   (`contacts`).

mod access;
mod admin;
mod api;
mod backup;
mod bad_input;
mod contacts;
mod durability;
mod entry;
mod export;
mod forms;
mod instances;
mod kinds;
mod links;
mod live;
mod migrate;
mod packages;
mod print;
mod read_only;
mod reports;
mod security;
mod totals;
mod unicode;
mod wire;

/// The app in headless Chromium: what a person sees and does.
mod in_browser {
    mod admin;
    mod app;
    mod bundles;
    mod chain;
    mod field;
    mod reporter;
    mod supervisor;
}
