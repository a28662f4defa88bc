//! The official Excel form (rust_xlsxwriter), for one unit or consolidated for a subtree.
//!
//! Sheet 1 is the appendix's form as printed: title and subtitle, the unit and the
//! campaign, the two-row header with its merged cells, every row in official order with
//! its label, totals as `SUM` formulas whose cached values are right, grouped numbers,
//! A4. Sheet 2 has one row per child unit and one column per code; sheet 3 the gathered
//! narrative texts. Data is read first (async); the workbook is built on a blocking
//! thread so a national export does not hold the server's other work up.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError};
use sqlx::Row;
use tuanle_shared::form::ItemKind;
use tuanle_shared::wire::{FigureMode, GatheredTexts, Narrative};
use tuanle_shared::{Code, Column, Content, FormDef, RowKind, Sums, TextCell, TextField, Totals};

use crate::db::{Engine, Pool};
use crate::error::Error;
use crate::reports::{self, Target};
use crate::totals;

/// Everything a workbook is made of.
pub struct ExportData {
    pub form: &'static FormDef,
    pub year: i64,
    pub unit_name: String,
    pub mode: FigureMode,
    pub figures: Sums,
    /// The unit's own notes, when it has no children (a single unit's report).
    pub notes: Option<Content>,
    /// Each direct child's consolidated figures.
    pub children: Vec<(String, String, Sums)>,
    /// Every counted report of the subtree that has texts: unit name and content (only
    /// the texts, but for the unit's own report): the numbers come from the stored
    /// totals, and reading 100,000 reports' numbers again would take seconds.
    pub reports: Vec<(String, Content)>,
}

/// Reads what the export of `target`'s subtree needs.
///
/// In [`FigureMode::Official`], the unit's figures are its official ones, each child's
/// what the unit counts of it (a leaf's approved report, a consolidating child's accepted
/// package), and the texts those of the subtree's approved reports and of the unit's own
/// once submitted.
pub async fn gather(db: &Pool, target: &Target, mode: FigureMode) -> Result<ExportData, Error> {
    let mut conn = db.acquire().await?;
    let own = totals::load(&mut conn, target.form, target.unit_id).await?;
    let figures = match mode {
        FigureMode::Official => own.official_figures,
        FigureMode::Final => own.final_figures,
        FigureMode::Provisional => own.provisional_figures,
    };
    let child_rows = sqlx::query(&format!(
        "SELECT id, code, name,
                {consolidates} AS consolidates
         FROM units WHERE parent_id = $1 AND active = 1 ORDER BY code",
        consolidates = totals::consolidates("units.id")
    ))
    .bind(target.unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut children = Vec::with_capacity(child_rows.len());
    for row in child_rows {
        let id: i64 = row.try_get("id")?;
        let stats = totals::load(&mut conn, target.form, id).await?;
        let counted = match mode {
            FigureMode::Final => stats.final_figures,
            FigureMode::Provisional => stats.provisional_figures,
            FigureMode::Official if crate::db::flag(&row, "consolidates")? => {
                totals::accepted_packages_of(&mut conn, target.form, id)
                    .await?
                    .unwrap_or_else(|| Sums::zero(target.form))
            }
            // A leaf's subtree is itself: its final figures are its report's.
            FigureMode::Official if stats.completeness.approved > 0 => stats.final_figures,
            FigureMode::Official => Sums::zero(target.form),
        };
        children.push((row.try_get("code")?, row.try_get("name")?, counted));
    }
    let official_statuses = format!(
        "((u.id = $1 AND r.status IN ('submitted', 'approved')) OR (r.status = 'approved' AND {} = 0))",
        totals::consolidates("u.id")
    );
    let statuses = match mode {
        FigureMode::Provisional => "r.status IN ('draft', 'submitted', 'returned', 'approved')",
        FigureMode::Final => "r.status IN ('submitted', 'approved')",
        // The unit's own once submitted and its leaf children's approved reports; its
        // consolidating children's texts come from their accepted packages (below).
        FigureMode::Official => &*official_statuses,
    };
    // Official texts go no deeper than the children: each level wrote its own narrative
    // into the package it signed off.
    let depth = if mode == FigureMode::Official {
        1
    } else {
        i64::MAX
    };
    // Only the texts of the other reports are read, picked out by the database: their
    // figures are in the stored totals already, and a national export would otherwise
    // parse 100,000 whole contents.
    let (others, has_texts) = match Engine::of_conn(&conn) {
        Engine::Sqlite => (
            "json_object('texts', json(json_extract(v.content, '$.texts')))",
            "json_extract(v.content, '$.texts') IS NOT NULL",
        ),
        Engine::Postgres => (
            "json_build_object('texts', v.content::json -> 'texts')::text",
            "COALESCE(json_typeof(v.content::json -> 'texts'), 'null') <> 'null'",
        ),
    };
    let rows = sqlx::query(&format!(
        "WITH RECURSIVE down(id, d) AS (
             SELECT $1, 0 UNION ALL
             SELECT u.id, down.d + 1 FROM units u JOIN down ON u.parent_id = down.id
             WHERE u.active = 1 AND down.d < $2
         )
         SELECT u.name, CASE WHEN u.id = $1 THEN 1 ELSE 0 END AS own,
                CASE WHEN u.id = $1 THEN v.content ELSE {others} END AS content
         FROM down
         JOIN units u ON u.id = down.id
         JOIN reports r ON r.unit_id = u.id AND r.campaign_id = u.campaign_id
         JOIN report_versions v ON v.report_id = r.id AND v.version = r.version
         WHERE {statuses}
           AND (u.id = $1 OR {has_texts})
         ORDER BY down.d, u.code"
    ))
    .bind(target.unit_id)
    .bind(depth)
    .fetch_all(&mut *conn)
    .await?;
    let mut reports = Vec::with_capacity(rows.len());
    let mut own = None;
    for row in rows {
        let content = reports::storage::parse_content(&row.try_get::<String, _>("content")?)?;
        if row.try_get::<i64, _>("own")? != 0 {
            own = Some(content.clone());
        }
        reports.push((row.try_get("name")?, content));
    }
    if mode == FigureMode::Official {
        reports.extend(accepted_narratives(&mut conn, target.unit_id).await?);
    }
    Ok(ExportData {
        form: target.form,
        year: target.campaign_year,
        unit_name: target.unit_name.clone(),
        mode,
        figures,
        notes: if children.is_empty() { own } else { None },
        children,
        reports,
    })
}

