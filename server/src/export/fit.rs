//! How tall a row must be for its wrapped texts.
//!
//! Spreadsheets do not fit rows the same way when they open a file: LibreOffice keeps
//! the default height of a row the file gives none, so every wrapped label ran into the
//! rows below it when printed; Excel fits them only when a cell is edited; WPS does as
//! it likes. So the workbook writes every row's height itself, measured here with Times
//! New Roman's advance widths (Liberation Serif, its metric twin, has the same ones, so
//! the measure holds on LibreOffice without the Microsoft font too).

use unicode_normalization::UnicodeNormalization;

/// The font of Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP).
pub const FONT: &str = "Times New Roman";

/// Advance widths of Times New Roman's printable ASCII (space to `~`), in thousandths of
/// an em, as Adobe's Times-Roman metrics give them.
const REGULAR: [u16; 95] = [
    250, 333, 408, 500, 500, 833, 778, 180, 333, 333, 500, 564, 250, 333, 250, 278, // ' '../
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 278, 278, 564, 564, 564, 444, // 0..?
    921, 722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722, 722, // @..O
    556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611, 333, 278, 333, 469, 500, // P.._
    333, 444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500, 500, // `..o
    500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444, 480, 200, 480, 541, // p..~
];

/// The same for Times-Bold.
const BOLD: [u16; 95] = [
    250, 333, 555, 500, 500, 1000, 833, 278, 333, 333, 500, 570, 250, 333, 250, 278, // ' '../
    500, 500, 500, 500, 500, 500, 500, 500, 500, 500, 333, 333, 570, 570, 570, 500, // 0..?
    930, 722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944, 722, 778, // @..O
    611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667, 333, 278, 333, 581, 500, // P.._
    333, 500, 556, 444, 556, 444, 333, 500, 556, 278, 333, 556, 278, 833, 556, 500, // `..o
    556, 556, 444, 389, 333, 556, 500, 722, 500, 500, 444, 394, 220, 394, 520, // p..~
];

/// A text's style, as far as its width goes (italic is no wider than regular).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

/// The width of one character in thousandths of an em. A Vietnamese letter is as wide
/// as its base letter (its marks sit above or below it), but the horn of ơ and ư sticks
/// out to the right; anything else unknown counts as a whole em, so it is never
/// under-measured.
fn advance(c: char, weight: Weight) -> u32 {
    let table = match weight {
        Weight::Regular => &REGULAR,
        Weight::Bold => &BOLD,
    };
    let ascii = |c: char| {
        let i = (c as u32).checked_sub(32)?;
        table.get(i as usize).map(|w| u32::from(*w))
    };
    if let Some(w) = ascii(c) {
        return w;
    }
    match c {
        'đ' => return ascii('d').unwrap_or(1000),
        'Đ' => return ascii('D').unwrap_or(1000),
        '–' => return 500,
        '—' | '…' => return 1000,
        '‘' | '’' => return 333,
        '“' | '”' => return 444,
        _ => {}
    }
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next().and_then(ascii);
    let horn = parts.any(|m| m == '\u{031B}');
    match base {
        Some(w) => w + if horn { 120 } else { 0 },
        None => 1000,
    }
}

/// The width of a text in points at `size` points.
pub fn width_pt(text: &str, size: f64, weight: Weight) -> f64 {
    f64::from(text.chars().map(|c| advance(c, weight)).sum::<u32>()) * size / 1000.0
}

/// How many lines `text` takes, wrapped at word boundaries into `width` points (a word
/// longer than a line is cut where it overflows, as spreadsheets do). Line breaks in the
/// text start new lines; an empty text takes one line.
pub fn lines(text: &str, width: f64, size: f64, weight: Weight) -> u32 {
    // Renderers differ by a few per cent in kerning and hinting: measure wide.
    let width = width / 1.06;
    let space = width_pt(" ", size, weight);
    let mut count = 0;
    for paragraph in text.split('\n') {
        count += 1;
        let mut used = 0.0;
        for word in paragraph.split_whitespace() {
            let w = width_pt(word, size, weight);
            let needed = if used > 0.0 { used + space + w } else { w };
            if needed <= width {
                used = needed;
                continue;
            }
            if used > 0.0 {
                count += 1;
            }
            // A word wider than the line fills whole lines, its rest starts the next.
            used = w;
            while used > width {
                count += 1;
                used -= width;
            }
        }
    }
    count
}

/// The width, in points, that text has inside a column `chars` wide (Excel's unit: the
/// width of a digit of the workbook's font, Times New Roman 12 here: 8 pixels, plus 5
/// of padding), less the cell's own margins.
pub fn column_pt(chars: f64) -> f64 {
    (chars * 8.0 + 5.0) * 0.75 - 4.0
}

/// The height a row needs for `lines` lines at `size` points: a line and a quarter
/// each, and a little room above and below.
pub fn height_pt(lines: u32, size: f64) -> f64 {
    f64::from(lines.max(1)) * size * 1.25 + 3.0
}

/// The tallest row a spreadsheet keeps (Excel's limit, in points).
pub const MAX_ROW_PT: f64 = 409.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_letters_are_as_wide_as_their_base_and_the_horn_adds() {
        assert_eq!(advance('ế', Weight::Regular), advance('e', Weight::Regular));
        assert_eq!(advance('Ấ', Weight::Bold), advance('A', Weight::Bold));
        assert!(advance('ư', Weight::Regular) > advance('u', Weight::Regular));
        assert!(advance('ở', Weight::Regular) > advance('o', Weight::Regular));
        assert_eq!(advance('中', Weight::Regular), 1000, "unknown: an em");
        assert!(
            width_pt("Số người", 12.0, Weight::Bold) > width_pt("Số người", 12.0, Weight::Regular)
        );
    }

    #[test]
    fn texts_wrap_at_words_and_long_words_are_cut() {
        let one = width_pt("Xóa mù chữ", 12.0, Weight::Regular);
        assert_eq!(lines("Xóa mù chữ", one * 1.2, 12.0, Weight::Regular), 1);
        assert_eq!(lines("Xóa mù chữ", one * 0.7, 12.0, Weight::Regular), 2);
        assert_eq!(lines("", 100.0, 12.0, Weight::Regular), 1);
        assert_eq!(lines("a\nb\n\nc", 100.0, 12.0, Weight::Regular), 4);
        let word = "x".repeat(100);
        let w = width_pt(&word, 12.0, Weight::Regular);
        assert_eq!(
            lines(&word, w / 3.0, 12.0, Weight::Regular),
            4,
            "cut, measured wide"
        );
        // More words never take fewer lines.
        let label = "Bồi dưỡng nâng cao trình độ chuyên môn nghiệp vụ cho cán bộ, công chức, viên chức (các cấp)";
        let mut last = 0;
        for n in 1..=label.split(' ').count() {
            let text: Vec<&str> = label.split(' ').take(n).collect();
            let l = lines(&text.join(" "), column_pt(48.0), 12.0, Weight::Regular);
            assert!(l >= last);
            last = l;
        }
        assert_eq!(last, 2, "the 2025 form's row 1.1 in the label column");
    }
}
