//! The unit's report as a Word document (docx-rs), laid out as Nghị định 30/2020/NĐ-CP
//! lays out an administrative document: A4, Times New Roman, margins of 20 mm top and
//! bottom, 30 mm left, 15 mm right; the header with the agency under its parent agency
//! and the national motto, the number and the place and date; the title; sections I and
//! II from the unit's own narrative (I.4's two amounts from rows 10.1 and 10.2); *Nơi
//! nhận* beside the signature; then the consolidated table as the appendix.

use docx_rs::{
    AlignmentType, Docx, LineSpacing, PageMargin, Paragraph, Run, RunFonts, SpecialIndentType,
    Table, TableCell, TableRow, VAlignType, WidthType,
};
use tuanle_shared::document::DocumentFields;
use tuanle_shared::form::ItemKind;
use tuanle_shared::{Column, RowKind, TextCell, Totals, format_number};

use super::{ExportData, fit};

/// Millimetres in twips (the unit of Word's page layout).
const fn mm(v: i32) -> i32 {
    v * 1440 * 10 / 254
}

/// The text's width on the page: A4 less the margins.
const TEXT_WIDTH: i32 = 11906 - mm(30) - mm(15);

/// A run of `text` at `size` points. Control characters a pasted text may hold (a
/// vertical tab, a form feed) are dropped: XML cannot hold them, and Word would refuse
/// the whole file.
fn run(text: &str, size: usize) -> Run {
    let text: String = text
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    Run::new().add_text(text).size(size * 2)
}

fn centered(runs: Vec<Run>) -> Paragraph {
    runs.into_iter()
        .fold(Paragraph::new(), Paragraph::add_run)
        .align(AlignmentType::Center)
}

/// A body paragraph: 14 points, justified, its first line indented, 6 points after.
fn body(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, 14))
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(mm(10))), None, None)
        .line_spacing(LineSpacing::new().after(120))
}

fn heading(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(run(text, 14).bold())
        .align(AlignmentType::Both)
        .indent(None, Some(SpecialIndentType::FirstLine(mm(10))), None, None)
        .line_spacing(LineSpacing::new().before(120).after(120))
}

fn cell(paragraphs: Vec<Paragraph>, width: i32) -> TableCell {
    paragraphs
        .into_iter()
        .fold(TableCell::new(), TableCell::add_paragraph)
        .width(width as usize, WidthType::Dxa)
}