/// The own report, as signed off, of each child's package the unit accepted (its
/// narrative), by the child's name.
async fn accepted_narratives(
    conn: &mut crate::db::Conn,
    unit_id: i64,
) -> Result<Vec<(String, Content)>, Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT u.name, p.contents FROM units u JOIN packages p ON p.unit_id = u.id
         WHERE u.parent_id = $1 AND u.active = 1 AND p.status = 'accepted'
           AND p.seq = (SELECT MAX(q.seq) FROM packages q WHERE q.unit_id = u.id AND q.status = 'accepted')
         ORDER BY u.code",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for (name, contents) in rows {
        let contents: tuanle_shared::wire::PackageContents = serde_json::from_str(&contents)
            .map_err(|e| Error::Internal(format!("stored package contents: {e}")))?;
        if let Some(own) = contents.own {
            out.push((name, own.content));
        }
    }
    Ok(out)
}

/// Excel's name of a column (0 → A).
fn col_name(col: u16) -> String {
    let mut n = u32::from(col) + 1;
    let mut s = Vec::new();
    while n > 0 {
        let r = (n - 1) % 26;
        s.push(char::from(b'A' + r as u8));
        n = (n - 1) / 26;
    }
    s.iter().rev().collect()
}

/// `SUM` over the given 1-based Excel rows of a column, as ranges where they follow on.
fn sum_formula(col: u16, rows: &[u32]) -> String {
    let c = col_name(col);
    let mut parts = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        let start = rows[i];
        let mut end = start;
        while i + 1 < rows.len() && rows[i + 1] == end + 1 {
            i += 1;
            end = rows[i];
        }
        parts.push(if start == end {
            format!("{c}{start}")
        } else {
            format!("{c}{start}:{c}{end}")
        });
        i += 1;
    }
    format!("=SUM({})", parts.join(","))
}

/// Numbers as Excel holds them. Exact up to 2^53 (9·10^15), far above any real total;
/// past it, the nearest a spreadsheet can show.
fn num(v: impl Into<u128>) -> f64 {
    v.into() as f64
}

const DATA_ROW: u32 = 7;

