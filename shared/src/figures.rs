//! A report's numbers as a dense vector laid out by its form, the sums of many reports,
//! and the totals computed from either.
//!
//! Consolidating a national campaign adds up 100,000 reports, so the hot path is one
//! slice per report added element-wise; codes are resolved once, when the report's
//! [`Content`] is turned into [`Figures`].
//!
//! A report holds `u64` values within its form's bounds; a sum of reports ([`Sums`]) and
//! every total row are `u128`. Adding `u64` values into a `u128` cannot overflow before
//! 2^64 of them have been added, so consolidating, exporting and showing stored reports
//! can never fail on their numbers, whatever those numbers are: overflow is ruled out
//! by the types, not checked for.

use crate::code::Code;
use crate::content::{Content, NumberCell, TextField};
use crate::form::{Column, FormDef, RowKind};
use crate::number::format_number;
use crate::wire::RefusalCode;

/// The typed numbers of one report, one slot per typed cell of its form. Blank cells
/// count as zero here; the [`Content`] keeps the difference.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Figures {
    values: Box<[u64]>,
}

/// A cell of the content that its form does not have, or has in another shape, or a
/// value past its bound. An API client can send these; the app cannot.
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
    #[error("Dòng {}, {}: số quá lớn (tối đa {}).", .cell.code, column_label(.cell.column), format_number(*.max))]
    AboveBound { cell: NumberCell, max: u64 },
}

/// How a column is named in messages.
fn column_label(column: Column) -> &'static str {
    match column {
        Column::Count => "Số lớp/số cuộc thi",
        Column::Persons => "Số người",
    }
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
            ContentError::AboveBound { .. } => RefusalCode::AboveBound,
        }
    }

    /// The row or section item it is about.
    pub fn row(&self) -> &Code {
        match self {
            ContentError::UnknownCode(c)
            | ContentError::PersonsNotAllowed(c)
            | ContentError::NotTyped(c)
            | ContentError::NoTextHere(c)
            | ContentError::TextTooLong { code: c, .. } => c,
            ContentError::AboveBound { cell, .. } => &cell.code,
        }
    }
}

/// Longest note or narrative text, in characters: a few pages, enough for any report.
pub const MAX_TEXT_CHARS: usize = 20_000;

impl Figures {
    /// All zero: a report with nothing typed.
    pub fn zero(form: &FormDef) -> Figures {
        Figures {
            values: vec![0; form.slot_count()].into_boxed_slice(),
        }
    }

    /// Resolves content against its form. Refuses any cell the form does not have in
    /// that shape, and any value past its bound, so what passes here is exactly what
    /// the form can hold.
    pub fn from_content(form: &FormDef, content: &Content) -> Result<Figures, ContentError> {
        Figures::resolve(form, content, true)
    }

    /// [`Figures::from_content`] for a content already stored: its shape is checked, its
    /// bounds are not. What was stored before a bound existed (or under a looser one) is
    /// still counted as it is, so no stored report can stop its unit's counting or review.
    pub fn from_stored(form: &FormDef, content: &Content) -> Result<Figures, ContentError> {
        Figures::resolve(form, content, false)
    }

