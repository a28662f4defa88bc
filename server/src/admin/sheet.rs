//! Reading the organisation tree from a spreadsheet, the way provinces keep it: CSV
//! (comma, semicolon or tab separated; UTF-8 with or without BOM, UTF-16 with a BOM as
//! Excel's "Unicode text", or Windows-1258 as Excel's "CSV" on Vietnamese Windows) or
//! XLSX (the first sheet). The header row names the columns, in Vietnamese or English,
//! in any order; other columns are ignored. Every cell is read in NFC, and a name typed
//! in the old TCVN3 or VNI font encodings is converted to Unicode; what was decoded or
//! converted is said in the preview's notices, so the administrator sees the names as
//! they will be stored before applying.

use std::borrow::Cow;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use tuanle_shared::text::legacy::{self, Legacy};
use tuanle_shared::tree::{Contact, TreeRow, fold};
use tuanle_shared::wire::admin::TreeProblem;

/// Why a file could not be read into rows: the problems, by line.
pub type Unreadable = Vec<TreeProblem>;

/// A file's rows, and what was done to read them (for the preview).
#[derive(Debug, Default)]
pub struct Sheet {
    pub rows: Vec<TreeRow>,
    pub notices: Vec<String>,
}

fn problem(line: u32, code: &str, message: impl Into<String>) -> Unreadable {
    vec![TreeProblem {
        line,
        code: code.into(),
        message: message.into(),
        spelled: None,
        choices: Vec::new(),
    }]
}

/// The four columns, and the header spellings accepted for each (compared folded:
/// lowercase, without diacritics).
const COLUMNS: [(&str, &[&str]); 4] = [
    (
        "mã",
        &["code", "ma", "ma don vi", "ma dv", "ma so", "ma truong"],
    ),
    (
        "tên",
        &["name", "ten", "ten don vi", "ten dv", "ten truong"],
    ),
    (
        "loại",
        &["kind", "loai", "loai don vi", "loai hinh", "loai dv"],
    ),
    (
        "mã cấp trên",
        &[
            "parent",
            "parent code",
            "parent_code",
            "ma cap tren",
            "ma don vi cap tren",
            "ma dv cap tren",
            "cap tren",
            "don vi cap tren",
            "ma don vi quan ly",
        ],
    ),
];

/// The optional contact columns (issue 20): the unit's contact person and phone, read
/// for the missing list's reminders and the reporter's "who to ask".
const CONTACT_COLUMNS: [&[&str]; 2] = [
    &[
        "contact",
        "contact name",
        "nguoi lien he",
        "nguoi lien lac",
        "lien he",
        "ho ten nguoi lien he",
        "can bo phu trach",
        "nguoi phu trach",
    ],
    &[
        "phone",
        "telephone",
        "dien thoai",
        "so dien thoai",
        "sdt",
        "so dt",
        "dt",
        "dien thoai lien he",
    ],
];

/// The optional predecessor column (issue 22): the unit's code in the earlier
/// campaigns, when it changed (a merged province, a renumbered commune or school).
const PREDECESSOR_COLUMN: &[&str] = &[
    "predecessor",
    "previous code",
    "ma nam truoc",
    "ma don vi nam truoc",
    "ma cu",
    "ma don vi cu",
    "ma truoc sap nhap",
];

/// Where the columns of a file are: the four required ones, and the contact and
/// predecessor columns when it has them.
struct Columns {
    at: [usize; 4],
    contact: Option<usize>,
    phone: Option<usize>,
    predecessor: Option<usize>,
}

/// Reads a file's rows: XLSX when it is a ZIP archive, CSV otherwise.
pub fn read(bytes: &[u8]) -> Result<Sheet, Unreadable> {
    let mut notices = Vec::new();
    let mut rows = if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes)?
    } else if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(problem(
            1,
            "OLD_EXCEL",
            "Tệp Excel 97–2003 (.xls) không đọc được: hãy lưu lại dưới dạng .xlsx hoặc CSV UTF-8.",
        ));
    } else {
        let (text, encoding) = decode(bytes)?;
        if let Some(encoding) = encoding {
            notices.push(format!(
                "Tệp được đọc theo bảng mã {encoding}. Hãy kiểm tra tên các đơn vị dưới đây trước khi cập nhật."
            ));
        }
        read_csv(&text)?
    };
    notices.extend(convert_legacy(&mut rows)?);
    Ok(Sheet { rows, notices })
}