fn form_sheet(sheet: &mut Worksheet, data: &ExportData) -> Result<(), XlsxError> {
    let form = data.form;
    let title = Format::new()
        .set_bold()
        .set_font_size(13)
        .set_align(FormatAlign::Center);
    let subtitle = Format::new().set_italic().set_align(FormatAlign::Center);
    let plain_center = Format::new().set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let bold_cell = cell.clone().set_bold();
    let center_cell = cell.clone().set_align(FormatAlign::Center);
    let number = Format::new()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0")
        .set_align(FormatAlign::Top);
    let bold_number = number.clone().set_bold();

    sheet.set_name("Mẫu tổng hợp")?;
    sheet.set_paper_size(9); // A4
    sheet.set_portrait();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(5, 6)?;
    sheet.set_margins(0.5, 0.5, 0.6, 0.6, 0.3, 0.3);
    for (col, width) in [
        (0, 5.0),
        (1, 48.0),
        (2, 12.0),
        (3, 12.0),
        (4, 12.0),
        (5, 18.0),
    ] {
        sheet.set_column_width(col, width)?;
    }
    sheet.merge_range(0, 0, 0, 5, form.title(), &title)?;
    sheet.merge_range(1, 0, 1, 5, form.subtitle(), &subtitle)?;
    sheet.merge_range(
        2,
        0,
        2,
        5,
        &format!("Đơn vị: {}", data.unit_name),
        &plain_center,
    )?;
    let mode = data.mode.label();
    sheet.merge_range(
        3,
        0,
        3,
        5,
        &format!(
            "Tuần lễ hưởng ứng học tập suốt đời năm {} – {mode}",
            data.year
        ),
        &plain_center,
    )?;
    sheet.merge_range(5, 0, 6, 0, "STT", &head)?;
    sheet.merge_range(5, 1, 6, 1, "Các hoạt động", &head)?;
    sheet.merge_range(5, 2, 6, 2, "Đơn vị", &head)?;
    sheet.merge_range(5, 3, 5, 4, "Số lượng", &head)?;
    sheet.write_string_with_format(6, 3, "Số lớp/số cuộc thi", &head)?;
    sheet.write_string_with_format(6, 4, "Số người", &head)?;
    sheet.merge_range(5, 5, 6, 5, "Ghi chú", &head)?;

    let totals = Totals::compute(form, &data.figures);
    for (i, row) in form.rows().iter().enumerate() {
        let r = DATA_ROW + i as u32;
        let strong =
            row.stt.is_some() || matches!(row.kind, RowKind::Group | RowKind::Total { .. });
        sheet.write_string_with_format(r, 0, row.stt.as_deref().unwrap_or(""), &center_cell)?;
        sheet.write_string_with_format(
            r,
            1,
            &row.label,
            if strong { &bold_cell } else { &cell },
        )?;
        sheet.write_string_with_format(r, 2, &row.unit, &cell)?;
        for (column, col) in [(Column::Count, 3u16), (Column::Persons, 4u16)] {
            match &row.kind {
                RowKind::Total { of, columns, .. } if columns.contains(&column) => {
                    let rows: Vec<u32> = of.iter().map(|c| DATA_ROW + *c as u32 + 1).collect();
                    let value = totals.get(i, column).unwrap_or(0);
                    let formula =
                        Formula::new(sum_formula(col, &rows)).set_result(value.to_string());
                    sheet.write_formula_with_format(r, col, formula, &bold_number)?;
                }
                _ => match data.figures.value(form, i, column) {
                    Some(v) => {
                        sheet.write_number_with_format(r, col, num(v), &number)?;
                    }
                    None => {
                        sheet.write_blank(r, col, &cell)?;
                    }
                },
            }
        }
        let note = data.notes.as_ref().and_then(|c| {
            let text_cell = if matches!(row.kind, RowKind::Text) {
                tuanle_shared::TextCell::text(row.code.clone())
            } else {
                tuanle_shared::TextCell::note(row.code.clone())
            };
            c.text(&text_cell).map(str::to_owned)
        });
        sheet.write_string_with_format(r, 5, note.as_deref().unwrap_or(""), &cell)?;
    }
    Ok(())
}

/// The cells sheet 2 has a column for: every typed number and every total.
fn columns(form: &FormDef) -> Vec<(usize, Column)> {
    form.rows()
        .iter()
        .enumerate()
        .flat_map(|(i, row)| {
            Column::ALL
                .into_iter()
                .filter(move |c| match &row.kind {
                    RowKind::Total { columns, .. } => columns.contains(c),
                    _ => row.accepts(*c),
                })
                .map(move |c| (i, c))
        })
        .collect()
}

