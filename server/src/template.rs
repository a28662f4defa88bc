//! The official Excel template of one unit's report, for entry on its behalf ("nhập hộ"):
//! many units still send their numbers on paper or as a file through a messaging app.
//!
//! The template is the appendix's form with a column of row codes: downloaded blank or
//! filled with the unit's current report, filled in by hand, and read back with calamine.
//! Reading checks the file is the unit's own and the form's, parses every value with the
//! shared number rules and the cell's bound, then runs the shared validation: each
//! problem is named by the spreadsheet's line. Nothing is written: the app shows the
//! preview, and the supervisor puts it into the report, which syncs as typed content does.

use std::collections::HashMap;
use std::io::Cursor;

use calamine::{DataRef, Reader, Xlsx};
use rust_xlsxwriter::{Color, Format, FormatAlign, FormatBorder, Workbook, XlsxError};
use tuanle_shared::form::ItemKind;
use tuanle_shared::validate::{IssueReport, Severity, validate};
use tuanle_shared::wire::{RefusalCode, TemplatePreview, TemplateProblem};
use tuanle_shared::{Code, Column, Content, Figures, FormDef, NumberCell, RowKind, TextCell};

use crate::error::Error;

/// Whose template it is.
pub struct TemplateFor<'a> {
    pub form: &'a FormDef,
    pub campaign: &'a str,
    pub year: i64,
    pub unit_code: &'a str,
    pub unit_name: &'a str,
}

/// Lines of the template (from 0, as rust_xlsxwriter counts): what identifies it, then the
/// header, then one line per row and narrative item.
const UNIT_LINE: u32 = 2;
const FORM_LINE: u32 = 3;
const CAMPAIGN_LINE: u32 = 4;
const HEAD_LINE: u32 = 5;
const HEAD_CODE: &str = "Mã dòng";
/// Columns: code, STT, label, unit, count, persons, note or text.
const COUNT_COL: u16 = 4;
const PERSONS_COL: u16 = 5;
const TEXT_COL: u16 = 6;

