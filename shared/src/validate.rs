//! Errors and plausibility warnings of a report, as `docs/form.md` lists them.
//!
//! Errors block a submission; warnings must be acknowledged. Each issue names its cell,
//! carries a stable code for programs and a message in Vietnamese for people, and is
//! computed by the same function on the tablet and on the server.

use serde::{Deserialize, Serialize};

use crate::code::Code;
use crate::content::Content;
use crate::content::NumberCell;
use crate::figures::{ContentError, Figures};
use crate::form::{Column, FormDef, RowKind};
use crate::number::format_number;
use crate::peers::{PeerFence, Reference};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Blocks submission.
    Error,
    /// Must be acknowledged before submission.
    Warning,
}

crate::names::by_name!(Severity { Error = "error", Warning = "warning" });

/// What is wrong or unusual.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueKind {
    /// The content does not fit the form (only API clients can cause this).
    Content(ContentError),
    /// People counted but no class or contest: the count is blank or zero.
    PersonsWithoutCount { persons: u64 },
    /// Fewer people than classes or contests: a class with no one in it.
    PersonsBelowCount { count: u64, persons: u64 },
    /// More people per class or contest than is plausible for this row.
    PersonsPerCountHigh {
        count: u64,
        persons: u64,
        bound: u64,
    },
    /// Far above the same unit's value last year.
    FarAbovePreviousYear { value: u64, previous: u64 },
    /// Far above the values of units of the same kind in the same province
    /// ([`crate::peers`]).
    FarAbovePeers { value: u64, fence: PeerFence },
}

/// One finding on one cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// The row or section item.
    pub code: Code,
    /// The column, when the finding is about one.
    pub column: Option<Column>,
    pub kind: IssueKind,
}

impl Issue {
    pub fn severity(&self) -> Severity {
        match self.kind {
            IssueKind::Content(_) | IssueKind::PersonsWithoutCount { .. } => Severity::Error,
            _ => Severity::Warning,
        }
    }

    /// A stable code for programs.
    pub fn code(&self) -> &'static str {
        match &self.kind {
            IssueKind::Content(e) => e.code().as_str(),
            IssueKind::PersonsWithoutCount { .. } => "PERSONS_WITHOUT_COUNT",
            IssueKind::PersonsBelowCount { .. } => "PERSONS_BELOW_COUNT",
            IssueKind::PersonsPerCountHigh { .. } => "PERSONS_PER_COUNT_HIGH",
            IssueKind::FarAbovePreviousYear { .. } => "FAR_ABOVE_PREVIOUS_YEAR",
            IssueKind::FarAbovePeers { .. } => "FAR_ABOVE_PEERS",
        }
    }

    /// The message shown to people, in Vietnamese.
    pub fn message(&self) -> String {
        match &self.kind {
            IssueKind::Content(e) => e.to_string(),
            IssueKind::PersonsWithoutCount { persons } => format!(
                "Có {} người nhưng chưa nhập số lớp/số cuộc.",
                format_number(*persons)
            ),
            IssueKind::PersonsBelowCount { count, persons } => format!(
                "Số người ({}) ít hơn số lớp/số cuộc ({}): có lớp/cuộc không có ai tham gia?",
                format_number(*persons),
                format_number(*count)
            ),
            IssueKind::PersonsPerCountHigh {
                count,
                persons,
                bound,
            } => format!(
                "Bình quân hơn {} người mỗi lớp/cuộc ({} người, {} lớp/cuộc): vui lòng kiểm tra lại.",
                format_number(*bound),
                format_number(*persons),
                format_number(*count)
            ),
            IssueKind::FarAbovePreviousYear { value, previous } => format!(
                "Cao hơn nhiều so với năm trước ({} so với {}): vui lòng kiểm tra lại.",
                format_number(*value),
                format_number(*previous)
            ),
            IssueKind::FarAbovePeers { value, fence } => format!(
                "Cao bất thường so với các đơn vị cùng loại ({} so với trung vị {} của {} đơn vị cùng loại trong tỉnh{}): vui lòng kiểm tra lại.",
                format_number(*value),
                format_number(fence.median),
                fence.peers,
                if fence.last_year {
                    " năm trước"
                } else {
                    ""
                }
            ),
        }
    }
}

/// The wire form of an [`Issue`], for API answers and the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IssueReport {
    pub cell: String,
    pub severity: Severity,
    pub code: String,
    pub message: String,
}

impl From<&Issue> for IssueReport {
    fn from(i: &Issue) -> Self {
        let cell = match i.column {
            Some(c) => format!("{}/{}", i.code, c.as_str()),
            None => i.code.to_string(),
        };
        IssueReport {
            cell,
            severity: i.severity(),
            code: i.code().to_owned(),
            message: i.message(),
        }
    }
}

/// Every error and warning of `content` against `form`, in form order. `previous` is
/// the same unit's content last year, matched by code (its form version may differ).
pub fn validate(form: &FormDef, content: &Content, previous: Option<&Content>) -> Vec<Issue> {
    checks(form, content, previous, None)
}

/// [`validate`] against everything the report is compared with: the unit's last year
/// and its peers' fences. What the app shows offline and the server's submission
/// checks, from the same [`Reference`].
pub fn validate_against(form: &FormDef, content: &Content, reference: &Reference) -> Vec<Issue> {
    checks(
        form,
        content,
        reference.last_year.as_ref().map(|l| &l.content),
        Some(&reference.peers),
    )
}

