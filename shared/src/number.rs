//! Vietnamese whole numbers: parsing what people type and formatting what they read.
//!
//! Vietnamese writes `1.234.567` (dot groups thousands, comma marks decimals). The form
//! only holds whole numbers ≥ 0, so a comma, a minus sign, a letter or a dot in the
//! wrong place is an error with its own message, never a silent guess.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Why a typed string is not a whole number ≥ 0. Each case has its own message,
/// so the person typing knows exactly what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Nothing typed. A blank cell is not zero: see [`parse_cell`].
    #[error("Chưa nhập số.")]
    Empty,
    #[error("Số không được âm.")]
    Negative,
    #[error("Chỉ nhập số nguyên, không có phần thập phân.")]
    Decimal,
    #[error("Chỉ được nhập chữ số 0–9 (có ký tự “{0}”).")]
    NotADigit(char),
    #[error("Dấu chấm chỉ dùng để tách nhóm ba chữ số, ví dụ 1.234.567.")]
    MisplacedDot,
    #[error("Số quá lớn.")]
    TooLarge,
    /// A whole number, but past the largest the cell takes (its form's bound).
    #[error("Số quá lớn: ô này nhận tối đa {}.", format_number(*.max))]
    AboveBound { max: u64 },
}

impl NumberError {
    /// A stable code for programs.
    pub fn code(&self) -> &'static str {
        match self {
            NumberError::Empty => "NUMBER_EMPTY",
            NumberError::Negative => "NUMBER_NEGATIVE",
            NumberError::Decimal => "NUMBER_DECIMAL",
            NumberError::NotADigit(_) => "NUMBER_NOT_A_DIGIT",
            NumberError::MisplacedDot => "NUMBER_MISPLACED_DOT",
            NumberError::TooLarge => "NUMBER_TOO_LARGE",
            NumberError::AboveBound { .. } => "ABOVE_BOUND",
        }
    }
}

/// Parses a whole number ≥ 0 written plainly (`1234567`) or with Vietnamese grouping
/// (`1.234.567`). Surrounding spaces are ignored; nothing else is.
pub fn parse_number(input: &str) -> Result<u64, NumberError> {
    let s = input.trim_matches(|c: char| c.is_whitespace());
    if s.is_empty() {
        return Err(NumberError::Empty);
    }
    // A minus (ASCII, or the dashes word processors and phone keyboards substitute).
    let mut chars = s.chars();
    if matches!(chars.next(), Some('-' | '−' | '–'))
        && chars.next().is_some_and(|c| c.is_ascii_digit())
    {
        return Err(NumberError::Negative);
    }
    if let Some(bad) = s.chars().find(|c| !c.is_ascii_digit() && *c != '.') {
        return Err(if bad == ',' && s.chars().any(|c| c.is_ascii_digit()) {
            NumberError::Decimal
        } else {
            NumberError::NotADigit(bad)
        });
    }
    let mut groups = s.split('.');
    let head = groups.next().unwrap_or_default();
    let grouped = s.contains('.');
    if head.is_empty() || (grouped && head.len() > 3) {
        return Err(NumberError::MisplacedDot);
    }
    let mut value = digits_value(head)?;
    for group in groups {
        if group.len() != 3 {
            return Err(NumberError::MisplacedDot);
        }
        value = value
            .checked_mul(1000)
            .and_then(|v| v.checked_add(digits_value(group).ok()?))
            .ok_or(NumberError::TooLarge)?;
    }
    Ok(value)
}

fn digits_value(digits: &str) -> Result<u64, NumberError> {
    digits.bytes().try_fold(0u64, |acc, b| {
        acc.checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(b - b'0')))
            .ok_or(NumberError::TooLarge)
    })
}