/// The template, blank or holding `content`.
pub fn workbook(of: &TemplateFor<'_>, content: Option<&Content>) -> Result<Vec<u8>, XlsxError> {
    let form = of.form;
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let title = Format::new().set_bold().set_font_size(13);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_text_wrap()
        .set_background_color(Color::RGB(0xDDEBF7));
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let bold = cell.clone().set_bold();
    let computed = cell.clone().set_background_color(Color::RGB(0xEEEEEE));
    let entry = cell
        .clone()
        .set_num_format("#,##0")
        .set_background_color(Color::RGB(0xFFF9E6));
    let locked = Format::new().set_font_color(Color::RGB(0x666666));

    sheet.set_name("Mẫu nhập số liệu")?;
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    for (col, width) in [
        (0, 9.0),
        (1, 5.0),
        (2, 48.0),
        (3, 11.0),
        (4, 12.0),
        (5, 12.0),
        (6, 40.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    sheet.write_string_with_format(0, 0, form.title(), &title)?;
    sheet.write_string(1, 0, "Mẫu nhập số liệu của một đơn vị: điền vào các ô nền vàng, không sửa cột Mã dòng; dòng tổng được tính tự động.")?;
    sheet.write_string_with_format(UNIT_LINE, 0, "Mã đơn vị", &locked)?;
    sheet.write_string(UNIT_LINE, 1, of.unit_code)?;
    sheet.write_string(UNIT_LINE, 2, of.unit_name)?;
    sheet.write_string_with_format(FORM_LINE, 0, "Mẫu biểu", &locked)?;
    sheet.write_string(FORM_LINE, 1, form.version())?;
    sheet.write_string_with_format(CAMPAIGN_LINE, 0, "Đợt", &locked)?;
    sheet.write_string(CAMPAIGN_LINE, 1, of.campaign)?;
    sheet.write_string(
        CAMPAIGN_LINE,
        2,
        format!("Tuần lễ hưởng ứng học tập suốt đời năm {}", of.year),
    )?;
    for (col, label) in [
        HEAD_CODE,
        "STT",
        "Các hoạt động",
        "Đơn vị",
        "Số lớp/số cuộc thi",
        "Số người",
        "Ghi chú / Nội dung",
    ]
    .into_iter()
    .enumerate()
    {
        sheet.write_string_with_format(HEAD_LINE, col as u16, label, &head)?;
    }
    sheet.set_freeze_panes(HEAD_LINE + 1, 0)?;

    let mut line = HEAD_LINE + 1;
    for row in form.rows() {
        let strong =
            row.stt.is_some() || matches!(row.kind, RowKind::Group | RowKind::Total { .. });
        sheet.write_string_with_format(line, 0, row.code.as_str(), &locked)?;
        sheet.write_string_with_format(line, 1, row.stt.as_deref().unwrap_or(""), &cell)?;
        sheet.write_string_with_format(line, 2, &row.label, if strong { &bold } else { &cell })?;
        sheet.write_string_with_format(line, 3, &row.unit, &cell)?;
        for (column, col) in [(Column::Count, COUNT_COL), (Column::Persons, PERSONS_COL)] {
            if !row.accepts(column) {
                sheet.write_blank(line, col, &computed)?;
                continue;
            }
            match content.and_then(|c| c.number(&row.code, column)) {
                Some(v) => sheet.write_number_with_format(line, col, v as f64, &entry)?,
                None => sheet.write_blank(line, col, &entry)?,
            };
        }
        let text_cell = text_cell_of(row.kind == RowKind::Text, &row.code);
        let text = content.and_then(|c| c.text(&text_cell)).unwrap_or("");
        sheet.write_string_with_format(line, TEXT_COL, text, &entry)?;
        line += 1;
    }
    line += 1;
    sheet.write_string_with_format(line, 2, "NỘI DUNG BÁO CÁO", &title)?;
    line += 1;
    for section in form.sections() {
        sheet.write_string_with_format(
            line,
            2,
            format!("{}. {}", section.code, section.label),
            &bold,
        )?;
        line += 1;
        for item in section.items.iter().filter(|i| i.kind == ItemKind::Text) {
            let text_cell = TextCell::text(item.code.clone());
            sheet.write_string_with_format(line, 0, item.code.as_str(), &locked)?;
            sheet.write_string_with_format(line, 2, &item.label, &cell)?;
            let text = content.and_then(|c| c.text(&text_cell)).unwrap_or("");
            sheet.write_string_with_format(line, TEXT_COL, text, &entry)?;
            line += 1;
        }
    }
    book.save_to_buffer()
}

fn text_cell_of(text_row: bool, code: &Code) -> TextCell {
    if text_row {
        TextCell::text(code.clone())
    } else {
        TextCell::note(code.clone())
    }
}

/// The most lines a template has: far above any form, far below what costs memory.
const MAX_LINES: u32 = 2_000;
/// The most a template may unpack to: a filled one is well under a megabyte, and a small
/// file that unpacks to gigabytes (a "zip bomb") must not reach the reader.
const MAX_UNPACKED_BYTES: u64 = 32 * 1024 * 1024;

/// Refuses an archive whose entries would unpack past [`MAX_UNPACKED_BYTES`], from the
/// sizes its directory declares (the reader unpacks no more than those).
fn check_unpacked_size(bytes: &[u8]) -> Result<(), String> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|e| e.to_string())?;
        total = total.saturating_add(entry.size());
        if total > MAX_UNPACKED_BYTES {
            return Err(format!(
                "tệp giải nén ra quá {} MB",
                MAX_UNPACKED_BYTES / 1024 / 1024
            ));
        }
    }
    Ok(())
}

/// A cell's value as the template reads it.
enum Value {
    Blank,
    Text(String),
    Number(f64),
    /// What Excel makes of "1/2" or "3-4" typed into a number cell.
    Date,
}

fn value_of(cell: &DataRef<'_>) -> Value {
    match cell {
        DataRef::Empty => Value::Blank,
        DataRef::String(s) if s.trim().is_empty() => Value::Blank,
        DataRef::String(s) => Value::Text(s.clone()),
        DataRef::SharedString(s) if s.trim().is_empty() => Value::Blank,
        DataRef::SharedString(s) => Value::Text((*s).to_owned()),
        DataRef::Int(i) => Value::Number(*i as f64),
        DataRef::Float(f) => Value::Number(*f),
        DataRef::Bool(b) => Value::Text(b.to_string()),
        DataRef::DateTimeIso(_) | DataRef::DurationIso(_) | DataRef::DateTime(_) => Value::Date,
        DataRef::Error(e) => Value::Text(format!("#{e}")),
    }
}

