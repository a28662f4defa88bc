//! A report's numbers as a dense vector laid out by its form, and the totals computed
//! from it.
//!
//! Consolidating a national campaign adds up 100,000 reports, so the hot path is one
//! slice of `u64` per report added element-wise; codes are resolved once, when the
//! report's [`Content`] is turned into [`Figures`]. Every sum is checked: an overflow is
//! an error, never a wrapped number.

use crate::code::Code;
use crate::content::{Content, TextField};
use crate::form::{Column, FormDef, RowKind};
use crate::wire::RefusalCode;

/// The typed numbers of one report (or of a consolidation), one slot per typed cell of
/// its form. Blank cells count as zero here; the [`Content`] keeps the difference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Figures {
    values: Box<[u64]>,
}

/// A cell of the content that its form does not have, or has in another shape. An API
/// client can send these; the app cannot.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContentError {
    #[error("Mẫu không có dòng “{0}”.")]
    UnknownCode(Code),
    #[error("Dòng {0} không có cột Số người (đơn vị không có “/người”).")]
    PersonsNotAllowed(Code),
    #[error("Dòng {0} không nhập số (dòng tổng được tính tự động).")]
    NotTyped(Code),
    #[error("Mục {0} không nhập chữ ở đây.")]
    NoTextHere(Code),
    #[error("Nội dung mục {code} quá dài (tối đa {max} ký tự).")]
    TextTooLong { code: Code, max: usize },
}

impl ContentError {
    /// The refusal of a push that carries it.
    pub fn code(&self) -> RefusalCode {
        match self {
            ContentError::UnknownCode(_) => RefusalCode::UnknownCode,
            ContentError::PersonsNotAllowed(_) => RefusalCode::PersonsNotAllowed,
            ContentError::NotTyped(_) => RefusalCode::NotTyped,
            ContentError::NoTextHere(_) => RefusalCode::NoTextHere,
            ContentError::TextTooLong { .. } => RefusalCode::TextTooLong,
        }
    }
}

/// A sum went past `u64::MAX`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Tổng dòng {code} vượt quá giới hạn số.")]
pub struct Overflow {
    pub code: Code,
    pub column: Column,
}

impl Overflow {
    /// The overflow of a figure slot, named by its row and column. Slots are laid out in
    /// form order, so the first overflowing slot is the first overflowing row.
    fn at(form: &FormDef, slot: usize) -> Overflow {
        form.rows()
            .iter()
            .enumerate()
            .find_map(|(r, row)| {
                Column::ALL
                    .into_iter()
                    .find(|c| form.slot(r, *c) == Some(slot))
                    .map(|column| Overflow {
                        code: row.code.clone(),
                        column,
                    })
            })
            .unwrap_or_else(|| Overflow {
                code: form
                    .rows()
                    .first()
                    .map_or_else(|| "0".parse().expect("valid code"), |r| r.code.clone()),
                column: Column::Count,
            })
    }
}

/// Longest note or narrative text, in characters: a few pages, enough for any report.
pub const MAX_TEXT_CHARS: usize = 20_000;

impl Figures {
    /// All zero: the starting point of a consolidation.
    pub fn zero(form: &FormDef) -> Figures {
        Figures {
            values: vec![0; form.slot_count()].into_boxed_slice(),
        }
    }

    /// Resolves content against its form. Refuses any cell the form does not have in
    /// that shape, so what passes here is exactly what the form can hold.
    pub fn from_content(form: &FormDef, content: &Content) -> Result<Figures, ContentError> {
        check_texts(form, content)?;
        let mut figures = Figures::zero(form);
        for (cell, &value) in &content.numbers {
            let row_index = form.row_index(&cell.code).ok_or_else(|| {
                if form.section_item(&cell.code).is_some() {
                    ContentError::NotTyped(cell.code.clone())
                } else {
                    ContentError::UnknownCode(cell.code.clone())
                }
            })?;
            let slot = form.slot(row_index, cell.column).ok_or_else(|| {
                let row = &form.rows()[row_index];
                match cell.column {
                    Column::Persons if row.accepts(Column::Count) => {
                        ContentError::PersonsNotAllowed(cell.code.clone())
                    }
                    _ => ContentError::NotTyped(cell.code.clone()),
                }
            })?;
            figures.values[slot] = value;
        }
        Ok(figures)
    }

