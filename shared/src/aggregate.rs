//! Consolidation: a parent's report is its own entries plus its children's
//! consolidated reports, summed per code and column; texts are gathered as
//! "unit name: text".
//!
//! A [`Consolidation`] can absorb another, so a subtree's totals can be built from
//! its children's in any grouping and give the same result.

use std::collections::BTreeMap;
use std::fmt;

use crate::content::{Content, TextCell};
use crate::figures::{Figures, Sums, Totals};
use crate::form::FormDef;

/// One unit's text, as it appears in a consolidated report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gathered {
    pub unit: String,
    pub text: String,
}

impl fmt::Display for Gathered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.unit, self.text)
    }
}

/// The sum of any number of reports of one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consolidation<'f> {
    form: &'f FormDef,
    sums: Sums,
    texts: BTreeMap<TextCell, Vec<Gathered>>,
    reports: u64,
}

impl<'f> Consolidation<'f> {
    pub fn new(form: &'f FormDef) -> Self {
        Consolidation {
            form,
            sums: Sums::zero(form),
            texts: BTreeMap::new(),
            reports: 0,
        }
    }

    /// Adds one unit's report.
    pub fn add(&mut self, unit: &str, figures: &Figures, content: &Content) {
        self.sums.add(figures);
        self.reports += 1;
        for (cell, text) in &content.texts {
            self.texts.entry(cell.clone()).or_default().push(Gathered {
                unit: unit.to_owned(),
                text: text.clone(),
            });
        }
    }

    /// Adds another consolidation of the same form (a child subtree).
    pub fn absorb(&mut self, other: &Consolidation<'_>) {
        self.sums.absorb(&other.sums);
        self.reports += other.reports;
        for (cell, texts) in &other.texts {
            self.texts
                .entry(cell.clone())
                .or_default()
                .extend(texts.iter().cloned());
        }
    }

    pub fn sums(&self) -> &Sums {
        &self.sums
    }

    pub fn totals(&self) -> Totals {
        Totals::compute(self.form, &self.sums)
    }

    /// Gathered texts per cell, in the order the reports were added.
    pub fn texts(&self) -> &BTreeMap<TextCell, Vec<Gathered>> {
        &self.texts
    }

    /// How many reports went in.
    pub fn reports(&self) -> u64 {
        self.reports
    }
}