/// Names and kinds typed in TCVN3 or VNI, converted to Unicode; a cell of neither is a
/// problem on its line rather than garbage stored.
fn convert_legacy(rows: &mut [TreeRow]) -> Result<Vec<String>, Unreadable> {
    let (mut tcvn3, mut vni) = (0usize, 0usize);
    let mut problems = Vec::new();
    for row in rows.iter_mut() {
        let contact = row.contact.as_mut().and_then(|c| c.name.as_mut());
        for cell in [&mut row.name, &mut row.kind].into_iter().chain(contact) {
            match legacy::recognize(cell) {
                Legacy::Unicode => {}
                Legacy::Tcvn3(text) => {
                    *cell = text;
                    tcvn3 += 1;
                }
                Legacy::Vni(text) => {
                    *cell = text;
                    vni += 1;
                }
                Legacy::Unreadable => problems.extend(problem(
                    row.line,
                    "LEGACY_TEXT",
                    format!(
                        "Dòng {}: “{cell}” có ký tự của bảng mã cũ (TCVN3, VNI) không chuyển được sang Unicode: hãy sửa trong tệp.",
                        row.line
                    ),
                )),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut notices = Vec::new();
    for (n, name) in [(tcvn3, "TCVN3 (ABC)"), (vni, "VNI")] {
        if n > 0 {
            notices.push(format!(
                "{n} ô viết bằng bảng mã {name} đã được chuyển sang Unicode."
            ));
        }
    }
    Ok(notices)
}

/// The text of a CSV file and, when it was not UTF-8, the encoding it was read in.
fn decode(bytes: &[u8]) -> Result<(Cow<'_, str>, Option<&'static str>), Unreadable> {
    // Lines are counted only for a refusal: a national tree file is tens of megabytes.
    let refused = |at: usize, why: &str| {
        problem(
            Lines::of(bytes).at(at),
            "BAD_ENCODING",
            format!("{why} Hãy mở bằng Excel rồi lưu lại dưới dạng “CSV UTF-8”."),
        )
    };
    if let Some((encoding, bom)) = encoding_rs::Encoding::for_bom(bytes)
        && encoding != encoding_rs::UTF_8
    {
        let text = encoding
            .decode_without_bom_handling_and_without_replacement(&bytes[bom..])
            .ok_or_else(|| refused(bom, "Tệp UTF-16 có ký tự sai mã."))?;
        return Ok((text, Some("UTF-16 (“Unicode Text” của Excel)")));
    }
    let utf8_bom = bytes.starts_with(b"\xEF\xBB\xBF");
    let body = if utf8_bom { &bytes[3..] } else { bytes };
    match std::str::from_utf8(body) {
        Ok(text) => return Ok((Cow::Borrowed(text), None)),
        Err(e) if utf8_bom => {
            return Err(refused(
                3 + e.valid_up_to(),
                "Tệp ghi là UTF-8 nhưng có ký tự sai mã.",
            ));
        }
        Err(_) => {}
    }
    // Not UTF-8: what Excel writes as "CSV" on Vietnamese Windows. Its tone marks are
    // combining characters, which NFC (in `row`) composes. Bytes it leaves to control
    // characters mean another encoding.
    const UNDEFINED_IN_1258: [u8; 9] = [0x81, 0x8A, 0x8D, 0x8E, 0x8F, 0x90, 0x9A, 0x9D, 0x9E];
    if let Some(at) = bytes.iter().position(|b| UNDEFINED_IN_1258.contains(b)) {
        return Err(refused(
            at,
            "Tệp không phải mã UTF-8, cũng không phải Windows-1258.",
        ));
    }
    let (text, _) = encoding_rs::WINDOWS_1258.decode_without_bom_handling(bytes);
    Ok((
        text,
        Some("Windows-1258 (“CSV” của Excel trên Windows tiếng Việt)"),
    ))
}

/// Which cell of a row holds each of the four columns, and the contact columns.
fn header(cells: &[String]) -> Result<Columns, Unreadable> {
    let folded: Vec<String> = cells
        .iter()
        .map(|c| {
            fold(c)
                .replace(['_', '-'], " ")
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    let mut at = [0usize; 4];
    let mut missing = Vec::new();
    for (i, (label, names)) in COLUMNS.iter().enumerate() {
        match folded.iter().position(|h| names.contains(&h.as_str())) {
            Some(p) => at[i] = p,
            None => missing.push(*label),
        }
    }
    let optional = |names: &[&str]| folded.iter().position(|h| names.contains(&h.as_str()));
    if missing.is_empty() {
        Ok(Columns {
            at,
            contact: optional(CONTACT_COLUMNS[0]),
            phone: optional(CONTACT_COLUMNS[1]),
            predecessor: optional(PREDECESSOR_COLUMN),
        })
    } else {
        Err(problem(
            1,
            "BAD_HEADER",
            format!(
                "Dòng tiêu đề phải có các cột: mã, tên, loại, mã cấp trên. Thiếu: {}.",
                missing.join(", ")
            ),
        ))
    }
}

fn row(line: u32, cells: &[String], columns: &Columns) -> Option<TreeRow> {
    let cell = |at: usize| {
        cells
            .get(at)
            .map(|c| tuanle_shared::text::nfc(c.trim()).into_owned())
            .unwrap_or_default()
    };
    let get = |i: usize| cell(columns.at[i]);
    // A contact name is a name: spaces collapsed, no control character.
    let contact = (columns.contact.is_some() || columns.phone.is_some()).then(|| Contact {
        name: columns
            .contact
            .map(|at| tuanle_shared::tree::normalize_name(&cell(at))),
        phone: columns.phone.map(cell),
    });
    let r = TreeRow {
        line,
        code: get(0),
        name: get(1),
        kind: get(2),
        parent: get(3),
        contact,
        predecessor: columns.predecessor.map(cell),
    };
    // Blank lines (common at the end of spreadsheets) are skipped.
    let blank = r.code.is_empty() && r.name.is_empty() && r.kind.is_empty() && r.parent.is_empty();
    (!blank).then_some(r)
}

/// Rows of a CSV text, decoded by [`decode`].
fn read_csv(text: &str) -> Result<Vec<TreeRow>, Unreadable> {
    let bytes = text.as_bytes();
    let lines = Lines::of(bytes);
    let first_line = bytes
        .split(|&b| b == b'\n' || b == b'\r')
        .next()
        .unwrap_or_default();
    let delimiter = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|d| first_line.iter().filter(|b| *b == d).count())
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut records = reader.records();
    let head = match records.next() {
        Some(Ok(r)) => r.iter().map(str::to_owned).collect::<Vec<_>>(),
        Some(Err(e)) => return Err(csv_problem(&e, &lines)),
        None => return Err(problem(1, "EMPTY_FILE", "Tệp trống.")),
    };
    let at = header(&head)?;
    let mut rows = Vec::new();
    for record in records {
        let record = record.map_err(|e| csv_problem(&e, &lines))?;
        let line = record.position().map_or(0, |p| lines.at(byte(p)));
        let cells: Vec<String> = record.iter().map(str::to_owned).collect();
        rows.extend(row(line, &cells, &at));
    }
    Ok(rows)
}

fn csv_problem(e: &csv::Error, lines: &Lines<'_>) -> Unreadable {
    let line = e.position().map_or(1, |p| lines.at(byte(p)));
    problem(line, "BAD_CSV", format!("Dòng không đọc được ({e})."))
}

fn byte(p: &csv::Position) -> usize {
    usize::try_from(p.byte()).unwrap_or(usize::MAX)
}

/// Where each line of a file starts, for line numbers as an editor shows them: a line
/// ends at LF (Unix), CRLF (Windows, what Excel writes) or a lone CR (old Macs). The csv
/// reader's own count knows only LF.
struct Lines<'a> {
    bytes: &'a [u8],
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn of(bytes: &'a [u8]) -> Lines<'a> {
        let mut starts = vec![0];
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'\r' if bytes.get(i + 1) == Some(&b'\n') => {
                    starts.push(i + 2);
                    i += 2;
                    continue;
                }
                b'\r' | b'\n' => starts.push(i + 1),
                _ => {}
            }
            i += 1;
        }
        Lines { bytes, starts }
    }

    /// The line (from 1) that holds the byte at `offset`; an offset on a line break
    /// counts for the text after it (the csv reader puts a record that follows a CRLF at
    /// its LF).
    fn at(&self, offset: usize) -> u32 {
        let text = self.bytes[offset.min(self.bytes.len())..]
            .iter()
            .position(|b| !matches!(b, b'\r' | b'\n'))
            .map_or(self.bytes.len(), |skip| offset + skip);
        let line = self.starts.partition_point(|&start| start <= text);
        u32::try_from(line.max(1)).unwrap_or(u32::MAX)
    }
}

/// Rows and columns an XLSX file may use: far above a national tree (about 100,000
/// rows, 4 columns), and far below what would exhaust memory.
const MAX_ROWS: u32 = 1_000_000;
const MAX_COLUMNS: u32 = 64;

/// Reads the first sheet cell by cell (streaming, so a file claiming a huge range costs
/// nothing), keeping rows as the spreadsheet numbers them.
fn read_xlsx(bytes: &[u8]) -> Result<Vec<TreeRow>, Unreadable> {
    let mut lines = first_sheet(bytes, "bảng danh sách đơn vị")?.into_iter();
    let Some((_, head)) = lines.next() else {
        return Err(problem(1, "EMPTY_FILE", "Tệp trống."));
    };
    let at = header(&head)?;
    Ok(lines
        .filter_map(|(line, cells)| row(line, &cells, &at))
        .collect())
}

/// The non-empty lines of an XLSX file's first sheet, by line number (1-based), each
/// cell as text; refused past [`MAX_ROWS`] lines or [`MAX_COLUMNS`] columns (`kept`
/// names what the sheet should hold instead).
fn first_sheet(
    bytes: &[u8],
    kept: &str,
) -> Result<std::collections::BTreeMap<u32, Vec<String>>, Unreadable> {
    let unreadable = |e: &dyn std::fmt::Display| {
        problem(1, "BAD_XLSX", format!("Tệp Excel không đọc được ({e})."))
    };
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| problem(1, "EMPTY_FILE", "Tệp Excel không có trang tính nào."))?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable(&e))?;
    let mut lines: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
        let (r, c) = cell.get_position();
        if r >= MAX_ROWS || c >= MAX_COLUMNS {
            return Err(problem(
                r.saturating_add(1),
                "TOO_LARGE",
                format!(
                    "Trang tính dùng quá {MAX_ROWS} dòng hoặc {MAX_COLUMNS} cột: hãy chỉ giữ {kept}."
                ),
            ));
        }
        let text = cell_text(cell.get_value());
        if text.is_empty() {
            continue;
        }
        let row = lines.entry(r + 1).or_default();
        let c = c as usize;
        if row.len() <= c {
            row.resize(c + 1, String::new());
        }
        row[c] = tuanle_shared::text::nfc(&text).into_owned();
    }
    Ok(lines)
}