    /// Reads the numbers of a stored content (`{"numbers": {"1.3/count": 12, …},
    /// "texts": {…}}`) straight into figures, skipping the texts unparsed and refusing
    /// any number the form does not type: the same figures as [`Figures::from_content`],
    /// without building the `Content` first. Recomputing a national campaign reads
    /// 100,000 of them.
    pub fn from_content_json(form: &FormDef, json: &str) -> Result<Figures, serde_json::Error> {
        use serde::de::DeserializeSeed;
        let mut figures = Figures::zero(form);
        let mut de = serde_json::Deserializer::from_str(json);
        numbers_json::Content {
            form,
            figures: &mut figures,
        }
        .deserialize(&mut de)?;
        de.end()?;
        Ok(figures)
    }

    /// The raw slots, in the form's layout.
    pub fn as_slice(&self) -> &[u64] {
        &self.values
    }

    /// Figures read back from their slots (stored, or sent over the wire). `None` when
    /// the number of slots is not the form's.
    pub fn from_slots(form: &FormDef, slots: Vec<u64>) -> Option<Figures> {
        (slots.len() == form.slot_count()).then(|| Figures {
            values: slots.into_boxed_slice(),
        })
    }

    /// Replaces `old` by `new` in a sum: `self - old + new`, slot by slot. This is how a
    /// consolidation follows one report's change without adding everything up again.
    /// Fails, changing nothing, when `old` was not part of the sum or the result overflows.
    pub fn checked_replace(
        &mut self,
        form: &FormDef,
        old: &Figures,
        new: &Figures,
    ) -> Result<(), Overflow> {
        let mut out = Vec::with_capacity(self.values.len());
        for (i, ((s, o), n)) in self
            .values
            .iter()
            .zip(old.values.iter())
            .zip(new.values.iter())
            .enumerate()
        {
            match s.checked_sub(*o).and_then(|v| v.checked_add(*n)) {
                Some(v) => out.push(v),
                None => return Err(Overflow::at(form, i)),
            }
        }
        self.values = out.into_boxed_slice();
        Ok(())
    }

    /// The typed value of a row's column (zero when blank), or `None` when the row does
    /// not take that column.
    pub fn value(&self, form: &FormDef, row: usize, column: Column) -> Option<u64> {
        form.slot(row, column).map(|s| self.values[s])
    }

    /// Adds `other` slot by slot. On overflow nothing is changed and the first
    /// overflowing slot is named.
    pub fn checked_add_assign(&mut self, form: &FormDef, other: &Figures) -> Result<(), Overflow> {
        let mut overflowed = false;
        let sums: Vec<u64> = self
            .values
            .iter()
            .zip(other.values.iter())
            .map(|(a, b)| {
                let (s, o) = a.overflowing_add(*b);
                overflowed |= o;
                s
            })
            .collect();
        if overflowed {
            return Err(self.first_overflow(form, other));
        }
        self.values.copy_from_slice(&sums);
        Ok(())
    }

    /// Adds `other` in place; the caller has made sure no slot can overflow.
    /// Kept separate so the hot loop of a consolidation vectorises.
    pub(crate) fn add_in_place(&mut self, other: &Figures) -> bool {
        let mut overflowed = false;
        for (a, b) in self.values.iter_mut().zip(other.values.iter()) {
            let (s, o) = a.overflowing_add(*b);
            *a = s;
            overflowed |= o;
        }
        overflowed
    }

    /// After `add_in_place` reported an overflow: the slot that wrapped is the one
    /// whose sum is now below the addend.
    pub(crate) fn wrapped_slot(&self, form: &FormDef, addend: &Figures) -> Overflow {
        let slot = self
            .values
            .iter()
            .zip(addend.values.iter())
            .position(|(s, a)| s < a);
        Overflow::at(form, slot.unwrap_or(0))
    }

