//! What a user types into a report, cell by cell: the shape that is stored on the
//! device, sent in a push, kept in every server version, and merged.
//!
//! A cell is `("1.3", count)`, `("1.3", persons)`, `("1.3", note)` or `("I.2", text)`.
//! Totals are not cells: they are computed from cells, never stored. A blank cell is
//! absent, which is different from a typed `0`; an empty text is absent too.
//!
//! `Content` is form-agnostic so it can cross the wire; [`crate::Figures::from_content`]
//! and [`crate::validate`] check it against a form at the edge.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::code::Code;
use crate::form::Column;

/// A typed number: a row and one of its value columns.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumberCell {
    pub code: Code,
    pub column: Column,
}

/// Which free text of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TextField {
    /// "Ghi chú" of a row.
    Note,
    /// The text of a narrative item or of the text row 11.
    Text,
}

/// A typed text: a row's note, or a narrative item's text.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TextCell {
    pub code: Code,
    pub field: TextField,
}

/// Any cell of a report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cell {
    Number(NumberCell),
    Text(TextCell),
}

/// The value held in a cell: a JSON number or a JSON string.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum CellValue {
    Number(u64),
    Text(String),
}

/// Read by hand rather than derived `untagged`: the derive buffers the value in serde's
/// generic tree and tries each variant on it, code the app's bundle would carry for
/// this one type.
impl<'de> Deserialize<'de> for CellValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl serde::de::Visitor<'_> for Either {
            type Value = CellValue;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number of at least 0, or a text")
            }

            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<CellValue, E> {
                Ok(CellValue::Number(v))
            }

            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<CellValue, E> {
                u64::try_from(v)
                    .map(CellValue::Number)
                    .map_err(|_| E::invalid_value(serde::de::Unexpected::Signed(v), &self))
            }

            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<CellValue, E> {
                Ok(CellValue::Text(v.to_owned()))
            }

            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<CellValue, E> {
                Ok(CellValue::Text(v))
            }
        }
        d.deserialize_any(Either)
    }
}

impl NumberCell {
    pub fn new(code: Code, column: Column) -> Self {
        NumberCell { code, column }
    }
}

impl TextCell {
    pub fn note(code: Code) -> Self {
        TextCell {
            code,
            field: TextField::Note,
        }
    }

    pub fn text(code: Code) -> Self {
        TextCell {
            code,
            field: TextField::Text,
        }
    }
}

/// Everything typed in one report.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Content {
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub numbers: BTreeMap<NumberCell, u64>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub texts: BTreeMap<TextCell, String>,
}

impl Content {
    pub fn number(&self, code: &Code, column: Column) -> Option<u64> {
        self.numbers
            .get(&NumberCell::new(code.clone(), column))
            .copied()
    }

    pub fn text(&self, cell: &TextCell) -> Option<&str> {
        self.texts.get(cell).map(String::as_str)
    }

    /// Sets or clears (with `None`) a number.
    pub fn set_number(&mut self, cell: NumberCell, value: Option<u64>) {
        match value {
            Some(v) => self.numbers.insert(cell, v),
            None => self.numbers.remove(&cell),
        };
    }

    /// Sets a text; an empty text clears the cell, so "" and absent are one state.
    pub fn set_text(&mut self, cell: TextCell, value: impl Into<String>) {
        let value = value.into();
        if value.is_empty() {
            self.texts.remove(&cell);
        } else {
            self.texts.insert(cell, value);
        }
    }

    /// The value of any cell.
    pub fn get(&self, cell: &Cell) -> Option<CellValue> {
        match cell {
            Cell::Number(c) => self.numbers.get(c).map(|v| CellValue::Number(*v)),
            Cell::Text(c) => self.texts.get(c).map(|t| CellValue::Text(t.clone())),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.numbers.is_empty() && self.texts.is_empty()
    }
}

impl fmt::Display for TextField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextField::Note => "note",
            TextField::Text => "text",
        })
    }
}

impl fmt::Display for NumberCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.code, self.column.as_str())
    }
}

impl fmt::Display for TextCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.code, self.field)
    }
}