    fn resolve(form: &FormDef, content: &Content, bounded: bool) -> Result<Figures, ContentError> {
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
            let max = form.bound(row_index, cell.column);
            if bounded && value > max {
                return Err(ContentError::AboveBound {
                    cell: cell.clone(),
                    max,
                });
            }
            figures.values[slot] = value;
        }
        Ok(figures)
    }

    /// A stored report's numbers laid out by `form`, the form its totals are kept by:
    /// its own version's, or another version of its campaign (a draft kept on the
    /// version it was started on after the next was published, a school's report on the
    /// national form under a province with its own rows). Cells `form` does not type are
    /// left out; the report keeps them. Its content passed its own form's checks when it
    /// was pushed; bounds are not checked again, so what was stored before a bound
    /// existed is still counted, and sums of it still cannot overflow.
    pub fn laid_out(form: &FormDef, content: &Content) -> Figures {
        let mut figures = Figures::zero(form);
        for (cell, &value) in &content.numbers {
            if let Some(slot) = form
                .row_index(&cell.code)
                .and_then(|row| form.slot(row, cell.column))
            {
                figures.values[slot] = value;
            }
        }
        figures
    }

    /// A stored report's numbers laid out by `layout`, the report being on `own`: as
    /// [`Figures::laid_out`], with the rows of `layout` that are not the report's
    /// ([`FormDef::foreign_rows`]) left blank.
    pub fn laid_out_from(layout: &FormDef, own: &FormDef, content: &Content) -> Figures {
        let mut figures = Figures::laid_out(layout, content);
        figures.clear_rows(layout, &layout.foreign_rows(own));
        figures
    }

    /// Blanks the slots of these rows of `form`.
    pub fn clear_rows(&mut self, form: &FormDef, rows: &[usize]) {
        for &row in rows {
            for column in [Column::Count, Column::Persons] {
                if let Some(slot) = form.slot(row, column) {
                    self.values[slot] = 0;
                }
            }
        }
    }

    /// Reads the numbers of a stored content (`{"numbers": {"1.3/count": 12, …},
    /// "texts": {…}}`) straight into figures laid out by `form`, skipping the texts
    /// unparsed: the same figures as [`Figures::laid_out`], without building the
    /// `Content` first. Recomputing a national campaign reads 100,000 of them. Cells
    /// `form` does not type are skipped; anything that is not a content is refused.
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

    /// The typed value of a row's column (zero when blank), or `None` when the row does
    /// not take that column.
    pub fn value(&self, form: &FormDef, row: usize, column: Column) -> Option<u64> {
        form.slot(row, column).map(|s| self.values[s])
    }

    /// What a unit of `kind` contributes up the tree: its figures, less its "yes" on the
    /// yes/no rows that do not count units of its kind (a ward's own "yes" in 7.2, which
    /// counts education institutions). Its own report keeps what it answered.
    pub fn counted_for(mut self, form: &FormDef, kind: Option<&crate::tree::KindDef>) -> Figures {
        for (i, row) in form.rows().iter().enumerate() {
            if !row.counts_unit(kind)
                && let Some(slot) = form.slot(i, Column::Count)
            {
                self.values[slot] = 0;
            }
        }
        self
    }
}

/// The sums of any number of reports of one form, slot by slot, in `u128`: each report
/// adds `u64` values, so 2^64 reports would be needed to overflow one.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Sums {
    values: Box<[u128]>,
}

impl Sums {
    /// All zero: the starting point of a consolidation.
    pub fn zero(form: &FormDef) -> Sums {
        Sums {
            values: vec![0; form.slot_count()].into_boxed_slice(),
        }
    }

    /// Adds one report. Cannot overflow (see the type).
    pub fn add(&mut self, figures: &Figures) {
        for (s, v) in self.values.iter_mut().zip(figures.values.iter()) {
            *s += u128::from(*v);
        }
    }

    /// Adds another sum of the same form (a child subtree). Two sums each of fewer than
    /// 2^63 reports cannot reach `u128::MAX`; the addition saturates rather than wrap
    /// should that ever not hold.
    pub fn absorb(&mut self, other: &Sums) {
        for (s, v) in self.values.iter_mut().zip(other.values.iter()) {
            *s = s.saturating_add(*v);
        }
    }

    /// Replaces one report's `old` figures by its `new` ones: `self - old + new`, slot by
    /// slot. This is how a consolidation follows one report's change without adding
    /// everything up again. A sum that does not hold `old` (it cannot, unless stored sums
    /// were altered by hand) stops at zero rather than refusing every later change; a
    /// recomputation puts it right.
    pub fn replace(&mut self, old: &Figures, new: &Figures) {
        for ((s, o), n) in self
            .values
            .iter_mut()
            .zip(old.values.iter())
            .zip(new.values.iter())
        {
            *s = s.saturating_sub(u128::from(*o)) + u128::from(*n);
        }
    }

