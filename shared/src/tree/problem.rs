//! What can be wrong with one line of a tree file, with its code and its Vietnamese
//! message: the answer of a tree import that writes nothing.

use super::plan::{MAX_CODE_CHARS, MAX_NAME_CHARS};

/// Something wrong with one line of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u32,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProblemKind {
    EmptyFile,
    EmptyCode,
    BadCode(String),
    EmptyName,
    NameTooLong,
    /// A kind the catalogue cannot read, with the nearest kinds (code, name) to
    /// choose from.
    UnknownKind {
        spelled: String,
        choices: Vec<(String, String)>,
    },
    DuplicateCode {
        code: String,
        first_line: u32,
    },
    UnknownParent(String),
    SelfParent,
    SecondRoot {
        first_line: u32,
    },
    RootChanged {
        existing: String,
    },
    Cycle(String),
    TakenElsewhere(String),
    /// A contact name too long, or a phone that is not one.
    BadContact,
    /// A predecessor's code that cannot be one.
    BadPredecessor(String),
}

impl Problem {
    /// A stable code for programs.
    pub fn code(&self) -> &'static str {
        match self.kind {
            ProblemKind::EmptyFile => "EMPTY_FILE",
            ProblemKind::EmptyCode => "EMPTY_CODE",
            ProblemKind::BadCode(_) => "BAD_CODE",
            ProblemKind::EmptyName => "EMPTY_NAME",
            ProblemKind::NameTooLong => "NAME_TOO_LONG",
            ProblemKind::UnknownKind { .. } => "UNKNOWN_KIND",
            ProblemKind::DuplicateCode { .. } => "DUPLICATE_CODE",
            ProblemKind::UnknownParent(_) => "UNKNOWN_PARENT",
            ProblemKind::SelfParent => "SELF_PARENT",
            ProblemKind::SecondRoot { .. } => "SECOND_ROOT",
            ProblemKind::RootChanged { .. } => "ROOT_CHANGED",
            ProblemKind::Cycle(_) => "CYCLE",
            ProblemKind::TakenElsewhere(_) => "CODE_TAKEN",
            ProblemKind::BadContact => "BAD_CONTACT",
            ProblemKind::BadPredecessor(_) => "BAD_PREDECESSOR",
        }
    }

    /// What is wrong, in Vietnamese, for the person who will fix the file.
    pub fn message(&self) -> String {
        match &self.kind {
            ProblemKind::EmptyFile => "Tệp không có dòng đơn vị nào.".into(),
            ProblemKind::EmptyCode => "Thiếu mã đơn vị.".into(),
            ProblemKind::BadCode(c) => format!(
                "Mã đơn vị “{c}” không hợp lệ: chỉ dùng chữ không dấu, chữ số, dấu “-”, “_”, “.”, tối đa {MAX_CODE_CHARS} ký tự."
            ),
            ProblemKind::EmptyName => "Thiếu tên đơn vị.".into(),
            ProblemKind::BadPredecessor(c) => format!(
                "Mã đơn vị năm trước “{c}” không hợp lệ: chỉ dùng chữ không dấu, chữ số, dấu “-”, “_”, “.”, tối đa {MAX_CODE_CHARS} ký tự."
            ),
            ProblemKind::BadContact => format!(
                "Người liên hệ dài quá {} ký tự, hoặc số điện thoại không hợp lệ (chỉ chữ số, dấu cách, “+ - . ( )”, tối đa {} ký tự).",
                super::plan::MAX_CONTACT_CHARS,
                super::plan::MAX_PHONE_CHARS
            ),
            ProblemKind::NameTooLong => {
                format!("Tên đơn vị dài quá {MAX_NAME_CHARS} ký tự.")
            }
            ProblemKind::UnknownKind { spelled, choices } => {
                let near: Vec<&str> = choices.iter().map(|(_, name)| name.as_str()).collect();
                format!(
                    "Loại đơn vị “{spelled}” không rõ. Gần nhất: {}. Chọn một loại để ghi nhận cách viết này, hoặc thêm loại mới.",
                    near.join(", ")
                )
            }
            ProblemKind::DuplicateCode { code, first_line } => {
                format!("Mã “{code}” trùng với dòng {first_line}.")
            }
            ProblemKind::UnknownParent(p) => format!(
                "Không tìm thấy đơn vị cấp trên có mã “{p}” (trong tệp hoặc đơn vị nhận cây)."
            ),
            ProblemKind::SelfParent => "Đơn vị không thể là cấp trên của chính nó.".into(),
            ProblemKind::SecondRoot { first_line } => format!(
                "Thiếu mã cấp trên: chỉ một đơn vị gốc được để trống (đã có ở dòng {first_line})."
            ),
            ProblemKind::RootChanged { existing } => {
                format!("Đơn vị gốc của đợt là “{existing}”; tệp không thay được đơn vị gốc.")
            }
            ProblemKind::Cycle(path) => {
                format!("Vòng lặp cấp trên: {path}. Mỗi đơn vị phải dẫn lên được đơn vị gốc.")
            }
            ProblemKind::TakenElsewhere(c) => {
                format!("Mã “{c}” đã thuộc một đơn vị ngoài phạm vi của lần nhập này.")
            }
        }
    }
}
