//! Stable identifiers of rows (`1`, `1.3`, `1.p`) and narrative sections (`I.2`).
//!
//! Data is always keyed by code, never by label or by position, so a label can be
//! corrected and a row added without touching stored reports.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Longest code accepted; real ones are at most five characters.
const MAX_LEN: usize = 16;

/// A row or section code: ASCII letters and digits in dot-separated parts.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(try_from = "String", into = "String")]
pub struct Code(Box<str>);

/// Why a string is not a [`Code`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("mã “{0}” không hợp lệ (chỉ gồm chữ, số và dấu chấm, tối đa 16 ký tự)")]
pub struct InvalidCode(pub String);

impl Code {
    /// The code as written in the form definition.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Code {
    type Err = InvalidCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let well_formed = !s.is_empty()
            && s.len() <= MAX_LEN
            && s.split('.')
                .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()));
        if well_formed {
            Ok(Code(s.into()))
        } else {
            Err(InvalidCode(s.chars().take(40).collect()))
        }
    }
}

impl TryFrom<String> for Code {
    type Error = InvalidCode;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Code> for String {
    fn from(c: Code) -> String {
        c.0.into()
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_codes_are_accepted() {
        for s in ["1", "1.3", "1.13", "1.p", "I.2", "II.3", "12.6"] {
            assert_eq!(s.parse::<Code>().map(|c| c.to_string()), Ok(s.to_string()));
        }
    }

    #[test]
    fn malformed_codes_are_rejected() {
        for s in [
            "",
            ".",
            "1.",
            ".1",
            "1..2",
            "1 2",
            "1/count",
            "mã",
            "12345678901234567",
        ] {
            assert!(s.parse::<Code>().is_err(), "{s:?} should be rejected");
        }
    }
}
