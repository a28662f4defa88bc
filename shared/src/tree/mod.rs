//! The organisation tree of a campaign: the kinds of unit, and the planning of an import
//! (from a spreadsheet, or copied from an earlier campaign) into exact changes or a list
//! of problems by line.

mod kind;
mod plan;
mod problem;

pub use kind::{
    KindDef, KindError, KindGroup, Kinds, MAX_KIND_CHARS, MAX_KIND_CODE_CHARS, UnitKind, fold, key,
};
pub use plan::{
    Anchor, Change, Contact, ExistingUnit, KIND_CHOICES, MAX_CODE_CHARS, MAX_CONTACT_CHARS,
    MAX_NAME_CHARS, MAX_PHONE_CHARS, Plan, PlannedUnit, TreeRow, code_is_valid, normalize_code,
    normalize_name, phone_is_valid, plan,
};
pub use problem::{Problem, ProblemKind};

#[cfg(test)]
mod tests;