fn checks(
    form: &FormDef,
    content: &Content,
    previous: Option<&Content>,
    peers: Option<&BTreeMap<NumberCell, PeerFence>>,
) -> Vec<Issue> {
    if let Err(e) = Figures::from_content(form, content) {
        let column = match &e {
            ContentError::AboveBound { cell, .. } => Some(cell.column),
            _ => None,
        };
        return vec![Issue {
            code: e.row().clone(),
            column,
            kind: IssueKind::Content(e),
        }];
    }
    let mut issues = Vec::new();
    for row in form.rows() {
        if let RowKind::CountPersons {
            persons_per_count_warn,
        } = row.kind
        {
            let count = content.number(&row.code, Column::Count);
            let Some(persons) = content.number(&row.code, Column::Persons) else {
                continue;
            };
            let count_value = count.unwrap_or(0);
            if persons > 0 && count_value == 0 {
                issues.push(Issue {
                    code: row.code.clone(),
                    column: Some(Column::Count),
                    kind: IssueKind::PersonsWithoutCount { persons },
                });
            } else if persons < count_value {
                issues.push(Issue {
                    code: row.code.clone(),
                    column: Some(Column::Persons),
                    kind: IssueKind::PersonsBelowCount {
                        count: count_value,
                        persons,
                    },
                });
            } else if let Some(bound) = persons_per_count_warn
                && count_value > 0
                && persons / count_value > bound
            {
                issues.push(Issue {
                    code: row.code.clone(),
                    column: Some(Column::Persons),
                    kind: IssueKind::PersonsPerCountHigh {
                        count: count_value,
                        persons,
                        bound,
                    },
                });
            }
        }
    }
    if let Some(previous) = previous {
        let p = form.plausibility();
        for (cell, &value) in &content.numbers {
            let prev = previous.numbers.get(cell).copied().unwrap_or(0);
            if value >= p.previous_year_min && value / p.previous_year_factor.max(1) > prev {
                issues.push(Issue {
                    code: cell.code.clone(),
                    column: Some(cell.column),
                    kind: IssueKind::FarAbovePreviousYear {
                        value,
                        previous: prev,
                    },
                });
            }
        }
    }
    for (cell, fence) in peers.into_iter().flatten() {
        if let Some(value) = content.numbers.get(cell).copied()
            && value > fence.fence
        {
            issues.push(Issue {
                code: cell.code.clone(),
                column: Some(cell.column),
                kind: IssueKind::FarAbovePeers {
                    value,
                    fence: *fence,
                },
            });
        }
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::NumberCell;
    use crate::form::builtin;

    fn code(s: &str) -> Code {
        s.parse().expect("code")
    }

    fn with(cells: &[(&str, Column, u64)]) -> Content {
        let mut c = Content::default();
        for (k, col, v) in cells {
            c.set_number(NumberCell::new(code(k), *col), Some(*v));
        }
        c
    }

    fn codes(issues: &[Issue]) -> Vec<&'static str> {
        issues.iter().map(Issue::code).collect()
    }

    #[test]
    fn a_plausible_report_has_no_issue() {
        let form = builtin("2025").expect("form");
        let c = with(&[
            ("1.3", Column::Count, 2),
            ("1.3", Column::Persons, 60),
            ("2", Column::Count, 4),
        ]);
        assert!(validate(form, &c, None).is_empty());
    }

    #[test]
    fn persons_without_a_class_is_an_error() {
        let form = builtin("2025").expect("form");
        let issues = validate(form, &with(&[("1.3", Column::Persons, 60)]), None);
        assert_eq!(codes(&issues), ["PERSONS_WITHOUT_COUNT"]);
        assert_eq!(issues[0].severity(), Severity::Error);
        assert!(issues[0].message().contains("60 người"));
    }

    #[test]
    fn fewer_persons_than_classes_is_a_warning() {
        let form = builtin("2025").expect("form");
        let issues = validate(
            form,
            &with(&[("1.3", Column::Count, 5), ("1.3", Column::Persons, 3)]),
            None,
        );
        assert_eq!(codes(&issues), ["PERSONS_BELOW_COUNT"]);
        assert_eq!(issues[0].severity(), Severity::Warning);
    }

    #[test]
    fn too_many_persons_per_class_is_a_warning() {
        let form = builtin("2025").expect("form");
        let issues = validate(
            form,
            &with(&[("1.3", Column::Count, 1), ("1.3", Column::Persons, 1_000)]),
            None,
        );
        assert_eq!(codes(&issues), ["PERSONS_PER_COUNT_HIGH"]);
        // Contests hold far more people than classes.
        let issues = validate(
            form,
            &with(&[("5.3", Column::Count, 1), ("5.3", Column::Persons, 1_000)]),
            None,
        );
        assert!(issues.is_empty());
    }

    #[test]
    fn far_above_last_year_is_a_warning() {
        let form = builtin("2025").expect("form");
        let last = with(&[("2", Column::Count, 10)]);
        let issues = validate(form, &with(&[("2", Column::Count, 400)]), Some(&last));
        assert_eq!(codes(&issues), ["FAR_ABOVE_PREVIOUS_YEAR"]);
        let issues = validate(form, &with(&[("2", Column::Count, 40)]), Some(&last));
        assert!(issues.is_empty(), "four times more is plausible");
        let issues = validate(
            form,
            &with(&[("2", Column::Count, 30)]),
            Some(&Content::default()),
        );
        assert!(issues.is_empty(), "small values are not flagged");
    }

    #[test]
    fn content_that_does_not_fit_the_form_is_one_error() {
        let form = builtin("2025").expect("form");
        let issues = validate(form, &with(&[("4.1", Column::Persons, 3)]), None);
        assert_eq!(codes(&issues), ["PERSONS_NOT_ALLOWED"]);
        let report = IssueReport::from(&issues[0]);
        assert_eq!(report.cell, "4.1");
        assert_eq!(report.severity, Severity::Error);
    }
}