    /// The first slot (in form order) where adding `other` would overflow.
    pub(crate) fn first_overflow(&self, form: &FormDef, other: &Figures) -> Overflow {
        let slot = self
            .values
            .iter()
            .zip(other.values.iter())
            .position(|(a, b)| a.checked_add(*b).is_none());
        Overflow::at(form, slot.unwrap_or(0))
    }
}

fn check_texts(form: &FormDef, content: &Content) -> Result<(), ContentError> {
    for (cell, text) in &content.texts {
        let allowed = match (cell.field, form.row(&cell.code)) {
            (TextField::Note, Some(row)) => row.accepts_note(),
            (TextField::Text, Some(row)) => matches!(row.kind, RowKind::Text),
            (TextField::Text, None) => form
                .section_item(&cell.code)
                .is_some_and(|i| i.kind == crate::form::ItemKind::Text),
            (TextField::Note, None) => false,
        };
        if !allowed {
            return Err(
                if form.row(&cell.code).is_none() && form.section_item(&cell.code).is_none() {
                    ContentError::UnknownCode(cell.code.clone())
                } else {
                    ContentError::NoTextHere(cell.code.clone())
                },
            );
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            return Err(ContentError::TextTooLong {
                code: cell.code.clone(),
                max: MAX_TEXT_CHARS,
            });
        }
    }
    Ok(())
}

/// The computed rows of one report or consolidation: per row, per column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Totals {
    values: Vec<[Option<u64>; 2]>,
}

impl Totals {
    /// Computes every total row of `form` from `figures`.
    pub fn compute(form: &FormDef, figures: &Figures) -> Result<Totals, Overflow> {
        let mut values = vec![[None; 2]; form.rows().len()];
        for (i, row) in form.rows().iter().enumerate() {
            let RowKind::Total { of, columns, .. } = &row.kind else {
                continue;
            };
            for &column in columns {
                let mut sum = 0u64;
                for &child in of {
                    if let Some(v) = figures.value(form, child, column) {
                        sum = sum.checked_add(v).ok_or_else(|| Overflow {
                            code: row.code.clone(),
                            column,
                        })?;
                    }
                }
                values[i][column as usize] = Some(sum);
            }
        }
        Ok(Totals { values })
    }

    /// The total shown in a row's column, if that row is a total of that column.
    pub fn get(&self, row: usize, column: Column) -> Option<u64> {
        self.values.get(row).and_then(|v| v[column as usize])
    }
}

/// The visitors of [`Figures::from_content_json`]: keys become slots as they are read.
mod numbers_json {
    use std::fmt;

    use serde::de::{DeserializeSeed, Deserializer, Error, MapAccess, Visitor};

    use super::Figures;
    use crate::form::FormDef;