/// The header: the parent agency over the agency and its number on the left, the
/// national motto over the place and date on the right.
fn header(fields: &DocumentFields, year: i64) -> Table {
    let left_width = mm(62);
    let right_width = TEXT_WIDTH - left_width;
    let mut left = Vec::new();
    if let Some(parent) = &fields.parent_agency {
        left.push(centered(vec![run(parent, 13)]));
    }
    left.push(centered(vec![run(&fields.agency, 13).bold()]));
    left.push(centered(vec![run("────────", 13)]));
    left.push(centered(vec![run(&format!("Số: {}", fields.number), 13)]));
    let right = vec![
        centered(vec![run("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 12).bold()]),
        centered(vec![run("Độc lập - Tự do - Hạnh phúc", 14).bold()]),
        centered(vec![run("────────────────", 13)]),
        centered(vec![
            run(
                &format!("{}, ngày …… tháng …… năm {year}", fields.place),
                13,
            )
            .italic(),
        ]),
    ];
    Table::without_borders(vec![TableRow::new(vec![
        cell(left, left_width),
        cell(right, right_width),
    ])])
    .set_grid(vec![left_width as usize, right_width as usize])
}

/// The narrative of sections I and II: each item's label, then what the unit wrote.
fn sections(data: &ExportData) -> Vec<Paragraph> {
    let form = data.form;
    let mut out = Vec::new();
    for section in form.sections() {
        out.push(heading(&format!("{}. {}", section.code, section.label)));
        for (n, item) in section.items.iter().enumerate() {
            out.push(heading(&format!("{}. {}", n + 1, item.label)));
            // The amounts of the rows the item shows (I.4: 10.1 and 10.2).
            for &row in &item.shows_rows {
                let def = &form.rows()[row];
                let value = data.figures.value(form, row, Column::Count).unwrap_or(0);
                out.push(body(&format!(
                    "- {}: {} đồng.",
                    def.label,
                    format_number(value)
                )));
            }
            match item.kind {
                ItemKind::Text => {
                    let text = data
                        .own
                        .as_ref()
                        .and_then(|c| c.text(&TextCell::text(item.code.clone())));
                    match text {
                        Some(text) => {
                            for paragraph in text.split('\n').filter(|p| !p.trim().is_empty()) {
                                out.push(body(paragraph.trim()));
                            }
                        }
                        None if item.shows_rows.is_empty() => out.push(body("(Chưa có nội dung.)")),
                        None => {}
                    }
                }
                _ => out.push(body("(Có Phụ lục kèm theo.)")),
            }
        }
    }
    out
}

/// *Nơi nhận* on the left, the signature block on the right.
fn closing(fields: &DocumentFields) -> Table {
    let left_width = mm(80);
    let right_width = TEXT_WIDTH - left_width;
    let mut left = vec![Paragraph::new().add_run(run("Nơi nhận:", 12).bold().italic())];
    left.extend(
        fields
            .recipients
            .iter()
            .map(|r| Paragraph::new().add_run(run(r, 11))),
    );
    let mut right: Vec<Paragraph> = fields
        .signature
        .iter()
        .map(|line| centered(vec![run(line, 14).bold()]))
        .collect();
    // Room to sign and stamp.
    for _ in 0..4 {
        right.push(Paragraph::new());
    }
    right.push(centered(vec![run(&fields.signer, 14).bold()]));
    // Kept on one page: a signature never stands apart from its name.
    Table::without_borders(vec![
        TableRow::new(vec![cell(left, left_width), cell(right, right_width)]).cant_split(),
    ])
    .set_grid(vec![left_width as usize, right_width as usize])
}

/// The appendix, after a page break: the consolidated table of the subtree, as the form
/// prints it.
fn with_appendix(doc: Docx, data: &ExportData) -> Docx {
    let form = data.form;
    let widths = [mm(12), mm(78), mm(25), mm(28), mm(22)];
    let head = |text: &str, w: i32| {
        cell(vec![centered(vec![run(text, 12).bold()])], w).vertical_align(VAlignType::Center)
    };
    let mut rows = vec![TableRow::new(vec![
        head("STT", widths[0]),
        head("Các hoạt động", widths[1]),
        head("Đơn vị", widths[2]),
        head("Số lớp/số cuộc thi", widths[3]),
        head("Số người", widths[4]),
    ])];
    let totals = Totals::compute(form, &data.figures);
    for (i, row) in form.rows().iter().enumerate() {
        let strong =
            row.stt.is_some() || matches!(row.kind, RowKind::Group | RowKind::Total { .. });
        let label = format!("{}{}", row.label, super::reading_mark(row));
        let text = |t: &str, bold: bool| {
            let r = run(t, 12);
            Paragraph::new().add_run(if bold { r.bold() } else { r })
        };
        let value = |column: Column| {
            totals
                .get(i, column)
                .or_else(|| data.figures.value(form, i, column))
                .map(format_number)
                .unwrap_or_default()
        };
        let number = |t: String| {
            Paragraph::new()
                .add_run(run(&t, 12))
                .align(AlignmentType::Right)
        };
        rows.push(TableRow::new(vec![
            cell(
                vec![centered(vec![run(row.stt.as_deref().unwrap_or(""), 12)])],
                widths[0],
            ),
            cell(vec![text(&label, strong)], widths[1]),
            cell(vec![text(&row.unit, false)], widths[2]),
            cell(vec![number(value(Column::Count))], widths[3]),
            cell(vec![number(value(Column::Persons))], widths[4]),
        ]));
    }
    let mut doc = doc
        .add_paragraph(
            Paragraph::new()
                .add_run(run("Phụ lục", 14).bold())
                .align(AlignmentType::Center)
                .page_break_before(true),
        )
        .add_paragraph(centered(vec![run(form.title(), 14).bold()]))
        .add_paragraph(centered(vec![run(form.subtitle(), 14).italic()]))
        .add_paragraph(centered(vec![run(
            &format!("Đơn vị: {}", data.unit_name),
            13,
        )]))
        .add_table(Table::new(rows).set_grid(widths.iter().map(|w| *w as usize).collect()));
    if form.rows().iter().any(|r| r.reading.is_some()) {
        doc = doc.add_paragraph(
            Paragraph::new().add_run(run(tuanle_shared::form::READING_NOTE, 12).italic()),
        );
    }
    doc
}

/// The report document of what [`super::gather`] read, issued as `fields` say. CPU-bound:
/// call it on a blocking thread.
pub fn report_document(
    data: &ExportData,
    fields: &DocumentFields,
) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let font = RunFonts::new()
        .ascii(fit::FONT)
        .hi_ansi(fit::FONT)
        .east_asia(fit::FONT)
        .cs(fit::FONT);
    let mut doc = Docx::new()
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(mm(20))
                .bottom(mm(20))
                .left(mm(30))
                .right(mm(15))
                .header(mm(10))
                .footer(mm(10)),
        )
        .default_fonts(font)
        .default_size(28)
        .add_table(header(fields, data.year))
        .add_paragraph(Paragraph::new())
        .add_paragraph(centered(vec![run("BÁO CÁO", 14).bold()]))
        .add_paragraph(centered(vec![
            run(
                &format!(
                    "Kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm {}",
                    data.year
                ),
                14,
            )
            .bold(),
        ]))
        .add_paragraph(centered(vec![run(&super::provenance(data), 12).italic()]));
    for p in sections(data) {
        doc = doc.add_paragraph(p);
    }
    doc = doc
        .add_paragraph(Paragraph::new())
        .add_table(closing(fields));
    doc = with_appendix(doc, data);
    let mut bytes = std::io::Cursor::new(Vec::new());
    doc.pack(&mut bytes)?;
    Ok(bytes.into_inner())
}
