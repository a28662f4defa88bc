//! One module per page.

pub mod report;