/// What a value says as the text the shared parser reads: whole numbers as digits, the
/// rest as written (so "12,5" or "-3" get the parser's own message).
fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::Blank => None,
        // Never read (the reader names it in a number cell): the spreadsheet changed
        // what was typed.
        Value::Date => None,
        Value::Text(t) => Some(t.trim().to_owned()),
        Value::Number(f) if f.fract() == 0.0 => Some(format!("{f:.0}")),
        // A decimal typed in a number cell: the parser's message for it.
        Value::Number(f) => Some(f.to_string().replace('.', ",")),
    }
}

/// Reads a filled template of `of`'s unit: the content it holds and every problem, each
/// with its line (from 1, as the spreadsheet shows it). A file that is no workbook at
/// all is refused (`BAD_BODY`).
pub fn read(of: &TemplateFor<'_>, bytes: &[u8]) -> Result<TemplatePreview, Error> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::bad(
            RefusalCode::BadBody,
            format!("Tệp Excel không đọc được ({e}). Hãy tải mẫu về, điền rồi gửi lại."),
        )
    };
    check_unpacked_size(bytes).map_err(|e| unreadable(&e))?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(|e| unreadable(&e))?;
    let first = book
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| unreadable(&"không có trang tính nào"))?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|e| unreadable(&e))?;
    let mut lines: std::collections::BTreeMap<u32, HashMap<u16, Value>> = Default::default();
    while let Some(cell) = cells.next_cell().map_err(|e| unreadable(&e))? {
        let (r, c) = cell.get_position();
        if r >= MAX_LINES {
            return Err(unreadable(&format!("quá {MAX_LINES} dòng")));
        }
        let Ok(c) = u16::try_from(c) else { continue };
        if c > TEXT_COL {
            continue;
        }
        let v = value_of(cell.get_value());
        if !matches!(v, Value::Blank) {
            lines.entry(r).or_default().insert(c, v);
        }
    }
    Ok(read_lines(of, &lines))
}

