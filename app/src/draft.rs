//! The state of a report being typed, independent of any widget.
//!
//! Numbers are kept as the raw text the person typed, so a wrong value stays on screen
//! (and, with the storage of a later step, on the device) until it is corrected: nothing
//! typed is dropped because it does not parse. What does parse becomes a [`Content`],
//! from which the shared code computes totals and issues.

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tuanle_shared::content::CellValue;
use tuanle_shared::number::{NumberError, format_number, parse_cell};
use tuanle_shared::{Cell, Column, Content, FormDef, NumberCell, TextCell};

/// Raw inputs of one report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    #[serde(default)]
    pub numbers: BTreeMap<NumberCell, String>,
    #[serde(default)]
    pub texts: BTreeMap<TextCell, String>,
}

impl Draft {
    /// The draft showing exactly `content`, numbers with Vietnamese grouping.
    pub fn from_content(content: &Content) -> Draft {
        let mut draft = Draft::default();
        for cell in content
            .numbers
            .keys()
            .cloned()
            .map(Cell::Number)
            .chain(content.texts.keys().cloned().map(Cell::Text))
        {
            draft.set(&cell, content.get(&cell));
        }
        draft
    }

    /// Sets one cell to a value (or blanks it).
    pub fn set(&mut self, cell: &Cell, value: Option<CellValue>) {
        match (cell, value) {
            (Cell::Number(c), Some(CellValue::Number(v))) => {
                self.numbers.insert(c.clone(), format_number(v));
            }
            (Cell::Text(c), Some(CellValue::Text(t))) => {
                self.texts.insert(c.clone(), t);
            }
            (Cell::Number(c), _) => {
                self.numbers.remove(c);
            }
            (Cell::Text(c), _) => {
                self.texts.remove(c);
            }
        }
    }

    /// What this draft sends: every cell that parses within its bound, and for a cell
    /// that does not, the value of `base`. A half-typed `12a` or a number past the cell's
    /// bound neither erases the server's value nor is sent.
    pub fn content_over(&self, form: &FormDef, base: &Content) -> Content {
        let mut content = self.content(form);
        for cell in self
            .numbers
            .keys()
            .filter(|c| self.error(form, c).is_some())
        {
            content.set_number(cell.clone(), base.numbers.get(cell).copied());
        }
        content
    }

    /// What the typed numbers and texts parse to. Cells that do not parse, or parse past
    /// their bound, are left out (their errors are shown under them, see [`Draft::error`]).
    pub fn content(&self, form: &FormDef) -> Content {
        let mut content = Content::default();
        for (cell, raw) in &self.numbers {
            if let Ok(Some(v)) = form.parse_cell(cell, raw) {
                content.set_number(cell.clone(), Some(v));
            }
        }
        // Texts are sent in NFC (see `tuanle_shared::text`), but the draft keeps what is
        // on screen: rewriting an input while it is typed in would move its cursor.
        for (cell, text) in &self.texts {
            content.set_text(cell.clone(), nfc(text.trim_end()).into_owned());
        }
        content
    }

    /// The parse error of a number cell, if its text is not a whole number ≥ 0 within
    /// the cell's bound (the same rule the server applies to a push).
    pub fn error(&self, form: &FormDef, cell: &NumberCell) -> Option<NumberError> {
        self.numbers
            .get(cell)
            .and_then(|raw| form.parse_cell(cell, raw).err())
    }

    /// The form's cells whose text does not parse, in form order (walked row by row
    /// rather than sorted: a sort of cells would cost the bundle a few kilobytes).
    pub fn invalid_cells(&self, form: &FormDef) -> Vec<NumberCell> {
        form.rows()
            .iter()
            .flat_map(|row| Column::ALL.map(|column| NumberCell::new(row.code.clone(), column)))
            .filter(|c| self.error(form, c).is_some())
            .collect()
    }
}