/// Sums the figures of many reports of `form`: the hot path of a from-scratch
/// consolidation. It cannot overflow (see [`Sums`]), so it has nothing to check.
pub fn consolidate<'a>(form: &FormDef, reports: impl IntoIterator<Item = &'a Figures>) -> Sums {
    let mut sum = Sums::zero(form);
    for figures in reports {
        sum.add(figures);
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::code::Code;
    use crate::content::NumberCell;
    use crate::form::{Column, builtin};
    use proptest::prelude::*;

    fn code(s: &str) -> Code {
        s.parse().expect("code")
    }

    fn report(values: &[u64]) -> (Content, Figures) {
        let form = builtin("2025").expect("form");
        let mut c = Content::default();
        let mut k = 0;
        for (i, row) in form.rows().iter().enumerate() {
            for column in Column::ALL {
                if row.accepts(column) && k < values.len() {
                    // Within the cell's bound (a yes/no row holds 0 or 1).
                    let value = values[k].min(form.bound(i, column));
                    c.set_number(NumberCell::new(row.code.clone(), column), Some(value));
                    k += 1;
                }
            }
        }
        let f = Figures::from_content(form, &c).expect("valid");
        (c, f)
    }

    #[test]
    fn texts_are_gathered_with_the_unit_name() {
        let form = builtin("2025").expect("form");
        let mut a = Content::default();
        a.set_text(TextCell::text(code("II.2")), "Thiếu kinh phí");
        let mut b = Content::default();
        b.set_text(TextCell::text(code("II.2")), "Thiếu giáo viên");
        let mut cons = Consolidation::new(form);
        cons.add("Trường Tiểu học Hồng Quang", &Figures::zero(form), &a);
        cons.add("TTHTCĐ phường Hồng Quang", &Figures::zero(form), &b);
        let gathered: Vec<String> = cons.texts()[&TextCell::text(code("II.2"))]
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            gathered,
            [
                "Trường Tiểu học Hồng Quang: Thiếu kinh phí",
                "TTHTCĐ phường Hồng Quang: Thiếu giáo viên"
            ]
        );
        assert_eq!(cons.reports(), 2);
    }

    #[test]
    fn consolidation_sums_per_code_and_column() {
        let form = builtin("2025").expect("form");
        let (ca, fa) = report(&[1, 10, 2]);
        let (cb, fb) = report(&[3, 30]);
        let mut cons = Consolidation::new(form);
        cons.add("A", &fa, &ca);
        cons.add("B", &fb, &cb);
        let row = form.row_index(&code("1.1")).expect("1.1");
        assert_eq!(cons.sums().value(form, row, Column::Count), Some(4));
        assert_eq!(cons.sums().value(form, row, Column::Persons), Some(40));
        let totals = cons.totals();
        assert_eq!(
            totals.get(form.row_index(&code("1")).expect("1"), Column::Count),
            Some(6)
        );
        assert_eq!(&consolidate(form, [&fa, &fb]), cons.sums());
    }

    #[test]
    fn a_national_campaign_at_every_bound_sums_exactly() {
        let form = builtin("2025").expect("form");
        let mut c = Content::default();
        for row in form.rows() {
            for column in Column::ALL {
                if row.accepts(column) {
                    let cell = NumberCell::new(row.code.clone(), column);
                    let max = form.bound_of(&cell).expect("typed");
                    c.set_number(cell, Some(max));
                }
            }
        }
        let f = Figures::from_content(form, &c).expect("at the bounds is valid");
        let many = vec![f.clone(); 100_000];
        let sum = consolidate(form, &many);
        let row = form.row_index(&code("10")).expect("row 10");
        let money = u128::from(form.bounds().money);
        assert_eq!(
            Totals::compute(form, &sum).get(row, Column::Count),
            Some(money * 100_000 * 2),
            "row 10 adds 10.1 and 10.2, each a money bound in 100,000 reports"
        );
    }

    #[test]
    fn values_stored_before_the_bounds_still_sum_without_overflow() {
        let form = builtin("2025").expect("form");
        let json = r#"{"numbers": {"10.1/count": 18446744073709551615, "10.2/count": 1}}"#;
        let f = Figures::from_content_json(form, json).expect("stored content is read");
        let sum = consolidate(form, [&f, &f]);
        let row = form.row_index(&code("10")).expect("row 10");
        assert_eq!(
            Totals::compute(form, &sum).get(row, Column::Count),
            Some((u128::from(u64::MAX) + 1) * 2)
        );
    }

    proptest! {
        #[test]
        fn consolidating_a_split_set_equals_consolidating_the_whole(
            reports in proptest::collection::vec(proptest::collection::vec(0u64..1_000_000, 0..64), 0..20),
            split in 0usize..20,
        ) {
            let form = builtin("2025").expect("form");
            let built: Vec<(Content, Figures)> = reports.iter().map(|r| report(r)).collect();
            let split = split.min(built.len());
            let mut whole = Consolidation::new(form);
            let (mut left, mut right) = (Consolidation::new(form), Consolidation::new(form));
            for (i, (c, f)) in built.iter().enumerate() {
                whole.add(&format!("u{i}"), f, c);
                if i < split { left.add(&format!("u{i}"), f, c) } else { right.add(&format!("u{i}"), f, c) };
            }
            left.absorb(&right);
            prop_assert_eq!(&left, &whole);
            prop_assert_eq!(&consolidate(form, built.iter().map(|(_, f)| f)), whole.sums());
        }
    }
}