/// Parses one cell of the form: blank means "not filled in" (`None`), which is not
/// the same as a typed `0`.
pub fn parse_cell(input: &str) -> Result<Option<u64>, NumberError> {
    match parse_number(input) {
        Ok(v) => Ok(Some(v)),
        Err(NumberError::Empty) => Ok(None),
        Err(e) => Err(e),
    }
}

/// Formats with Vietnamese grouping: `1234567` → `1.234.567`. Takes a report's `u64`
/// values and a consolidation's `u128` sums alike.
pub fn format_number(value: impl Into<u128>) -> String {
    let digits = value.into().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(ch);
    }
    out
}

/// An amount of đồng in Vietnamese words, as official documents write it under the
/// figure ("Mười bảy triệu đồng"): a slip of ×1.000 is seen at once. Groups of three
/// digits are read with nghìn, triệu, tỷ (then nghìn tỷ, triệu tỷ, tỷ tỷ); a group
/// after the first is read in full ("một tỷ không trăm linh năm"), an empty one not at
/// all; "linh" for a missing ten, "mốt", "tư" and "lăm" where usage has them.
pub fn amount_in_words(value: u64) -> String {
    const DIGITS: [&str; 10] = [
        "không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín",
    ];
    if value == 0 {
        return "Không đồng".to_owned();
    }
    let mut groups = Vec::new();
    let mut rest = value;
    while rest > 0 {
        groups.push((rest % 1000) as usize);
        rest /= 1000;
    }
    let mut words: Vec<&str> = Vec::new();
    let last = groups.len() - 1;
    for (i, &group) in groups.iter().enumerate().rev() {
        if group == 0 {
            continue;
        }
        let (h, t, u) = (group / 100, group / 10 % 10, group % 10);
        if i != last || h > 0 {
            words.extend([DIGITS[h], "trăm"]);
        }
        match t {
            0 if u > 0 && (i != last || h > 0) => words.push("linh"),
            0 => {}
            1 => words.push("mười"),
            _ => words.extend([DIGITS[t], "mươi"]),
        }
        match u {
            0 => {}
            1 if t >= 2 => words.push("mốt"),
            4 if t >= 2 => words.push("tư"),
            5 if t >= 1 => words.push("lăm"),
            _ => words.push(DIGITS[u]),
        }
        match i % 3 {
            1 => words.push("nghìn"),
            2 => words.push("triệu"),
            _ => {}
        }
        words.extend(std::iter::repeat_n("tỷ", i / 3));
    }
    words.push("đồng");
    let sentence = words.join(" ");
    let mut chars = sentence.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => sentence,
    }
}

/// An amount of money in whole Vietnamese đồng. Budgets reach 10^12 (a report's bound), so it
/// is 64-bit, and its sum is checked: an overflow is `None`, never a wrap.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Vnd(pub u64);

impl Vnd {
    pub fn checked_add(self, other: Vnd) -> Option<Vnd> {
        self.0.checked_add(other.0).map(Vnd)
    }
}

