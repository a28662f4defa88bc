//! The one indicator model of Lifelong Learning Week reports.
//!
//! Client (WebAssembly) and server call this same code, so they can never disagree
//! on what a number means, what a total is, which value is wrong, or how two
//! devices' edits merge. Nothing here does I/O or knows about HTTP, SQL or the browser.
//!
//! # Layout
//! - [`code`]: the stable identifiers of rows and narrative sections (`1.3`, `I.2`).
//! - [`number`]: Vietnamese number parsing (`1.234.567`) and formatting, with errors in Vietnamese.
//! - [`text`]: one Unicode form (NFC) for everything stored or compared, and folding for matching.
//! - [`form`]: form versions as data (`forms/*.json`), parsed and checked once into a [`FormDef`].
//! - [`content`]: what a user types into a report, cell by cell: the wire and storage shape.
//! - [`figures`]: a report's numbers as a dense vector laid out by its form, sums of many in `u128`; totals.
//! - [`validate`]: errors and plausibility warnings, each with a code and a Vietnamese message.
//! - [`aggregate`]: consolidation of many reports into one, texts gathered by unit.
//! - [`tree`]: unit kinds and the planning of a tree import into changes or problems by line.
//! - [`merge`]: the per-cell three-way merge of the sync contract.
//! - [`document`]: the issuer's part of a report document (header, number, signature), by kind.
//! - [`wire`]: API paths, request and response bodies, the `{code, message}` error body
//!   (with the `openapi` feature, each type's OpenAPI schema).

pub mod aggregate;
pub mod code;
pub mod content;
pub mod document;
pub mod figures;
pub mod form;
pub mod merge;
mod names;
pub mod number;
#[cfg(feature = "openapi")]
mod openapi;
pub mod peers;
pub mod text;
pub mod tree;
pub mod validate;
pub mod wire;

pub use aggregate::Consolidation;
pub use code::Code;
pub use content::{Cell, Content, NumberCell, TextCell, TextField};
pub use figures::{Figures, Sums, Totals};
pub use form::{Column, FormDef, FormDefError, RowDef, RowKind};
pub use merge::{Conflict, MergeOutcome, merge};
pub use number::{NumberError, Vnd, format_number, parse_cell, parse_number};
pub use validate::{Issue, IssueKind, Severity};