    /// Replaces a whole `old` sum by a `new` one (a child's accepted package by its next
    /// one), saturating as [`Sums::replace`] does.
    pub fn replace_sum(&mut self, old: &Sums, new: &Sums) {
        for ((s, o), n) in self
            .values
            .iter_mut()
            .zip(old.values.iter())
            .zip(new.values.iter())
        {
            *s = s.saturating_sub(*o).saturating_add(*n);
        }
    }

    /// The raw slots, in the form's layout.
    pub fn as_slice(&self) -> &[u128] {
        &self.values
    }

    /// Sums read back from their slots (stored, or sent over the wire). `None` when the
    /// number of slots is not the form's.
    pub fn from_slots(form: &FormDef, slots: Vec<u128>) -> Option<Sums> {
        (slots.len() == form.slot_count()).then(|| Sums {
            values: slots.into_boxed_slice(),
        })
    }

    /// Sums laid out by another form of the same national version (a province's, or the
    /// national one) read by `form`: every such layout begins with the same shared slots
    /// ([`FormDef::shared_slot_count`]), so the slots past `form`'s are another
    /// province's own rows (dropped) and those `form` has beyond the stored ones are its
    /// own rows, which the stored sum did not count (zero).
    pub fn from_shared_slots(form: &FormDef, mut slots: Vec<u128>) -> Sums {
        slots.resize(form.slot_count(), 0);
        Sums {
            values: slots.into_boxed_slice(),
        }
    }

    /// Keeps the shared rows only, as the national form `form` extends lays them out:
    /// what of a province's sum reaches the units above the province.
    pub fn keep_shared(&mut self, form: &FormDef) {
        let n = form.shared_slot_count();
        if self.values.len() > n {
            self.values = self.values[..n].into();
        }
    }

    /// The sum of a row's column, or `None` when the row does not take that column.
    pub fn value(&self, form: &FormDef, row: usize, column: Column) -> Option<u128> {
        form.slot(row, column)
            .and_then(|s| self.values.get(s).copied())
    }
}

impl From<&Figures> for Sums {
    fn from(figures: &Figures) -> Sums {
        Sums {
            values: figures.values.iter().map(|&v| u128::from(v)).collect(),
        }
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
    values: Vec<[Option<u128>; 2]>,
}

impl Totals {
    /// Computes every total row of `form` from a consolidation's sums. A total adds a
    /// few dozen slots, each below 2^64 times the number of reports: it cannot come near
    /// `u128::MAX` (the addition saturates should it ever).
    pub fn compute(form: &FormDef, sums: &Sums) -> Totals {
        let mut values = vec![[None; 2]; form.rows().len()];
        for (i, row) in form.rows().iter().enumerate() {
            let RowKind::Total { of, columns, .. } = &row.kind else {
                continue;
            };
            for &column in columns {
                let sum = of
                    .iter()
                    .filter_map(|&child| sums.value(form, child, column))
                    .fold(0u128, u128::saturating_add);
                values[i][column as usize] = Some(sum);
            }
        }
        Totals { values }
    }

    /// The total rows of one report.
    pub fn of_report(form: &FormDef, figures: &Figures) -> Totals {
        Totals::compute(form, &Sums::from(figures))
    }

    /// The total shown in a row's column, if that row is a total of that column.
    pub fn get(&self, row: usize, column: Column) -> Option<u128> {
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
                match slot {
                    Some(slot) => self.figures.values[slot] = map.next_value()?,
                    None => {
                        map.next_value::<u64>()?;
                    }
                }
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
        type Value = Option<usize>;

        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
            d.deserialize_str(self)
        }
    }

