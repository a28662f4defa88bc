//! The schemas of the wire types whose JSON form is written by hand (a cell's key, a
//! refusal code), for the API's OpenAPI description; every other wire type derives its
//! own (`utoipa::ToSchema`, under the `openapi` feature, which only the server turns on).

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::content::{Cell, NumberCell, TextCell};
use crate::wire::RefusalCode;

/// A string schema with a description and an example.
fn text(description: &str, example: &str) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .examples([example])
        .into()
}

impl PartialSchema for NumberCell {
    fn schema() -> RefOr<Schema> {
        text(
            "A number cell: the row's code, `/`, the column (`count` or `persons`).",
            "1.1/persons",
        )
    }
}
impl ToSchema for NumberCell {}

impl PartialSchema for TextCell {
    fn schema() -> RefOr<Schema> {
        text(
            "A text cell: a row's note (`code/note`) or a narrative item's text (`code/text`).",
            "I.1/text",
        )
    }
}
impl ToSchema for TextCell {}

impl PartialSchema for Cell {
    fn schema() -> RefOr<Schema> {
        text(
            "Any cell of a report: a number cell or a text cell.",
            "2/count",
        )
    }
}
impl ToSchema for Cell {}

impl PartialSchema for RefusalCode {
    fn schema() -> RefOr<Schema> {
        let meanings: Vec<String> = RefusalCode::ALL
            .iter()
            .map(|c| format!("- `{}`: {}", c.as_str(), c.message()))
            .collect();
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(RefusalCode::ALL.iter().map(|c| c.as_str())))
            .description(Some(format!(
                "Why the API refused a request. A program decides from this code, never from \
                 the HTTP status. Each code, with the Vietnamese message people read:\n{}",
                meanings.join("\n")
            )))
            .into()
    }
}
impl ToSchema for RefusalCode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refusal_code_is_in_its_schema() {
        let json = serde_json::to_value(RefusalCode::schema()).expect("a schema");
        let codes: Vec<&str> = json["enum"]
            .as_array()
            .expect("an enum")
            .iter()
            .filter_map(|v| v.as_str())
            .collect();
        assert_eq!(codes.len(), RefusalCode::ALL.len());
        for code in RefusalCode::ALL {
            assert!(codes.contains(&code.as_str()), "{code:?}");
        }
    }
}
