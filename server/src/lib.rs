//! The Axum server of the Lifelong Learning Week reports: storage, the JSON API, and
//! the built app.
//!
//! It is kept thin: every rule about numbers, totals and merges is in `tuanle-shared`,
//! which the app runs too.
//!
//! # Layout
//! - [`config`]: flags and environment, with defaults that start a working product.
//! - [`db`]: the SQLite file (WAL mode) or PostgreSQL database, created and migrated on
//!   first start; [`backup`]: a consistent online copy of a SQLite database.
//! - [`demo`]: the demo campaign and its small tree.
//! - [`admin`]: campaigns, the tree (imports from spreadsheets, edits), accounts, the audit log.
//! - [`api`]: the HTTP layer: the routes, one module per resource, the extractors, and
//!   the status of each refusal. Nothing below it knows of HTTP.
//! - [`auth`]: sign-in, sessions, password hashes, sign-in limits, the [`auth::Caller`].
//! - [`campaigns`]: the campaign a request names, and the list of campaigns.
//! - [`units`]: a campaign's tree as others read it: unit rows, who is within whose subtree.
//! - [`reports`]: one unit's report: access, storage, push, review (submit, return,
//!   approve), history.
//! - [`packages`]: sign-off packages ("chốt số liệu"): a consolidating unit's snapshot
//!   sent up, and its parent's acceptance or return.
//! - [`group_commit`]: pushes written many to a transaction.
//! - [`heavy`]: documents built and files read a few at a time, off the async workers.
//! - [`totals`]: consolidated totals and completeness of every subtree, kept incrementally.
//! - [`dashboard`]: a supervisor's view of a subtree; [`live`]: who to tell when it moves.
//! - [`metrics`]: what the server counts, for Prometheus (`/metrics`).
//! - [`migrate`]: a SQLite database copied into PostgreSQL, and the copy checked.
//! - [`national`]: the national demo campaign at the real scale (benchmarks, load tests).
//! - [`export`]: the official Excel form of a unit or a subtree.
//! - [`template`]: one unit's Excel template, for entry on its behalf: written blank or
//!   filled, read back and checked by the shared rules.
//! - [`clock`]: time as Unix milliseconds.
//! - [`error`]: the one error type of every layer below `api`, each refusal with its code.
//! - [`startup`]: [`Application`]: binds, builds the router, serves until told to stop.

pub mod admin;
pub mod api;
pub mod auth;
pub mod backup;
pub mod campaigns;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod deadlines;
pub mod demo;
pub mod document_fields;
pub mod error;
pub mod export;
pub mod forms;
pub mod group_commit;
pub mod heavy;
pub mod kinds;
pub mod live;
pub mod metrics;
pub mod migrate;
pub mod national;
pub mod packages;
pub mod reminders;
pub mod reports;
pub mod startup;
pub mod template;
pub mod totals;
pub mod units;

pub use config::Config;
pub use startup::Application;
