//! Text in one Unicode form.
//!
//! Vietnamese can be typed precomposed (NFC: "ệ" is one character) or decomposed (NFD:
//! "e" followed by two combining marks), and both look the same. macOS writes file names
//! and often file contents decomposed, and some keyboards (Unikey's composed-marks
//! setting) type it. Everything stored or compared is NFC, normalized by this one
//! function on both sides, so a name imported from a Mac file equals the same name
//! typed on a tablet, and what the server sends back never differs from what was typed.

pub mod legacy;

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// `text` in NFC. Borrowed, at the cost of one quick scan, when it is NFC already
/// (all ASCII, or typed precomposed: nearly always).
pub fn nfc(text: &str) -> Cow<'_, str> {
    match is_nfc_quick(text.chars()) {
        IsNormalized::Yes => Cow::Borrowed(text),
        _ => Cow::Owned(text.nfc().collect()),
    }
}

/// [`nfc`] in place.
pub fn make_nfc(text: &mut String) {
    if let Cow::Owned(normal) = nfc(text) {
        *text = normal;
    }
}

/// Lowercase without diacritics, spaces trimmed, `đ` as `d`: how kinds and headers are
/// compared, since spreadsheets spell them every which way. Precomposed and decomposed
/// input fold alike.
pub fn fold(text: &str) -> String {
    text.trim()
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c == 'đ' { 'd' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NFC: &str = "Trường Tiểu học Hồng Quang";

    fn decomposed(s: &str) -> String {
        s.nfd().collect()
    }

    #[test]
    fn decomposed_text_becomes_precomposed_and_precomposed_is_borrowed() {
        let nfd = decomposed(NFC);
        assert_ne!(nfd, NFC, "the test text really is decomposed");
        assert_eq!(nfc(&nfd), NFC);
        assert!(matches!(nfc(NFC), Cow::Borrowed(_)));
        let mut s = nfd;
        make_nfc(&mut s);
        assert_eq!(s, NFC);
    }

    #[test]
    fn folding_ignores_case_marks_and_form() {
        assert_eq!(fold(" Trường Tiểu học "), "truong tieu hoc");
        assert_eq!(
            fold(&decomposed("Mã đơn vị CẤP TRÊN")),
            "ma don vi cap tren"
        );
        assert_eq!(fold("Đ"), "d");
    }
}