    /// The slot of a cell key, `None` for a cell the form does not type (another
    /// version's); a key that names no cell at all is refused.
    impl<'de> Visitor<'de> for SlotOf<'_> {
        type Value = Option<usize>;

        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a cell key (`code/count` or `code/persons`)")
        }

        fn visit_str<E: Error>(self, key: &str) -> Result<Option<usize>, E> {
            match self.0.slot_of_key(key) {
                Some(slot) => Ok(Some(slot)),
                None if key.ends_with("/count") || key.ends_with("/persons") => Ok(None),
                None => Err(E::custom(format_args!("{key} is not a cell key"))),
            }
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
            Some(900_000_000_000),
        );
        c.set_number(
            NumberCell::new(code("10.2"), Column::Count),
            Some(2_000_000),
        );
        let t = Totals::of_report(f, &Figures::from_content(f, &c).expect("valid"));
        let row = |s: &str| f.row_index(&code(s)).expect("row");
        assert_eq!(t.get(row("5"), Column::Count), Some(3));
        assert_eq!(t.get(row("5"), Column::Persons), Some(120));
        assert_eq!(t.get(row("10"), Column::Count), Some(900_002_000_000));
        assert_eq!(t.get(row("1"), Column::Count), Some(0));
        assert_eq!(t.get(row("1"), Column::Persons), None);
        assert_eq!(t.get(row("1.p"), Column::Persons), Some(0));
        assert_eq!(t.get(row("5.1"), Column::Count), None);
    }

    #[test]
    fn a_value_past_its_bound_is_refused_with_its_row() {
        let f = form();
        let bounds = f.bounds();
        for (cell, max) in [
            ("10.1", bounds.money),
            ("2", bounds.count),
            ("1.3", bounds.count),
        ] {
            let cell = NumberCell::new(code(cell), Column::Count);
            let mut c = Content::default();
            c.set_number(cell.clone(), Some(max));
            assert!(
                Figures::from_content(f, &c).is_ok(),
                "{cell:?} at its bound"
            );
            c.set_number(cell.clone(), Some(max + 1));
            let e = Figures::from_content(f, &c).expect_err("past the bound");
            assert_eq!(
                e,
                ContentError::AboveBound {
                    cell: cell.clone(),
                    max
                }
            );
            assert_eq!(e.code(), RefusalCode::AboveBound);
            assert!(
                e.to_string().starts_with(&format!("Dòng {}", cell.code)),
                "{e}"
            );
        }
        let persons = NumberCell::new(code("1.3"), Column::Persons);
        let mut c = Content::default();
        c.set_number(persons.clone(), Some(u64::MAX));
        assert_eq!(
            Figures::from_content(f, &c),
            Err(ContentError::AboveBound {
                cell: persons,
                max: bounds.persons
            })
        );
    }

    #[test]
    fn the_device_parses_a_cell_with_the_same_bound() {
        let f = form();
        let money = NumberCell::new(code("10.1"), Column::Count);
        assert_eq!(
            f.parse_cell(&money, "1.000.000.000.000"),
            Ok(Some(f.bounds().money))
        );
        let e = f.parse_cell(&money, "1.000.000.000.001").expect_err("past");
        assert_eq!(
            e.to_string(),
            "Số quá lớn: ô này nhận tối đa 1.000.000.000.000."
        );
        let count = NumberCell::new(code("2"), Column::Count);
        assert!(f.parse_cell(&count, "10.000.001").is_err());
        assert_eq!(f.parse_cell(&count, ""), Ok(None));
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
        let mut sum = Sums::zero(f);
        sum.add(&fa);
        sum.replace(&fa, &fb);
        assert_eq!(sum, Sums::from(&fb));
        assert_eq!(
            Sums::from_slots(f, sum.as_slice().to_vec()),
            Some(sum.clone())
        );
        assert_eq!(Sums::from_slots(f, vec![1, 2]), None);
    }

    proptest! {
        #[test]
        fn totals_always_equal_the_sum_of_their_children(values in proptest::collection::vec(0u64..10_000_000, 64)) {
            let f = form();
            let mut c = Content::default();
            let mut k = 0;
            for (i, row) in f.rows().iter().enumerate() {
                for column in Column::ALL {
                    if row.accepts(column) {
                        let value = values[k % values.len()].min(f.bound(i, column));
                        c.set_number(NumberCell::new(row.code.clone(), column), Some(value));
                        k += 1;
                    }
                }
            }
            let figures = Figures::from_content(f, &c).expect("valid");
            let totals = Totals::of_report(f, &figures);
            for (i, row) in f.rows().iter().enumerate() {
                if let RowKind::Total { of, columns, .. } = &row.kind {
                    for &column in columns {
                        let expected: u128 = of.iter().filter_map(|&ch| c.number(&f.rows()[ch].code, column)).map(u128::from).sum();
                        prop_assert_eq!(totals.get(i, column), Some(expected));
                    }
                }
            }
        }
    }

    /// A yes is 1 and counts only where its row counts the unit's kind; more than 1 is
    /// refused.
    #[test]
    fn a_yes_counts_only_for_the_kinds_its_row_counts() {
        let f = form();
        let kinds = crate::tree::Kinds::builtin();
        let cell = |c: &str| NumberCell::new(c.parse().expect("code"), Column::Count);
        let mut c = Content::default();
        c.set_number(cell("7.1"), Some(1));
        c.set_number(cell("7.2"), Some(1));
        c.set_number(cell("8"), Some(4));
        let figures = Figures::from_content(f, &c).expect("valid");
        let at = |figures: &Figures, code: &str| {
            let row = f.row_index(&code.parse().expect("code")).expect("row");
            figures.value(f, row, Column::Count)
        };
        let ward = figures.clone().counted_for(f, kinds.get("xa_phuong"));
        assert_eq!(
            (at(&ward, "7.1"), at(&ward, "7.2"), at(&ward, "8")),
            (Some(1), Some(0), Some(4))
        );
        let school = figures.clone().counted_for(f, kinds.get("truong_thcs"));
        assert_eq!((at(&school, "7.1"), at(&school, "7.2")), (Some(0), Some(1)));
        let unknown = figures.counted_for(f, None);
        assert_eq!(
            (at(&unknown, "7.1"), at(&unknown, "7.2"), at(&unknown, "8")),
            (Some(0), Some(0), Some(4))
        );
        c.set_number(cell("7.2"), Some(2));
        assert!(matches!(
            Figures::from_content(f, &c),
            Err(ContentError::AboveBound { max: 1, .. })
        ));
    }

    fn content_with(form: &FormDef, row: &str, value: u64) -> Content {
        let mut c = Content::default();
        c.set_number(
            crate::NumberCell::new(code(row), Column::Count),
            Some(value),
        );
        assert!(Figures::from_content(form, &c).is_ok());
        c
    }

    #[test]
    fn numbers_read_from_stored_json_equal_those_of_the_content() {
        let form = builtin("2025").expect("form");
        let mut content = Content::default();
        for (i, row) in form.rows().iter().enumerate() {
            for col in Column::ALL {
                if row.accepts(col) {
                    let cell = crate::NumberCell::new(row.code.clone(), col);
                    content.set_number(cell, Some((i as u64 * 7 + 1).min(form.bound(i, col))));
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
        // A cell of another version of the form is left out, not refused.
        assert_eq!(
            Figures::from_content_json(form, r#"{"numbers": {"9.9/count": 1, "1.1/count": 4}}"#)
                .expect("other version"),
            Figures::laid_out(form, &content_with(form, "1.1", 4)),
        );
        for bad in [
            r#"{"numbers": {"9.9": 1}}"#,
            r#"{"numbers": {"9.9/count": -1}}"#,
            r#"{"numbers": {"1.1/count": -1}}"#,
            r#"{"numbers": {"1.1/count": 1}"#,
            "[]",
        ] {
            assert!(Figures::from_content_json(form, bad).is_err(), "{bad}");
        }
    }
}