impl fmt::Display for Cell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cell::Number(c) => c.fmt(f),
            Cell::Text(c) => c.fmt(f),
        }
    }
}

/// Why a cell key such as `1.3/count` cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ô “{0}” không hợp lệ")]
pub struct InvalidCell(String);

fn split_key(s: &str) -> Result<(Code, &str), InvalidCell> {
    let (code, field) = s
        .rsplit_once('/')
        .ok_or_else(|| InvalidCell(s.chars().take(40).collect()))?;
    let code = code
        .parse()
        .map_err(|_| InvalidCell(s.chars().take(40).collect()))?;
    Ok((code, field))
}

impl FromStr for NumberCell {
    type Err = InvalidCell;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (code, field) = split_key(s)?;
        let column = match field {
            "count" => Column::Count,
            "persons" => Column::Persons,
            _ => return Err(InvalidCell(s.chars().take(40).collect())),
        };
        Ok(NumberCell { code, column })
    }
}

impl FromStr for TextCell {
    type Err = InvalidCell;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (code, field) = split_key(s)?;
        let field = match field {
            "note" => TextField::Note,
            "text" => TextField::Text,
            _ => return Err(InvalidCell(s.chars().take(40).collect())),
        };
        Ok(TextCell { code, field })
    }
}

impl FromStr for Cell {
    type Err = InvalidCell;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        s.parse::<NumberCell>()
            .map(Cell::Number)
            .or_else(|_| s.parse::<TextCell>().map(Cell::Text))
    }
}

/// Cells travel as their `code/field` string, also as JSON object keys.
macro_rules! string_keyed {
    ($($t:ty),*) => {$(
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }
    )*};
}
string_keyed!(NumberCell, TextCell, Cell);

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Code {
        s.parse().expect("code")
    }

    #[test]
    fn content_travels_as_readable_json() {
        let mut c = Content::default();
        c.set_number(NumberCell::new(code("1.3"), Column::Persons), Some(40));
        c.set_number(NumberCell::new(code("1.3"), Column::Count), Some(2));
        c.set_text(TextCell::text(code("I.2")), "Lễ phát động");
        let json = serde_json::to_string(&c).expect("json");
        assert_eq!(
            json,
            r#"{"numbers":{"1.3/count":2,"1.3/persons":40},"texts":{"I.2/text":"Lễ phát động"}}"#
        );
        assert_eq!(serde_json::from_str::<Content>(&json).expect("back"), c);
    }

    #[test]
    fn a_malformed_cell_key_is_refused() {
        for bad in [
            r#"{"numbers":{"1.3":1}}"#,
            r#"{"numbers":{"1.3/people":1}}"#,
            r#"{"numbers":{"1.3/count":-1}}"#,
        ] {
            assert!(serde_json::from_str::<Content>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_cell_value_is_a_whole_number_or_a_text() {
        let values: Vec<Option<CellValue>> =
            serde_json::from_str(r#"[0, 18446744073709551615, "", "Lễ", null]"#).expect("json");
        assert_eq!(
            values,
            [
                Some(CellValue::Number(0)),
                Some(CellValue::Number(u64::MAX)),
                Some(CellValue::Text(String::new())),
                Some(CellValue::Text("Lễ".into())),
                None
            ]
        );
        assert_eq!(
            serde_json::to_string(&values).expect("back"),
            r#"[0,18446744073709551615,"","Lễ",null]"#
        );
        for bad in ["-1", "1.5", "true", "[]", "{}"] {
            assert!(serde_json::from_str::<CellValue>(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn empty_text_and_absent_text_are_one_state() {
        let mut c = Content::default();
        c.set_text(TextCell::note(code("2")), "x");
        c.set_text(TextCell::note(code("2")), "");
        assert!(c.is_empty());
    }

    #[test]
    fn zero_is_kept_and_differs_from_blank() {
        let mut c = Content::default();
        let cell = NumberCell::new(code("2"), Column::Count);
        c.set_number(cell.clone(), Some(0));
        assert_eq!(c.number(&code("2"), Column::Count), Some(0));
        c.set_number(cell, None);
        assert_eq!(c.number(&code("2"), Column::Count), None);
    }
}