/// `text` in NFC, as `tuanle_shared::text::nfc` gives it (the server normalizes with that
/// one). In the browser it is the browser's own `String.prototype.normalize`, the same
/// Unicode NFC without the normalization tables in the bundle (~60 KB of gzip, for what
/// every reporter downloads on one bar of signal); natively (the tests), the shared one.
pub fn nfc(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return Cow::Borrowed(text);
    }
    #[cfg(target_arch = "wasm32")]
    {
        let normal: String = js_sys::JsString::from(text).normalize("NFC").into();
        if normal == text {
            Cow::Borrowed(text)
        } else {
            Cow::Owned(normal)
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        tuanle_shared::text::nfc(text)
    }
}

/// How a typed number is shown once the person leaves the cell: with Vietnamese
/// grouping when it parses, exactly as typed when it does not.
pub fn normalized(raw: &str) -> String {
    match parse_cell(raw) {
        Ok(Some(v)) => format_number(v),
        Ok(None) => String::new(),
        Err(_) => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuanle_shared::form::Column;

    fn form() -> &'static tuanle_shared::FormDef {
        tuanle_shared::form::builtin("2025").expect("the 2025 form")
    }

    fn cell(code: &str, column: Column) -> NumberCell {
        NumberCell::new(code.parse().expect("code"), column)
    }

    #[test]
    fn a_wrong_value_is_kept_as_typed_and_left_out_of_the_content() {
        let mut d = Draft::default();
        d.numbers
            .insert(cell("1.1", Column::Count), "1.234a".into());
        d.numbers.insert(cell("1.2", Column::Count), "1.234".into());
        assert_eq!(
            d.error(form(), &cell("1.1", Column::Count)),
            Some(NumberError::NotADigit('a'))
        );
        assert_eq!(
            d.content(form())
                .number(&"1.2".parse().expect("code"), Column::Count),
            Some(1234)
        );
        assert_eq!(d.content(form()).numbers.len(), 1);
        assert_eq!(d.invalid_cells(form()), [cell("1.1", Column::Count)]);
    }

    #[test]
    fn decomposed_text_stays_on_screen_and_is_sent_precomposed() {
        let cell = TextCell::text("II.2".parse().expect("code"));
        let mut d = Draft::default();
        let typed = "Thie\u{302}\u{301}u kinh phi\u{301} ";
        d.texts.insert(cell.clone(), typed.into());
        assert_eq!(d.content(form()).text(&cell), Some("Thiếu kinh phí"));
        assert_eq!(d.texts[&cell], typed, "the input's text is not rewritten");
    }

    #[test]
    fn a_number_past_its_bound_is_flagged_and_never_sent() {
        let mut base = Content::default();
        let money = cell("10.1", Column::Count);
        base.set_number(money.clone(), Some(5_000_000));
        let mut d = Draft::from_content(&base);
        d.numbers
            .insert(money.clone(), "18.446.744.073.709.551.615".into());
        assert_eq!(
            d.error(form(), &money),
            Some(NumberError::AboveBound {
                max: form().bounds().money
            })
        );
        assert_eq!(
            d.content_over(form(), &base),
            base,
            "the server's value stays"
        );
        assert_eq!(d.invalid_cells(form()), std::slice::from_ref(&money));
        d.numbers.insert(money.clone(), "1.000.000.000.000".into());
        assert_eq!(d.error(form(), &money), None, "the bound itself is fine");
    }

    #[test]
    fn a_wrong_value_does_not_erase_the_server_value() {
        let mut base = Content::default();
        base.set_number(cell("2", Column::Count), Some(7));
        let mut d = Draft::from_content(&base);
        assert_eq!(d.content_over(form(), &base), base);
        d.numbers.insert(cell("2", Column::Count), "7x".into());
        assert_eq!(d.content_over(form(), &base), base);
        d.numbers.insert(cell("2", Column::Count), "".into());
        assert!(
            d.content_over(form(), &base).is_empty(),
            "blanking a cell is an edit"
        );
    }

    #[test]
    fn leaving_a_cell_shows_grouping_but_never_rewrites_a_mistake() {
        assert_eq!(normalized("1234567"), "1.234.567");
        assert_eq!(normalized(" "), "");
        assert_eq!(normalized("12a"), "12a");
    }
}