fn children_sheet(sheet: &mut Worksheet, data: &ExportData) -> Result<(), XlsxError> {
    let form = data.form;
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let number = Format::new().set_num_format("#,##0");
    let bold_number = number.clone().set_bold();
    sheet.set_name("Theo đơn vị")?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.write_string_with_format(0, 0, "Mã đơn vị", &head)?;
    sheet.write_string_with_format(0, 1, "Đơn vị", &head)?;
    sheet.set_column_width(1, 40.0)?;
    let cols = columns(form);
    for (k, (i, c)) in cols.iter().enumerate() {
        let label = match c {
            Column::Count => "số lượng",
            Column::Persons => "số người",
        };
        sheet.write_string_with_format(
            0,
            2 + k as u16,
            format!("{} ({label})", form.rows()[*i].code),
            &head,
        )?;
    }
    for (n, (code, name, figures)) in data.children.iter().enumerate() {
        let r = 1 + n as u32;
        sheet.write_string(r, 0, code)?;
        sheet.write_string(r, 1, name)?;
        let totals = Totals::compute(form, figures);
        for (k, (i, c)) in cols.iter().enumerate() {
            let v = totals
                .get(*i, *c)
                .or_else(|| figures.value(form, *i, *c))
                .unwrap_or(0);
            sheet.write_number_with_format(r, 2 + k as u16, num(v), &number)?;
        }
    }
    if !data.children.is_empty() {
        let r = 1 + data.children.len() as u32;
        sheet.write_string_with_format(r, 1, "Tổng cộng", &Format::new().set_bold())?;
        let sums: Vec<u128> = cols
            .iter()
            .map(|(i, c)| {
                data.children
                    .iter()
                    .map(|(_, _, f)| {
                        Totals::compute(form, f)
                            .get(*i, *c)
                            .or_else(|| f.value(form, *i, *c))
                            .unwrap_or(0)
                    })
                    .sum()
            })
            .collect();
        for (k, sum) in sums.iter().enumerate() {
            let col = 2 + k as u16;
            let formula = Formula::new(format!("=SUM({c}2:{c}{r})", c = col_name(col), r = r))
                .set_result(sum.to_string());
            sheet.write_formula_with_format(r, col, formula, &bold_number)?;
        }
    }
    sheet.set_freeze_panes(1, 2)?;
    Ok(())
}

fn texts_sheet(sheet: &mut Worksheet, data: &ExportData) -> Result<(), XlsxError> {
    let head = Format::new().set_bold().set_border(FormatBorder::Thin);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    sheet.set_name("Nội dung báo cáo")?;
    sheet.set_paper_size(9);
    for (col, (title, width)) in [
        ("Mục", 8.0),
        ("Nội dung mục", 40.0),
        ("Đơn vị và nội dung", 90.0),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(0, col as u16, *title, &head)?;
        sheet.set_column_width(col as u16, *width)?;
    }
    let form = data.form;
    let mut items: Vec<(tuanle_shared::TextCell, String)> = form
        .sections()
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| i.kind == ItemKind::Text)
        .map(|i| {
            (
                tuanle_shared::TextCell::text(i.code.clone()),
                i.label.clone(),
            )
        })
        .collect();
    for row in form.rows() {
        if matches!(row.kind, RowKind::Text) {
            items.push((
                tuanle_shared::TextCell::text(row.code.clone()),
                row.label.clone(),
            ));
        }
    }
    for row in form.rows() {
        if row.accepts_note() {
            items.push((
                tuanle_shared::TextCell::note(row.code.clone()),
                format!("Ghi chú: {}", row.label),
            ));
        }
    }
    let mut r = 1;
    for (cell, label) in items {
        for (unit, content) in &data.reports {
            if let Some(text) = content.text(&cell) {
                let code = match cell.field {
                    TextField::Text => cell.code.to_string(),
                    TextField::Note => format!("{} (ghi chú)", cell.code),
                };
                sheet.write_string_with_format(r, 0, &code, &wrap)?;
                sheet.write_string_with_format(r, 1, &label, &wrap)?;
                sheet.write_string_with_format(r, 2, format!("{unit}: {text}"), &wrap)?;
                r += 1;
            }
        }
    }
    Ok(())
}

/// The narrative report of a subtree: the texts of its counted reports, gathered per
/// item as "unit name: text", and the consolidated figures, for the printed report.
pub async fn narrative(db: &Pool, target: &Target, mode: FigureMode) -> Result<Narrative, Error> {
    Ok(narrative_of(gather(db, target, mode).await?))
}