impl fmt::Display for Vnd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} đồng", format_number(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_read_in_words_as_documents_write_them() {
        for (value, words) in [
            (0, "Không đồng"),
            (5, "Năm đồng"),
            (15, "Mười lăm đồng"),
            (21, "Hai mươi mốt đồng"),
            (105, "Một trăm linh năm đồng"),
            (1_024, "Một nghìn không trăm hai mươi tư đồng"),
            (17_000_000, "Mười bảy triệu đồng"),
            (250_500_000, "Hai trăm năm mươi triệu năm trăm nghìn đồng"),
            (1_000_000_005, "Một tỷ không trăm linh năm đồng"),
            // The largest amount a report takes (the form's money bound).
            (1_000_000_000_000, "Một nghìn tỷ đồng"),
            (
                u64::MAX,
                "Mười tám tỷ tỷ bốn trăm bốn mươi sáu triệu tỷ bảy trăm bốn mươi tư nghìn tỷ không trăm bảy mươi ba tỷ bảy trăm linh chín triệu năm trăm năm mươi mốt nghìn sáu trăm mười lăm đồng",
            ),
        ] {
            assert_eq!(amount_in_words(value), words, "{value}");
        }
        let bound = crate::form::builtin("2025").unwrap().bounds().money;
        assert_eq!(amount_in_words(bound), "Một nghìn tỷ đồng");
    }
    use proptest::prelude::*;

    #[test]
    fn plain_and_grouped_digits_are_accepted() {
        assert_eq!(parse_number("1234567"), Ok(1_234_567));
        assert_eq!(parse_number("1.234.567"), Ok(1_234_567));
        assert_eq!(parse_number(" 12 "), Ok(12));
        assert_eq!(parse_number("0"), Ok(0));
        assert_eq!(parse_number("1.000.000.000.000"), Ok(1_000_000_000_000));
    }

    #[test]
    fn each_mistake_has_its_own_error() {
        assert_eq!(parse_number(""), Err(NumberError::Empty));
        assert_eq!(parse_number("   "), Err(NumberError::Empty));
        assert_eq!(parse_number("-5"), Err(NumberError::Negative));
        assert_eq!(parse_number("−1.000"), Err(NumberError::Negative));
        assert_eq!(parse_number("1,5"), Err(NumberError::Decimal));
        assert_eq!(parse_number("12a"), Err(NumberError::NotADigit('a')));
        assert_eq!(parse_number("1.234a"), Err(NumberError::NotADigit('a')));
        assert_eq!(parse_number("1.23"), Err(NumberError::MisplacedDot));
        assert_eq!(parse_number("1234.567"), Err(NumberError::MisplacedDot));
        assert_eq!(parse_number(".123"), Err(NumberError::MisplacedDot));
        assert_eq!(parse_number("123."), Err(NumberError::MisplacedDot));
        assert_eq!(parse_number("1..234"), Err(NumberError::MisplacedDot));
        assert_eq!(
            parse_number("99999999999999999999"),
            Err(NumberError::TooLarge)
        );
        assert_eq!(
            parse_number("18.446.744.073.709.551.616"),
            Err(NumberError::TooLarge)
        );
    }

    #[test]
    fn messages_are_vietnamese() {
        assert_eq!(NumberError::Negative.to_string(), "Số không được âm.");
        assert!(NumberError::NotADigit('x').to_string().contains("chữ số"));
    }

    #[test]
    fn a_blank_cell_is_not_zero() {
        assert_eq!(parse_cell(""), Ok(None));
        assert_eq!(parse_cell("0"), Ok(Some(0)));
        assert_eq!(parse_cell("x"), Err(NumberError::NotADigit('x')));
    }

    #[test]
    fn grouping_is_shown_with_dots() {
        assert_eq!(format_number(0u64), "0");
        assert_eq!(format_number(999u64), "999");
        assert_eq!(format_number(1000u64), "1.000");
        assert_eq!(format_number(1_234_567u64), "1.234.567");
        assert_eq!(format_number(u64::MAX), "18.446.744.073.709.551.615");
        assert_eq!(
            format_number(u128::from(u64::MAX) * 3),
            "55.340.232.221.128.654.845"
        );
        assert_eq!(Vnd(2_500_000_000_000).to_string(), "2.500.000.000.000 đồng");
    }

    #[test]
    fn money_sums_are_checked() {
        assert_eq!(Vnd(1).checked_add(Vnd(2)), Some(Vnd(3)));
        assert_eq!(Vnd(u64::MAX).checked_add(Vnd(1)), None);
    }

    proptest! {
        #[test]
        fn format_then_parse_is_the_identity(n: u64) {
            prop_assert_eq!(parse_number(&format_number(n)), Ok(n));
            prop_assert_eq!(parse_number(&n.to_string()), Ok(n));
        }

        #[test]
        fn parsing_never_panics(s in "\\PC{0,30}") {
            let _ = parse_number(&s);
        }
    }
}
