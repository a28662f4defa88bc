//! Names typed in the font encodings Vietnamese offices used before Unicode, and still
//! find in old provincial spreadsheets: TCVN3 (ABC, fonts `.VnTime`…) and VNI (fonts
//! `VNI-Times`…). Such text is stored as ordinary Latin-1 letters that only the font
//! draws as Vietnamese ("Tr­êng TiÓu häc" is "Trường Tiểu học" in `.VnTime`). Read
//! without the font it is garbage, so it is recognized and converted to Unicode.
//!
//! A text is only suspected when it holds a Latin-1 character that no Vietnamese word
//! has (`µ`, `¶`, `ø`, `ï`…): real Vietnamese ("Hoà Bình") is never touched. A suspect
//! is converted both ways; the conversion that gives only Vietnamese letters is taken.

use unicode_normalization::UnicodeNormalization;

/// What a text turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Legacy {
    /// Unicode already: nothing to convert.
    Unicode,
    /// Converted from TCVN3 (ABC).
    Tcvn3(String),
    /// Converted from VNI.
    Vni(String),
    /// Holds characters of a font encoding, but neither conversion reads it.
    Unreadable,
}

/// Recognizes and converts a text typed in TCVN3 or VNI. The result is NFC.
pub fn recognize(text: &str) -> Legacy {
    if !text.chars().any(is_foreign) {
        return Legacy::Unicode;
    }
    let tcvn3 = from_tcvn3(text);
    let vni = from_vni(text);
    match (tcvn3.as_deref(), vni.as_deref()) {
        (Some(t), None) => Legacy::Tcvn3(t.to_owned()),
        (None, Some(v)) => Legacy::Vni(v.to_owned()),
        // Both read as letters: VNI marks always follow the vowel they sit on, TCVN3
        // letters need not.
        (Some(t), Some(v)) => {
            if follows_vowels(text) {
                Legacy::Vni(v.to_owned())
            } else {
                Legacy::Tcvn3(t.to_owned())
            }
        }
        (None, None) => Legacy::Unreadable,
    }
}

/// A Latin-1 letter or sign that Vietnamese text never holds.
fn is_foreign(c: char) -> bool {
    ('\u{a0}'..='\u{ff}').contains(&c) && !is_vietnamese(c)
}

/// A letter of Vietnamese (any case, precomposed) or a character plain text holds.
fn is_vietnamese(c: char) -> bool {
    const LATIN1: &str = "ÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝàáâãèéêìíòóôõùúý";
    c.is_ascii()
        || LATIN1.contains(c)
        || "ĂăĐđĨĩŨũƠơƯư".contains(c)
        || ('\u{1ea0}'..='\u{1ef9}').contains(&c)
        || matches!(c, '\u{a0}' | '–' | '—' | '‘' | '’' | '“' | '”' | '…')
}

/// The converted text, when it reads as Vietnamese: only Vietnamese letters, and at most
/// one tone mark in each word (a syllable has one tone; a wrong reading scatters them).
fn clean(converted: String) -> Option<String> {
    let normal: String = converted.nfc().collect();
    let one_tone = normal.split_whitespace().all(|word| {
        word.nfd()
            .filter(|c| matches!(c, '\u{300}' | '\u{301}' | '\u{303}' | '\u{309}' | '\u{323}'))
            .count()
            <= 1
    });
    (one_tone && normal.chars().all(is_vietnamese)).then_some(normal)
}