/// The printed report of what [`gather`] read: it cannot fail, whatever was stored.
pub fn narrative_of(data: ExportData) -> Narrative {
    let mut codes: Vec<Code> = data
        .form
        .sections()
        .iter()
        .flat_map(|s| &s.items)
        .filter(|i| i.kind == ItemKind::Text)
        .map(|i| i.code.clone())
        .collect();
    codes.extend(
        data.form
            .rows()
            .iter()
            .filter(|r| matches!(r.kind, RowKind::Text))
            .map(|r| r.code.clone()),
    );
    let texts = codes
        .into_iter()
        .map(|code| {
            let cell = TextCell::text(code.clone());
            let texts = data
                .reports
                .iter()
                .filter_map(|(unit, content)| content.text(&cell).map(|t| format!("{unit}: {t}")))
                .collect();
            GatheredTexts {
                code: code.to_string(),
                texts,
            }
        })
        .collect();
    Narrative {
        unit_name: data.unit_name,
        year: data.year,
        provisional: data.mode != FigureMode::Official,
        mode: data.mode,
        form_version: data.form.version().to_owned(),
        figures: data.figures.as_slice().to_vec(),
        texts,
    }
}

/// Builds the workbook. CPU-bound: call it on a blocking thread.
pub fn workbook(data: &ExportData) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    form_sheet(book.add_worksheet(), data)?;
    children_sheet(book.add_worksheet(), data)?;
    texts_sheet(book.add_worksheet(), data)?;
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuanle_shared::Figures;

    #[test]
    fn columns_are_named_like_excel() {
        assert_eq!(col_name(0), "A");
        assert_eq!(col_name(25), "Z");
        assert_eq!(col_name(26), "AA");
        assert_eq!(col_name(27), "AB");
    }

    /// A report of `form` from generated values: each typed cell gets the next value,
    /// brought within the cell's bound (values past it are the bound itself, so the
    /// largest reports are generated often).
    fn bounded_report(form: &FormDef, values: &[u64]) -> (Figures, Content) {
        let mut content = Content::default();
        let cells = form.rows().iter().flat_map(|row| {
            Column::ALL
                .into_iter()
                .map(|c| tuanle_shared::NumberCell::new(row.code.clone(), c))
        });
        for (cell, v) in cells
            .filter_map(|cell| form.bound_of(&cell).map(|max| (cell, max)))
            .zip(values.iter().cycle())
            .map(|((cell, max), v)| (cell, (*v).min(max)))
        {
            content.set_number(cell, Some(v));
        }
        content.set_text(
            TextCell::text("II.2".parse().expect("code")),
            "Khó khăn: thiếu kinh phí",
        );
        let figures = Figures::from_content(form, &content).expect("within the bounds");
        (figures, content)
    }

    proptest::proptest! {
        #![proptest_config(proptest::test_runner::Config::with_cases(24))]
        /// Any set of reports within the bounds, grouped under any number of children:
        /// the consolidation, the workbook and the printed report never fail, and the
        /// parent's sums are its children's.
        #[test]
        fn any_bounded_reports_consolidate_export_and_print(
            reports in proptest::collection::vec(
                proptest::collection::vec(
                    proptest::prop_oneof![0u64..1_000, proptest::strategy::Just(u64::MAX)],
                    1..40,
                ),
                0..12,
            ),
            children in 1usize..4,
        ) {
            let form = tuanle_shared::form::builtin("2025").expect("form");
            let built: Vec<(Figures, Content)> =
                reports.iter().map(|v| bounded_report(form, v)).collect();
            let mut groups = vec![Sums::zero(form); children];
            for (i, (f, _)) in built.iter().enumerate() {
                groups[i % children].add(f);
            }
            let mut total = Sums::zero(form);
            for g in &groups {
                total.absorb(g);
            }
            proptest::prop_assert_eq!(
                &total,
                &tuanle_shared::aggregate::consolidate(form, built.iter().map(|(f, _)| f))
            );
            let data = ExportData {
                form,
                year: 2025,
                unit_name: "Phường Hồng Quang".into(),
                mode: FigureMode::Final,
                figures: total,
                notes: None,
                children: groups
                    .into_iter()
                    .enumerate()
                    .map(|(i, g)| (format!("C{i}"), format!("Đơn vị {i}"), g))
                    .collect(),
                reports: built
                    .into_iter()
                    .enumerate()
                    .map(|(i, (_, c))| (format!("Trường {i}"), c))
                    .collect(),
            };
            let book = workbook(&data);
            proptest::prop_assert!(book.is_ok(), "{:?}", book.err());
            let printed = narrative_of(data);
            proptest::prop_assert_eq!(printed.figures.len(), form.slot_count());
        }
    }

    #[test]
    fn sums_use_ranges_where_rows_follow_on() {
        assert_eq!(sum_formula(3, &[9, 10, 11, 14]), "=SUM(D9:D11,D14)");
        assert_eq!(sum_formula(4, &[5]), "=SUM(E5)");
    }
}