    pub(super) struct Into<'a> {
        pub form: &'a FormDef,
        pub figures: &'a mut Figures,
    }

    impl<'de> DeserializeSeed<'de> for Into<'_> {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for Into<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object of cells and whole numbers")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(slot) = map.next_key_seed(SlotOf(self.form))? {
                self.figures.values[slot] = map.next_value()?;
            }
            Ok(())
        }
    }

    /// A whole content: its `numbers` into the figures, anything else skipped.
    pub(super) struct Content<'a> {
        pub form: &'a FormDef,
        pub figures: &'a mut Figures,
    }

    impl<'de> DeserializeSeed<'de> for Content<'_> {
        type Value = ();

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
            d.deserialize_map(self)
        }
    }

    impl<'de> Visitor<'de> for Content<'_> {
        type Value = ();

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a report's content")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
            while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                if key == "numbers" {
                    map.next_value_seed(Into {
                        form: self.form,
                        figures: &mut *self.figures,
                    })?;
                } else {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
            Ok(())
        }
    }

    struct SlotOf<'a>(&'a FormDef);

    impl<'de> DeserializeSeed<'de> for SlotOf<'_> {
        type Value = usize;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<usize, D::Error> {
            d.deserialize_str(self)
        }
    }

    impl<'de> Visitor<'de> for SlotOf<'_> {
        type Value = usize;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a typed cell of the form")
        }

        fn visit_str<E: Error>(self, key: &str) -> Result<usize, E> {
            self.0.slot_of_key(key).ok_or_else(|| {
                E::custom(format_args!(
                    "{key} is not a typed cell of form {}",
                    self.0.version()
                ))
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{NumberCell, TextCell};
    use crate::form::builtin;
    use proptest::prelude::*;

    fn code(s: &str) -> Code {
        s.parse().expect("code")
    }

    fn form() -> &'static FormDef {
        builtin("2025").expect("2025")
    }

    #[test]
    fn persons_on_a_row_without_nguoi_are_refused() {
        let mut c = Content::default();
        c.set_number(NumberCell::new(code("2"), Column::Persons), Some(3));
        assert_eq!(
            Figures::from_content(form(), &c),
            Err(ContentError::PersonsNotAllowed(code("2")))
        );
    }

    #[test]
    fn a_total_cannot_be_typed() {
        let mut c = Content::default();
        c.set_number(NumberCell::new(code("1"), Column::Count), Some(3));
        assert_eq!(
            Figures::from_content(form(), &c),
            Err(ContentError::NotTyped(code("1")))
        );
    }

    #[test]
    fn unknown_rows_and_misplaced_texts_are_refused() {
        let mut c = Content::default();
        c.set_number(NumberCell::new(code("99"), Column::Count), Some(3));
        assert_eq!(
            Figures::from_content(form(), &c),
            Err(ContentError::UnknownCode(code("99")))
        );
        let mut c = Content::default();
        c.set_text(TextCell::text(code("1.3")), "x");
        assert_eq!(
            Figures::from_content(form(), &c),
            Err(ContentError::NoTextHere(code("1.3")))
        );
        let mut c = Content::default();
        c.set_text(TextCell::text(code("II.4")), "x");
        assert_eq!(
            Figures::from_content(form(), &c),
            Err(ContentError::NoTextHere(code("II.4")))
        );
        let mut c = Content::default();
        c.set_text(TextCell::text(code("I.1")), "x".repeat(MAX_TEXT_CHARS + 1));
        assert!(matches!(
            Figures::from_content(form(), &c),
            Err(ContentError::TextTooLong { .. })
        ));
    }

    #[test]
    fn totals_sum_their_children_per_column() {
        let f = form();
        let mut c = Content::default();
        c.set_number(NumberCell::new(code("5.1"), Column::Count), Some(2));
        c.set_number(NumberCell::new(code("5.3"), Column::Count), Some(1));
        c.set_number(NumberCell::new(code("5.3"), Column::Persons), Some(120));
        c.set_number(
            NumberCell::new(code("10.1"), Column::Count),
            Some(1_500_000_000_000),
        );
        c.set_number(
            NumberCell::new(code("10.2"), Column::Count),
            Some(2_000_000),
        );
        let t =
            Totals::compute(f, &Figures::from_content(f, &c).expect("valid")).expect("no overflow");
        let row = |s: &str| f.row_index(&code(s)).expect("row");
        assert_eq!(t.get(row("5"), Column::Count), Some(3));
        assert_eq!(t.get(row("5"), Column::Persons), Some(120));
        assert_eq!(t.get(row("10"), Column::Count), Some(1_500_002_000_000));
        assert_eq!(t.get(row("1"), Column::Count), Some(0));
        assert_eq!(t.get(row("1"), Column::Persons), None);
        assert_eq!(t.get(row("1.p"), Column::Persons), Some(0));
        assert_eq!(t.get(row("5.1"), Column::Count), None);
    }

    #[test]
    fn an_overflowing_total_is_an_error_not_a_wrap() {
        let f = form();
        let mut c = Content::default();
        c.set_number(NumberCell::new(code("10.1"), Column::Count), Some(u64::MAX));
        c.set_number(NumberCell::new(code("10.2"), Column::Count), Some(1));
        let figures = Figures::from_content(f, &c).expect("valid");
        assert_eq!(
            Totals::compute(f, &figures),
            Err(Overflow {
                code: code("10"),
                column: Column::Count
            })
        );
        let mut sum = figures.clone();
        assert!(sum.checked_add_assign(f, &figures).is_err());
        assert_eq!(sum, figures, "a failed sum changes nothing");
    }

    #[test]
    fn replacing_a_report_in_a_sum_equals_summing_again() {
        let f = form();
        let mut a = Content::default();
        a.set_number(NumberCell::new(code("2"), Column::Count), Some(5));
        let mut b = Content::default();
        b.set_number(NumberCell::new(code("2"), Column::Count), Some(3));
        b.set_number(NumberCell::new(code("3"), Column::Count), Some(1));
        let (fa, fb) = (
            Figures::from_content(f, &a).expect("a"),
            Figures::from_content(f, &b).expect("b"),
        );
        let mut sum = Figures::zero(f);
        sum.checked_add_assign(f, &fa).expect("small");
        sum.checked_replace(f, &fa, &fb).expect("a was in the sum");
        assert_eq!(sum, fb);
        let before = sum.clone();
        assert!(
            sum.checked_replace(f, &fa, &fb).is_err(),
            "a is no longer in the sum"
        );
        assert_eq!(sum, before, "a failed replace changes nothing");
        assert_eq!(
            Figures::from_slots(f, sum.as_slice().to_vec()),
            Some(sum.clone())
        );
        assert_eq!(Figures::from_slots(f, vec![1, 2]), None);
    }

    proptest! {
        #[test]
        fn totals_always_equal_the_sum_of_their_children(values in proptest::collection::vec(0u64..1_000_000_000, 64)) {
            let f = form();
            let mut c = Content::default();
            let mut k = 0;
            for row in f.rows() {
                for column in Column::ALL {
                    if row.accepts(column) {
                        c.set_number(NumberCell::new(row.code.clone(), column), Some(values[k % values.len()]));
                        k += 1;
                    }
                }
            }
            let figures = Figures::from_content(f, &c).expect("valid");
            let totals = Totals::compute(f, &figures).expect("small values");
            for (i, row) in f.rows().iter().enumerate() {
                if let RowKind::Total { of, columns, .. } = &row.kind {
                    for &column in columns {
                        let expected: u64 = of.iter().filter_map(|&ch| c.number(&f.rows()[ch].code, column)).sum();
                        prop_assert_eq!(totals.get(i, column), Some(expected));
                    }
                }
            }
        }
    }

    #[test]
    fn numbers_read_from_stored_json_equal_those_of_the_content() {
        let form = builtin("2025").expect("form");
        let mut content = Content::default();
        for (i, row) in form.rows().iter().enumerate() {
            for col in Column::ALL {
                if row.accepts(col) {
                    let cell = crate::NumberCell::new(row.code.clone(), col);
                    content.set_number(cell, Some(i as u64 * 7 + 1));
                }
            }
        }
        content.set_text(
            crate::TextCell::text("I.1".parse().expect("code")),
            "văn bản",
        );
        let json = serde_json::to_string(&content).expect("json");
        let fast = Figures::from_content_json(form, &json).expect("fast");
        assert_eq!(fast, Figures::from_content(form, &content).expect("slow"));
        assert_eq!(
            Figures::from_content_json(form, "{}").expect("empty"),
            Figures::zero(form)
        );
        for bad in [
            r#"{"numbers": {"9.9/count": 1}}"#,
            r#"{"numbers": {"1.1/count": -1}}"#,
            r#"{"numbers": {"1.1/count": 1}"#,
            "[]",
        ] {
            assert!(Figures::from_content_json(form, bad).is_err(), "{bad}");
        }
    }
}
