//! Comments on cells (issue 20): a supervisor marks a cell of a child's report, with or
//! without returning it ("Số người quá thấp so với số lớp"); the unit's staff fix the
//! cell or answer the comment. Both sides read whether a comment is settled with the same
//! rule ([`CellComment::settled`]).

use serde::{Deserialize, Serialize};

use crate::content::{Cell, CellValue, Content};
use crate::form::FormDef;

/// Longest comment or answer, in characters.
pub const MAX_COMMENT_CHARS: usize = 1_000;
/// Most comments one report holds: a review marks a few cells, never hundreds.
pub const MAX_COMMENTS_PER_REPORT: usize = 200;

/// A comment to make on one cell.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewComment {
    /// The cell, as content keys name it: `1.9/persons`, `1.3/note`, `I.2/text`.
    pub cell: String,
    pub text: String,
}

/// `POST …/comments/{id}/answer`: the unit's answer, which replaces an earlier one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CommentAnswerRequest {
    pub text: String,
}

/// Who wrote something and when (Unix milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Written {
    pub text: String,
    pub display_name: String,
    pub at: i64,
}

/// One comment on one cell, with the unit's answer if it gave one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CellComment {
    pub id: i64,
    pub cell: String,
    pub comment: Written,
    /// The report's version the comment was made on, and the cell's value then (`None`
    /// when blank): the cell is fixed once its value differs.
    pub on_version: u64,
    pub value_then: Option<CellValue>,
    /// Made with a return ("Trả lại"), rather than on its own.
    pub with_return: bool,
    pub answer: Option<Written>,
}

/// How a comment stands, as both sides show it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Neither answered nor fixed yet.
    Open,
    Answered,
    /// The cell's value changed since the comment.
    Fixed,
    /// Both.
    AnsweredAndFixed,
}

impl Settled {
    pub fn label(self) -> &'static str {
        match self {
            Settled::Open => "Chưa xử lý",
            Settled::Answered => "Đã trả lời",
            Settled::Fixed => "Đã sửa ô",
            Settled::AnsweredAndFixed => "Đã sửa ô và trả lời",
        }
    }

    pub fn is_open(self) -> bool {
        self == Settled::Open
    }
}

impl CellComment {
    /// Whether the comment is answered, and whether the cell's value in `content` (the
    /// report now, or the device's draft) differs from the one commented on.
    pub fn settled(&self, content: &Content) -> Settled {
        let fixed = self
            .cell
            .parse::<Cell>()
            .is_ok_and(|cell| content.get(&cell) != self.value_then);
        match (self.answer.is_some(), fixed) {
            (false, false) => Settled::Open,
            (true, false) => Settled::Answered,
            (false, true) => Settled::Fixed,
            (true, true) => Settled::AnsweredAndFixed,
        }
    }
}

/// Why a comment is refused, in Vietnamese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommentProblem {
    #[error("Ô “{0}” không có trong biểu mẫu.")]
    UnknownCell(String),
    #[error("Hãy ghi nội dung nhận xét (tối đa {MAX_COMMENT_CHARS} ký tự).")]
    BadText,
}

/// A comment's cell and text checked against the form: the cell is one the form types
/// (a number, a note or a narrative text), the text trimmed, not empty, not too long.
pub fn check_comment(
    form: &FormDef,
    cell: &str,
    text: &str,
) -> Result<(Cell, String), CommentProblem> {
    let parsed: Cell = cell
        .parse()
        .map_err(|_| CommentProblem::UnknownCell(cell.to_owned()))?;
    let known = match &parsed {
        Cell::Number(n) => form.bound_of(n).is_some(),
        Cell::Text(t) => match t.field {
            crate::content::TextField::Note => form.row(&t.code).is_some_and(|r| r.accepts_note()),
            crate::content::TextField::Text => {
                form.section_item(&t.code)
                    .is_some_and(|i| i.kind == crate::form::ItemKind::Text)
                    || form
                        .row(&t.code)
                        .is_some_and(|r| matches!(r.kind, crate::form::RowKind::Text))
            }
        },
    };
    if !known {
        return Err(CommentProblem::UnknownCell(cell.to_owned()));
    }
    Ok((parsed, check_text(text)?))
}

/// A comment's or an answer's text, trimmed: not empty, at most [`MAX_COMMENT_CHARS`].
pub fn check_text(text: &str) -> Result<String, CommentProblem> {
    let text = crate::text::nfc(text.trim()).into_owned();
    let chars = text.chars().count();
    if chars == 0 || chars > MAX_COMMENT_CHARS || text.chars().any(|c| c.is_control() && c != '\n')
    {
        return Err(CommentProblem::BadText);
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::builtin;
    use crate::{Code, Column, NumberCell};

    fn comment(cell: &str, value_then: Option<CellValue>, answered: bool) -> CellComment {
        let w = |t: &str| Written {
            text: t.into(),
            display_name: "P. GD".into(),
            at: 1,
        };
        CellComment {
            id: 1,
            cell: cell.into(),
            comment: w("Số người quá thấp so với số lớp"),
            on_version: 3,
            value_then,
            with_return: true,
            answer: answered.then(|| w("Đúng, trường chỉ có 12 người")),
        }
    }

    #[test]
    fn a_comment_is_fixed_once_its_cell_differs_and_answered_once_answered() {
        let mut content = Content::default();
        let cell = NumberCell::new("1.3".parse::<Code>().unwrap(), Column::Persons);
        content.set_number(cell.clone(), Some(12));
        let c = comment("1.3/persons", Some(CellValue::Number(12)), false);
        assert_eq!(c.settled(&content), Settled::Open);
        content.set_number(cell.clone(), Some(120));
        assert_eq!(c.settled(&content), Settled::Fixed);
        content.set_number(cell, None);
        assert_eq!(
            c.settled(&content),
            Settled::Fixed,
            "cleared is a change too"
        );
        let blank = comment("1.3/persons", None, true);
        assert_eq!(blank.settled(&content), Settled::Answered);
    }

    #[test]
    fn only_cells_the_form_types_take_comments() {
        let form = builtin("2025").unwrap();
        assert!(check_comment(form, "1.3/persons", "Kiểm tra lại").is_ok());
        assert!(check_comment(form, "1.3/note", "Ghi rõ").is_ok());
        assert!(check_comment(form, "I.1/text", "Thiếu nội dung").is_ok());
        for bad in [
            "1/count",
            "99/count",
            "1.3",
            "",
            "x/y/z",
            "II.4/text",
            "I.1",
        ] {
            assert_eq!(
                check_comment(form, bad, "a"),
                Err(CommentProblem::UnknownCell(bad.into())),
                "{bad}"
            );
        }
        assert_eq!(
            check_comment(form, "1.3/count", "  "),
            Err(CommentProblem::BadText)
        );
        let long = "a".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(check_text(&long), Err(CommentProblem::BadText));
        assert_eq!(
            check_text(" dòng một\ndòng hai "),
            Ok("dòng một\ndòng hai".into())
        );
        assert_eq!(check_text("a\u{7}b"), Err(CommentProblem::BadText));
    }
}