/// TCVN3 (ABC): one Latin-1 character per Vietnamese letter. Capitals with a tone use
/// another font with the same codes, so they read as small letters.
fn from_tcvn3(text: &str) -> Option<String> {
    const TABLE: [(char, char); 74] = [
        ('µ', 'à'),
        ('¸', 'á'),
        ('¶', 'ả'),
        ('·', 'ã'),
        ('¹', 'ạ'),
        ('¨', 'ă'),
        ('»', 'ằ'),
        ('¾', 'ắ'),
        ('¼', 'ẳ'),
        ('½', 'ẵ'),
        ('Æ', 'ặ'),
        ('©', 'â'),
        ('Ç', 'ầ'),
        ('Ê', 'ấ'),
        ('È', 'ẩ'),
        ('É', 'ẫ'),
        ('Ë', 'ậ'),
        ('®', 'đ'),
        ('Ì', 'è'),
        ('Ð', 'é'),
        ('Î', 'ẻ'),
        ('Ï', 'ẽ'),
        ('Ñ', 'ẹ'),
        ('ª', 'ê'),
        ('Ò', 'ề'),
        ('Õ', 'ế'),
        ('Ó', 'ể'),
        ('Ô', 'ễ'),
        ('Ö', 'ệ'),
        ('×', 'ì'),
        ('Ý', 'í'),
        ('Ø', 'ỉ'),
        ('Ü', 'ĩ'),
        ('Þ', 'ị'),
        ('ß', 'ò'),
        ('ã', 'ó'),
        ('á', 'ỏ'),
        ('â', 'õ'),
        ('ä', 'ọ'),
        ('«', 'ô'),
        ('å', 'ồ'),
        ('è', 'ố'),
        ('æ', 'ổ'),
        ('ç', 'ỗ'),
        ('é', 'ộ'),
        ('¬', 'ơ'),
        ('ê', 'ờ'),
        ('í', 'ớ'),
        ('ë', 'ở'),
        ('ì', 'ỡ'),
        ('î', 'ợ'),
        ('ï', 'ù'),
        ('ó', 'ú'),
        ('ñ', 'ủ'),
        ('ò', 'ũ'),
        ('ô', 'ụ'),
        ('\u{ad}', 'ư'),
        ('õ', 'ừ'),
        ('ø', 'ứ'),
        ('ö', 'ử'),
        ('÷', 'ữ'),
        ('ù', 'ự'),
        ('ú', 'ỳ'),
        ('ý', 'ý'),
        ('û', 'ỷ'),
        ('ü', 'ỹ'),
        ('þ', 'ỵ'),
        ('¡', 'Ă'),
        ('¢', 'Â'),
        ('§', 'Đ'),
        ('£', 'Ê'),
        ('¤', 'Ô'),
        ('¥', 'Ơ'),
        ('¦', 'Ư'),
    ];
    let converted = text
        .chars()
        .map(|c| TABLE.iter().find(|(t, _)| *t == c).map_or(c, |(_, u)| *u))
        .collect();
    clean(converted)
}