fn read_lines(
    of: &TemplateFor<'_>,
    lines: &std::collections::BTreeMap<u32, HashMap<u16, Value>>,
) -> TemplatePreview {
    let form = of.form;
    let mut problems = Vec::new();
    let problem = |line: u32, code: Option<&str>, message: String| TemplateProblem {
        line: line + 1,
        code: code.map(str::to_owned),
        message,
    };
    let text_at =
        |line: u32, col: u16| lines.get(&line).and_then(|l| l.get(&col)).and_then(as_text);
    // The file must be this unit's and this form's: a template of another school sent by
    // mistake must not become this one's report.
    let unit = text_at(UNIT_LINE, 1).unwrap_or_default();
    if text_at(UNIT_LINE, 0).as_deref() != Some("Mã đơn vị") || unit != of.unit_code {
        problems.push(problem(
            UNIT_LINE,
            None,
            if unit.is_empty() {
                format!("Tệp không phải mẫu nhập số liệu của đơn vị {} (không thấy mã đơn vị). Hãy tải mẫu của đơn vị về và điền vào đó.", of.unit_name)
            } else {
                format!("Tệp là mẫu của đơn vị mã {unit}, không phải của {} (mã {}).", of.unit_name, of.unit_code)
            },
        ));
    }
    let campaign = text_at(CAMPAIGN_LINE, 1).unwrap_or_default();
    if campaign != of.campaign {
        problems.push(problem(
            CAMPAIGN_LINE,
            None,
            format!(
                "Tệp là mẫu của đợt “{campaign}”, không phải đợt {}: hãy tải mẫu của đợt này.",
                of.campaign
            ),
        ));
    }
    let version = text_at(FORM_LINE, 1).unwrap_or_default();
    if version != form.version() {
        problems.push(problem(
            FORM_LINE,
            None,
            format!(
                "Tệp theo mẫu biểu “{version}”, đợt này dùng mẫu biểu {}: hãy tải mẫu mới.",
                form.version()
            ),
        ));
    }
    if text_at(HEAD_LINE, 0).as_deref() != Some(HEAD_CODE) {
        problems.push(problem(
            HEAD_LINE,
            None,
            format!("Không thấy dòng tiêu đề (cột “{HEAD_CODE}”): hãy giữ nguyên bố cục của mẫu."),
        ));
        return TemplatePreview {
            content: Content::default(),
            problems,
            warnings: Vec::new(),
        };
    }
    let items: HashMap<&str, ()> = form
        .sections()
        .iter()
        .flat_map(|s| s.items.iter())
        .filter(|i| i.kind == ItemKind::Text)
        .map(|i| (i.code.as_str(), ()))
        .collect();
    let mut content = Content::default();
    let mut line_of: HashMap<String, u32> = HashMap::new();
    for (&line, cells) in lines.range(HEAD_LINE + 1..) {
        let Some(code_text) = cells.get(&0).and_then(as_text) else {
            // A line without a code (a heading) holds nothing to read, unless values were
            // typed into it.
            if [COUNT_COL, PERSONS_COL, TEXT_COL]
                .iter()
                .any(|c| cells.contains_key(c))
            {
                problems.push(problem(line, None, "Dòng không có mã dòng: số liệu ở dòng này không được đọc. Hãy giữ nguyên cột Mã dòng.".into()));
            }
            continue;
        };
        let Ok(code) = code_text.parse::<Code>() else {
            problems.push(problem(
                line,
                Some(&code_text),
                format!("Mã dòng “{code_text}” không đúng."),
            ));
            continue;
        };
        if let Some(first) = line_of.insert(code.as_str().to_owned(), line) {
            problems.push(problem(
                line,
                Some(code.as_str()),
                format!(
                    "Dòng {code} có hai lần trong tệp (dòng {} và dòng {}): hãy giữ một.",
                    first + 1,
                    line + 1
                ),
            ));
            continue;
        }
        if let Some(row) = form.row(&code) {
            for (column, col) in [(Column::Count, COUNT_COL), (Column::Persons, PERSONS_COL)] {
                let Some(text) = cells.get(&col).and_then(|v| match v {
                    Value::Date => Some(String::new()),
                    other => as_text(other),
                }) else {
                    continue;
                };
                if !row.accepts(column) {
                    problems.push(problem(
                        line,
                        Some(code.as_str()),
                        format!(
                            "Dòng {code}: ô “{}” không nhập số (dòng tổng được tính tự động).",
                            column_label(column)
                        ),
                    ));
                    continue;
                }
                if matches!(cells.get(&col), Some(Value::Date)) {
                    problems.push(problem(
                        line,
                        Some(code.as_str()),
                        format!("Dòng {code}, {}: ô là ngày tháng (Excel đổi “1/2” hay “3-4” thành ngày): hãy nhập một số.", column_label(column)),
                    ));
                    continue;
                }
                let cell = NumberCell::new(code.clone(), column);
                match form.parse_cell(&cell, &text) {
                    Ok(v) => content.set_number(cell, v),
                    Err(e) => problems.push(problem(
                        line,
                        Some(code.as_str()),
                        format!("Dòng {code}, {}: “{text}”: {e}", column_label(column)),
                    )),
                }
            }
            if let Some(text) = cells.get(&TEXT_COL).and_then(as_text) {
                content.set_text(text_cell_of(row.kind == RowKind::Text, &code), text);
            }
        } else if items.contains_key(code.as_str()) {
            if let Some(text) = cells.get(&TEXT_COL).and_then(as_text) {
                content.set_text(TextCell::text(code.clone()), text);
            }
        } else {
            problems.push(problem(
                line,
                Some(code.as_str()),
                format!("Mẫu báo cáo không có dòng {code}."),
            ));
        }
    }
    if let Err(e) = Figures::from_content(form, &content) {
        problems.push(TemplateProblem {
            line: line_of.get(e.row().as_str()).map_or(0, |l| l + 1),
            code: Some(e.row().to_string()),
            message: e.to_string(),
        });
    }
    // The shared rules, each finding on its row's line.
    let mut warnings = Vec::new();
    if problems.is_empty() {
        for issue in validate(form, &content, None) {
            let report = IssueReport::from(&issue);
            let code = report.cell.split('/').next().unwrap_or_default().to_owned();
            let found = TemplateProblem {
                line: line_of.get(&code).map_or(0, |l| l + 1),
                code: Some(code),
                message: report.message,
            };
            match issue.severity() {
                Severity::Error => problems.push(found),
                Severity::Warning => warnings.push(found),
            }
        }
    }
    TemplatePreview {
        content,
        problems,
        warnings,
    }
}