/// The lines of a form's appendix kept as an XLSX sheet (its first), for
/// [`tuanle_shared::form::table`]; or why the file cannot be read, in Vietnamese.
pub fn appendix_lines(bytes: &[u8]) -> Result<Vec<tuanle_shared::form::table::Line>, String> {
    let lines = first_sheet(bytes, "bảng mẫu tổng hợp").map_err(|problems| {
        problems
            .into_iter()
            .map(|p| p.message)
            .collect::<Vec<_>>()
            .join(" ")
    })?;
    Ok(lines
        .into_iter()
        .map(|(number, cells)| tuanle_shared::form::table::Line { number, cells })
        .collect())
}

/// A cell as text: codes typed as numbers (`12345`) read as they show.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::DateTime(d) => d.as_f64().to_string(),
        DataRef::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_vietnamese_headers_any_order_and_semicolons() {
        let file = "\u{feff}Mã cấp trên;Tên đơn vị;Mã đơn vị;Loại;Ghi chú\n;Sở GDĐT;NB;tỉnh;x\nNB;\"Phường Hồng Quang; mới\";NB-HQ;phường;\n;;;;\n";
        let rows = read(file.as_bytes()).expect("rows").rows;
        assert_eq!(rows.len(), 2);
        assert_eq!(
            (
                rows[1].line,
                rows[1].code.as_str(),
                rows[1].name.as_str(),
                rows[1].parent.as_str()
            ),
            (3, "NB-HQ", "Phường Hồng Quang; mới", "NB")
        );
    }

    #[test]
    fn a_missing_column_or_a_wrong_encoding_is_named_with_its_line() {
        let e = read(b"code,name,kind\nNB,So,tinh\n").expect_err("header");
        assert_eq!((e[0].line, e[0].code.as_str()), (1, "BAD_HEADER"));
        assert!(e[0].message.contains("mã cấp trên"));
        // A byte neither UTF-8 nor Windows-1258 has, on line 3.
        let e = read(b"code,name,kind,parent\nNB,So,tinh,\nNB-T,Tr\x81ng,truong,NB\n")
            .expect_err("encoding");
        assert_eq!((e[0].line, e[0].code.as_str()), (3, "BAD_ENCODING"));
        // A file marked UTF-8 by its BOM is not read as anything else.
        let e = read(b"\xEF\xBB\xBFcode,name,kind,parent\nNB,So,tinh,\nNB-T,Tr\xFFng,truong,NB\n")
            .expect_err("encoding");
        assert_eq!((e[0].line, e[0].code.as_str()), (3, "BAD_ENCODING"));
    }

    /// What Excel writes as "CSV" on Vietnamese Windows: Windows-1258, whose tone marks
    /// are combining characters. Read, composed (NFC), and said in a notice.
    #[test]
    fn a_windows_1258_csv_is_read_and_composed() {
        // "Sở GD Ninh Bình", "Phường" in Windows-1258: ơ + hook, i + grave, ư + ơ + grave.
        let file = b"ma\xDE,t\xEAn,loa\xF2i,ma\xDE c\xE2\xECp tr\xEAn\r\nNB,S\xF5\xD2 GD Ninh Bi\xCCnh,ti\xD2nh,\r\nNB-HQ,Ph\xFD\xF5\xCCng H\xF4\xCCng Quang,ph\xFD\xF5\xCCng,NB\r\n";
        let sheet = read(file).expect("read");
        let names: Vec<&str> = sheet.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["Sở GD Ninh Bình", "Phường Hồng Quang"]);
        assert_eq!(sheet.rows[1].kind, "phường");
        assert!(
            sheet.notices[0].contains("Windows-1258"),
            "{:?}",
            sheet.notices
        );
    }

    /// Excel's "Unicode text": UTF-16 LE with a BOM, tab separated.
    #[test]
    fn a_utf16_text_file_is_read() {
        let text = "Mã\tTên\tLoại\tMã cấp trên\r\nNB\tSở GDĐT Ninh Bình\tTỉnh\t\r\n";
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
        for file in [le, be] {
            let sheet = read(&file).expect("read");
            assert_eq!(sheet.rows[0].name, "Sở GDĐT Ninh Bình");
            assert!(sheet.notices[0].contains("UTF-16"), "{:?}", sheet.notices);
        }
    }

    #[test]
    fn names_in_tcvn3_or_vni_are_converted_and_unreadable_ones_refused() {
        let file = "code,name,kind,parent\nNB,Së Gi¸o dôc vµ §µo t¹o,tØnh,\nNB-HQ,Phöôøng Hoàng Quang,phöôøng,NB\nNB-HL,Phường Hoa Lư,phường,NB\n";
        let sheet = read(file.as_bytes()).expect("read");
        let cells: Vec<(&str, &str)> = sheet
            .rows
            .iter()
            .map(|r| (r.name.as_str(), r.kind.as_str()))
            .collect();
        assert_eq!(
            cells,
            [
                ("Sở Giáo dục và Đào tạo", "tỉnh"),
                ("Phường Hồng Quang", "phường"),
                ("Phường Hoa Lư", "phường")
            ]
        );
        assert_eq!(sheet.notices.len(), 2, "{:?}", sheet.notices);
        let e = read("code,name,kind,parent\nNB,Sở,tỉnh,\nNB-X,Tr±²ng,trường,NB\n".as_bytes())
            .expect_err("unreadable");
        assert_eq!((e[0].line, e[0].code.as_str()), (3, "LEGACY_TEXT"));
    }

    #[test]
    fn lines_are_counted_alike_for_lf_crlf_and_cr() {
        let lf = "code,name,kind,parent\nNB,Sở,tỉnh,\nNB-HQ,\"Phường\nHồng Quang\",phường,NB\nNB-HQ-TH,Trường TH,tiểu học,NB-HQ\n";
        for (ending, file) in [
            ("LF", lf.to_owned()),
            ("CRLF", lf.replace('\n', "\r\n")),
            ("CR", lf.replace('\n', "\r")),
        ] {
            let rows = read(file.as_bytes())
                .unwrap_or_else(|e| panic!("{ending}: {e:?}"))
                .rows;
            let lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
            // The quoted name spans lines 3 and 4, as an editor shows them.
            assert_eq!(lines, [2, 3, 5], "{ending}");
        }
        let crlf = b"code,name,kind,parent\r\nNB,So,tinh,\r\nNB-T,Tr\x81ng,truong,NB\r\n";
        let e = read(crlf).expect_err("encoding");
        assert_eq!(e[0].line, 3, "a bad byte on line 3 of a CRLF file");
        let cr = b"code,name,kind,parent\rNB,So,tinh,\rNB-T,Tr\x81ng,truong,NB\r";
        let e = read(cr).expect_err("encoding");
        assert_eq!(e[0].line, 3, "a bad byte on line 3 of a CR file");
        let lines = Lines::of(b"a\r\nb\rc\nd");
        assert_eq!(
            [0, 1, 2, 3, 4, 5, 6, 7].map(|o| lines.at(o)),
            [1, 2, 2, 2, 3, 3, 4, 4]
        );
    }
}