/// VNI: a base letter followed by a Latin-1 character for its marks ("Vieät" is
/// "Việt"), and a few letters of one character (`ñ` for `đ`, `ö` for `ư`).
fn from_vni(text: &str) -> Option<String> {
    const GRAVE: &str = "\u{300}";
    const ACUTE: &str = "\u{301}";
    const TILDE: &str = "\u{303}";
    const HOOK: &str = "\u{309}";
    const DOT: &str = "\u{323}";
    const HAT: &str = "\u{302}";
    const BREVE: &str = "\u{306}";
    const HORN: &str = "\u{31b}";
    let mut out = String::with_capacity(text.len());
    let mut previous: Option<char> = None;
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        let upper = c.is_uppercase();
        let after_vowel = previous.is_some_and(|p| "aeiouyAEIOUY".contains(p));
        // Marks on the vowel before.
        let marks: Option<String> = match lower {
            'ø' => Some(GRAVE.into()),
            'ù' => Some(ACUTE.into()),
            'û' => Some(HOOK.into()),
            'õ' => Some(TILDE.into()),
            'ï' => Some(DOT.into()),
            'â' => Some(HAT.into()),
            'à' => Some(format!("{HAT}{GRAVE}")),
            'á' => Some(format!("{HAT}{ACUTE}")),
            'å' => Some(format!("{HAT}{HOOK}")),
            'ã' => Some(format!("{HAT}{TILDE}")),
            'ä' => Some(format!("{HAT}{DOT}")),
            'ê' => Some(BREVE.into()),
            'è' => Some(format!("{BREVE}{GRAVE}")),
            'é' => Some(format!("{BREVE}{ACUTE}")),
            'ú' => Some(format!("{BREVE}{HOOK}")),
            'ü' => Some(format!("{BREVE}{TILDE}")),
            'ë' => Some(format!("{BREVE}{DOT}")),
            _ => None,
        };
        // A mark after ơ/ư (written ô/ö) sits on it too.
        let after_horn = out.ends_with(HORN);
        match marks {
            Some(m) if after_vowel || after_horn => out.push_str(&m),
            _ => {
                let letter = match lower {
                    'ñ' => Some("đ".to_owned()),
                    'ô' => Some(format!("o{HORN}")),
                    'ö' => Some(format!("u{HORN}")),
                    'ì' => Some("ì".into()),
                    'í' => Some("í".into()),
                    'æ' => Some("ỉ".into()),
                    'ó' => Some("ĩ".into()),
                    'ò' => Some("ị".into()),
                    'î' => Some("ỵ".into()),
                    _ => None,
                };
                match letter {
                    Some(l) if upper => out.extend(l.chars().flat_map(char::to_uppercase)),
                    Some(l) => out.push_str(&l),
                    None => out.push(c),
                }
            }
        }
        previous = Some(c);
    }
    clean(out)
}

/// Whether every foreign character that VNI uses for marks follows a vowel, as VNI's
/// marks do.
fn follows_vowels(text: &str) -> bool {
    let chars: Vec<char> = text.chars().collect();
    chars.iter().enumerate().all(|(i, &c)| {
        !is_foreign(c)
            || "ñöîæÑÖÎÆ".contains(c)
            || i.checked_sub(1)
                .and_then(|p| chars.get(p))
                .is_some_and(|p| "aeiouyAEIOUYôöÔÖ".contains(*p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tcvn3_names_are_converted() {
        for (tcvn3, unicode) in [
            (
                "Tr\u{ad}êng TiÓu häc Hång Quang",
                "Trường Tiểu học Hồng Quang",
            ),
            ("Ninh B×nh", "Ninh Bình"),
            ("B¶o Th¾ng", "Bảo Thắng"),
            ("M\u{ad}êng Kh\u{ad}¬ng", "Mường Khương"),
            ("Së Gi¸o dôc vµ §µo t¹o", "Sở Giáo dục và Đào tạo"),
        ] {
            assert_eq!(recognize(tcvn3), Legacy::Tcvn3(unicode.into()), "{tcvn3}");
        }
    }

    #[test]
    fn vni_names_are_converted() {
        for (vni, unicode) in [
            (
                "Tröôøng Tieåu hoïc Hoàng Quang",
                "Trường Tiểu học Hồng Quang",
            ),
            ("Vieät Nam", "Việt Nam"),
            ("Sôû Giaùo duïc vaø Ñaøo taïo", "Sở Giáo dục và Đào tạo"),
            ("Phöôøng Hoa Lö", "Phường Hoa Lư"),
        ] {
            assert_eq!(recognize(vni), Legacy::Vni(unicode.into()), "{vni}");
        }
    }

    #[test]
    fn real_vietnamese_is_never_touched() {
        for text in [
            "Trường Tiểu học Hồng Quang",
            "Hoà Bình",
            "Phường Hoa Lư",
            "Trường THCS Lê Quý Đôn",
            "Mã đơn vị",
            "BGD",
        ] {
            assert_eq!(recognize(text), Legacy::Unicode, "{text}");
        }
    }

    #[test]
    fn text_of_neither_encoding_is_unreadable() {
        assert_eq!(recognize("Trường ±²³"), Legacy::Unreadable);
    }
}