fn column_label(column: Column) -> &'static str {
    match column {
        Column::Count => "Số lớp/số cuộc thi",
        Column::Persons => "Số người",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(form: &FormDef) -> TemplateFor<'_> {
        TemplateFor {
            form,
            campaign: "2025",
            year: 2025,
            unit_code: "NB-HQ-TH",
            unit_name: "Trường Tiểu học Hồng Quang",
        }
    }

    #[test]
    fn a_filled_template_reads_back_as_the_content_it_was_made_from() {
        let form = tuanle_shared::form::builtin("2025").expect("form");
        let mut content = Content::default();
        content.set_number(
            NumberCell::new("2".parse().expect("code"), Column::Count),
            Some(3),
        );
        content.set_number(
            NumberCell::new("1.1".parse().expect("code"), Column::Count),
            Some(2),
        );
        content.set_number(
            NumberCell::new("1.1".parse().expect("code"), Column::Persons),
            Some(40),
        );
        content.set_text(
            TextCell::text("II.2".parse().expect("code")),
            "Thiếu giáo viên",
        );
        content.set_text(TextCell::note("2".parse().expect("code")), "ghi chú");
        let bytes = workbook(&of(form), Some(&content)).expect("workbook");
        let read = read(&of(form), &bytes).expect("readable");
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert_eq!(read.content, content);
        // Blank, it reads as an empty report.
        let blank = workbook(&of(form), None).expect("workbook");
        let read = super::read(&of(form), &blank).expect("readable");
        assert!(read.problems.is_empty(), "{:?}", read.problems);
        assert!(read.content.is_empty());
    }

    #[test]
    fn a_date_a_repeated_row_and_another_campaign_are_problems_on_their_lines() {
        let form = tuanle_shared::form::builtin("2025").expect("form");
        let mut book = Workbook::new();
        let sheet = book.add_worksheet();
        let date = Format::new().set_num_format("dd/mm/yyyy");
        sheet.write_string(UNIT_LINE, 0, "Mã đơn vị").expect("cell");
        sheet.write_string(UNIT_LINE, 1, "NB-HQ-TH").expect("cell");
        sheet.write_string(FORM_LINE, 1, "2025").expect("cell");
        sheet.write_string(CAMPAIGN_LINE, 1, "2024").expect("cell");
        sheet.write_string(HEAD_LINE, 0, HEAD_CODE).expect("cell");
        sheet.write_string(6, 0, "2").expect("cell");
        // "1/2" typed into a count: the spreadsheet stores a date.
        let day = rust_xlsxwriter::ExcelDateTime::from_ymd(2025, 2, 1).expect("date");
        sheet
            .write_datetime_with_format(6, COUNT_COL, &day, &date)
            .expect("cell");
        sheet.write_string(7, 0, "2.1").expect("cell");
        sheet.write_number(7, COUNT_COL, 1.0).expect("cell");
        sheet.write_string(8, 0, "2.1").expect("cell");
        sheet.write_number(8, COUNT_COL, 2.0).expect("cell");
        let bytes = book.save_to_buffer().expect("workbook");
        let read = read(&of(form), &bytes).expect("readable");
        let lines: Vec<u32> = read.problems.iter().map(|p| p.line).collect();
        assert!(lines.contains(&(CAMPAIGN_LINE + 1)), "{:?}", read.problems);
        assert!(lines.contains(&7), "the date: {:?}", read.problems);
        assert!(lines.contains(&9), "the repeated row: {:?}", read.problems);
        assert!(
            read.content
                .number(&"2".parse().expect("code"), Column::Count)
                .is_none()
        );
    }

    #[test]
    fn another_units_template_and_garbage_are_refused() {
        let form = tuanle_shared::form::builtin("2025").expect("form");
        let mut other = of(form);
        other.unit_code = "NB-HQ-MN";
        let bytes = workbook(&other, None).expect("workbook");
        let read = read(&of(form), &bytes).expect("readable");
        assert_eq!(read.problems.len(), 1, "{:?}", read.problems);
        assert_eq!(read.problems[0].line, UNIT_LINE + 1);
        assert!(read.problems[0].message.contains("NB-HQ-MN"));
        assert!(matches!(
            super::read(&of(form), b"not a workbook"),
            Err(Error::Refused {
                code: RefusalCode::BadBody,
                ..
            })
        ));
    }
}
