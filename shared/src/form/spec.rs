//! The serialized shape of a form file, exactly as written in `shared/forms/*.json`.
//! [`super::FormDef`] is built from it and checked; nothing else reads it directly.

use serde::{Deserialize, Serialize};

use super::Column;
use crate::code::Code;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormSpec {
    pub version: String,
    /// On a province's form: the national version it extends. Its rows are that form's,
    /// unchanged, and its own rows marked `provincial`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extends: Option<String>,
    /// "MẪU TỔNG HỢP SỐ LIỆU KẾT QUẢ TỔ CHỨC TUẦN LỄ"
    pub title: String,
    #[serde(default)]
    pub subtitle: String,
    /// "BÁO CÁO TỔNG KẾT TUẦN LỄ"
    #[serde(default)]
    pub report_title: String,
    /// Where the rows were read from.
    #[serde(default)]
    pub source: String,
    #[serde(default)]
    pub plausibility: PlausibilitySpec,
    /// The largest value one report may hold in a cell, per kind of cell.
    #[serde(default)]
    pub bounds: BoundsSpec,
    pub rows: Vec<RowSpec>,
    #[serde(default)]
    pub sections: Vec<SectionSpec>,
    /// A short note per row or narrative item on what counts there ("Hướng dẫn"),
    /// shown on demand. Served only to the builds that ask for it
    /// (`GET /api/v1/forms/{version}?guidance=true`): builds before it read forms strictly.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub guidance: std::collections::BTreeMap<Code, String>,
}

/// Bounds of the plausibility warnings that are not per row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlausibilitySpec {
    /// A value more than this many times the unit's previous year is flagged…
    pub previous_year_factor: u64,
    /// …when it is also at least this large (3 classes after 0 is not news).
    pub previous_year_min: u64,
    /// Fewest peers (same kind, same province) reporting a row for it to have a fence
    /// (`crate::peers`).
    #[serde(default = "default_peer_min")]
    pub peer_min: u32,
    /// A value is flagged only above this many times the reporting peers' median…
    #[serde(default = "default_peer_factor")]
    pub peer_factor: u64,
    /// …and above `e^(peer_spread · MAD of the logarithms)` times it, where peers differ.
    #[serde(default = "default_peer_spread")]
    pub peer_spread: u64,
}

fn default_peer_min() -> u32 {
    5
}
fn default_peer_factor() -> u64 {
    10
}
fn default_peer_spread() -> u64 {
    3
}

impl Default for PlausibilitySpec {
    fn default() -> Self {
        PlausibilitySpec {
            previous_year_factor: 5,
            previous_year_min: 50,
            peer_min: default_peer_min(),
            peer_factor: default_peer_factor(),
            peer_spread: default_peer_spread(),
        }
    }
}

/// The largest value one report may type in a cell, per kind of cell. No real unit
/// comes near them; they are there so that one careless or hostile report cannot
/// carry every consolidation above it into nonsense. Sums are kept in `u128`, so no
/// bound can make a consolidation overflow; these keep them meaningful: a million
/// units at the bounds still sum, in any total row, below 10^19.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoundsSpec {
    /// Classes, contests, articles, books, units… (10 triệu).
    pub count: u64,
    /// Persons (200 triệu: twice the country's population).
    pub persons: u64,
    /// Đồng (1.000 tỷ đồng).
    pub money: u64,
}

impl Default for BoundsSpec {
    fn default() -> Self {
        BoundsSpec {
            count: 10_000_000,
            persons: 200_000_000,
            money: 1_000_000_000_000,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowSpec {
    pub code: Code,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stt: Option<String>,
    pub label: String,
    #[serde(default)]
    pub unit: String,
    pub kind: RowKindSpec,
    /// For `total`: the summed rows.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub of: Vec<Code>,
    /// For `total`: the summed columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persons_per_count_warn: Option<u64>,
    /// For `yes_no`: the units whose "yes" is counted up the tree.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub counts: Option<CountsSpec>,
    /// The row of the previous form version this row is compared with ("last year"):
    /// absent, the row of the same code; empty, none (its meaning changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// A province's own row (on a form that `extends` a national one): consolidated up
    /// to the province only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provincial: bool,
}

/// The units a yes/no row counts: those of the listed groups, and those of the listed
/// kinds (by code).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountsSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<crate::tree::KindGroup>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kinds: Vec<String>,
}

impl CountsSpec {
    /// Whether a unit of `kind` is counted (a unit of a kind not known here is not).
    pub fn counts(&self, kind: Option<&crate::tree::KindDef>) -> bool {
        kind.is_some_and(|k| self.kinds.contains(&k.code) || self.groups.contains(&k.group))
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.kinds.is_empty()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKindSpec {
    Group,
    Count,
    CountPersons,
    Money,
    Total,
    Text,
    YesNo,
}

crate::names::by_name!(RowKindSpec { Group = "group", Count = "count", CountPersons = "count_persons", Money = "money", Total = "total", Text = "text", YesNo = "yes_no" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionSpec {
    pub code: Code,
    pub label: String,
    pub items: Vec<SectionItemSpec>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SectionItemSpec {
    pub code: Code,
    pub label: String,
    #[serde(default)]
    pub kind: ItemKind,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shows_rows: Vec<Code>,
}

/// What a narrative item asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    /// Free text the unit writes.
    #[default]
    Text,
    /// The indicator table itself (II.4): nothing to type here.
    Table,
}

crate::names::by_name!(ItemKind { Text = "text", Table = "table" });
