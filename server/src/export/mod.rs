//! The official Excel form (rust_xlsxwriter), for one unit or consolidated for a subtree.
//!
//! Sheet 1 is the appendix's form as printed: title and subtitle, the unit and the
//! campaign, the two-row header with its merged cells, every row in official order with
//! its label, totals as `SUM` formulas whose cached values are right, grouped numbers,
//! A4, Times New Roman, every row's height written (`fit`), the place and date and the
//! signature block. Sheet 2 has one row per child unit and one column per figure, headed
//! by the row's short label over its code; sheet 3 the gathered narrative texts. Data is read first (async); the workbook is built on a blocking
//! thread so a national export does not hold the server's other work up.

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Formula, Workbook, Worksheet, XlsxError};
use sqlx::Row;
use tuanle_shared::form::ItemKind;
use tuanle_shared::wire::{FigureMode, GatheredTexts, Narrative};
use tuanle_shared::{Code, Column, Content, FormDef, RowKind, Sums, TextCell, TextField, Totals};

mod fit;
mod report;

use fit::Weight;
pub use report::report_document;

use tuanle_shared::document::{DocumentFields, DocumentFieldsAnswer};
use tuanle_shared::tree::{KindDef, UnitKind};

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
    /// The unit's own report as counted (its narrative), if any.
    pub own: Option<Content>,
    /// The unit's kind, and its parent's kind and name: who issues the report document.
    pub kind: Option<UnitKind>,
    pub parent: Parent,
    /// The unit's latest package, when the figures are its official ones.
    pub package: Option<tuanle_shared::wire::PackageBrief>,
    /// Every counted report of the subtree that has texts: unit name and content (only
    /// the texts, but for the unit's own report): the numbers come from the stored
    /// totals, and reading 100,000 reports' numbers again would take seconds.
    pub reports: Vec<(String, Content)>,
}

/// The form a unit without children prints its documents by, and its figures by that
/// form: its report's own. The stored sums (`figures`) are laid out by the unit's form
/// now, which may lack rows the report has (a draft kept on its version when the next
/// was published, `docs/form.md`): the report's own document prints what it holds, so
/// they are read again from the report (`own`: counted in this mode, or none) by its form,
/// counted as the sums are (a yes/no row only for the kinds it counts).
fn own_form_figures(
    target: &Target,
    own: Option<&Content>,
    figures: Sums,
) -> (&'static FormDef, Sums) {
    if target.form.version() == target.layout.version() {
        return (target.layout, figures);
    }
    let figures = own.map_or_else(
        || Sums::zero(target.form),
        |content| {
            let counted = tuanle_shared::Figures::laid_out(target.form, content)
                .counted_for(target.form, target.kind.as_ref());
            Sums::from(&counted)
        },
    );
    (target.form, figures)
}

/// Reads what the export of `target`'s subtree needs.
///
/// In [`FigureMode::Official`], the unit's figures are its official ones, each child's
/// what the unit counts of it (a leaf's approved report, a consolidating child's accepted
/// package), and the texts those of the subtree's approved reports and of the unit's own
/// once submitted.
pub async fn gather(db: &Pool, target: &Target, mode: FigureMode) -> Result<ExportData, Error> {
    let mut conn = db.acquire().await?;
    let own = totals::load(&mut conn, target.layout, target.unit_id).await?;
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
        let stats = totals::load(&mut conn, target.layout, id).await?;
        let counted = match mode {
            FigureMode::Final => stats.final_figures,
            FigureMode::Provisional => stats.provisional_figures,
            FigureMode::Official if crate::db::flag(&row, "consolidates")? => {
                totals::accepted_packages_of(&mut conn, target.layout, id)
                    .await?
                    .unwrap_or_else(|| Sums::zero(target.layout))
            }
            // A leaf's subtree is itself: its final figures are its report's.
            FigureMode::Official if stats.completeness.approved > 0 => stats.final_figures,
            FigureMode::Official => Sums::zero(target.layout),
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
    let (mut own, mut own_at) = (None, None);
    for row in rows {
        let content = reports::storage::parse_content(&row.try_get::<String, _>("content")?)?;
        if row.try_get::<i64, _>("own")? != 0 {
            own = Some(content.clone());
            own_at = Some(reports.len());
        }
        reports.push((row.try_get("name")?, content));
    }
    if mode == FigureMode::Official {
        reports.extend(accepted_narratives(&mut conn, target.unit_id).await?);
    }
    let (kind, parent) = kind_and_parent(&mut conn, target).await?;
    // A level's official documents are its signed-off package, unless its parent returned
    // it: its figures and its own report as they were when it signed off. (What it holds
    // of each child, sheet 2, is what the unit counts of it now: the same unless the
    // package is stale, which the documents then say.)
    let (mut figures, mut package) = (figures, None);
    if mode == FigureMode::Official
        && let Some((brief, snapshot, contents)) =
            crate::packages::latest_snapshot(&mut conn, target.layout, target.unit_id).await?
        && brief.status != tuanle_shared::wire::PackageStatus::Returned
    {
        figures = snapshot;
        if let Some(at) = own_at.take() {
            reports.remove(at);
        }
        own = contents.own.map(|o| o.content);
        if let Some(content) = &own {
            reports.insert(0, (target.unit_name.clone(), content.clone()));
        }
        package = Some(brief);
    }
    let (form, figures) = if children.is_empty() {
        own_form_figures(target, own.as_ref(), figures)
    } else {
        (target.layout, figures)
    };
    Ok(ExportData {
        form,
        year: target.campaign_year,
        unit_name: target.unit_name.clone(),
        mode,
        figures,
        notes: if children.is_empty() {
            own.clone()
        } else {
            None
        },
        own,
        kind,
        parent,
        package,
        children,
        reports,
    })
}

/// A unit's kind and its parent's kind and name (none for the root).
type Parent = Option<(Option<UnitKind>, String)>;

/// A kind an administrator added writes its documents like the shipped kind of its group
/// (a school's head signs "HIỆU TRƯỞNG"): the unit's kind is the target's, its parent's is
/// read with the parent, as `reports::resolve` reads the unit's.
async fn kind_and_parent(
    conn: &mut crate::db::Conn,
    target: &Target,
) -> Result<(Option<UnitKind>, Parent), Error> {
    let row = sqlx::query(
        "SELECT p.kind, p.name, (SELECT k.grp FROM unit_kinds k WHERE k.code = p.kind) AS added_group
         FROM units u JOIN units p ON p.id = u.parent_id WHERE u.id = $1",
    )
    .bind(target.unit_id)
    .fetch_optional(&mut *conn)
    .await?;
    let parent = match row {
        Some(r) => {
            let kind: String = r.try_get("kind")?;
            let added_group: Option<String> = r.try_get("added_group")?;
            let kind = crate::kinds::of_code(&kind, added_group.as_deref());
            Some((kind.as_ref().map(KindDef::acts_as), r.try_get("name")?))
        }
        None => None,
    };
    Ok((target.kind.as_ref().map(KindDef::acts_as), parent))
}

/// The issuer's fields offered for `target`'s report document: saved for the campaign,
/// else saved the year before, else the defaults of its kind.
pub async fn document_fields(db: &Pool, target: &Target) -> Result<DocumentFieldsAnswer, Error> {
    let mut conn = db.acquire().await?;
    let (kind, parent) = kind_and_parent(&mut conn, target).await?;
    let defaults = DocumentFields::defaults(
        kind,
        &target.unit_name,
        parent.as_ref().map(|(k, n)| (*k, n.as_str())),
    );
    crate::document_fields::offered(&mut conn, target.campaign_id, &target.unit_code, defaults)
        .await
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

/// The table's font size; titles are a little larger, as on paper.
const SIZE: f64 = 12.0;

/// The formats of the workbook, all in [`fit::FONT`].
fn base() -> Format {
    Format::new().set_font_name(fit::FONT).set_font_size(SIZE)
}

/// One cell's text as far as its row's height goes: the text, the width it wraps in
/// (Excel's characters), its size and weight.
struct Wrapped<'a> {
    text: &'a str,
    chars: f64,
    size: f64,
    weight: Weight,
}

impl<'a> Wrapped<'a> {
    fn new(text: &'a str, chars: f64) -> Self {
        Wrapped {
            text,
            chars,
            size: SIZE,
            weight: Weight::Regular,
        }
    }

    fn bold(self) -> Self {
        Wrapped {
            weight: Weight::Bold,
            ..self
        }
    }

    fn height(&self) -> f64 {
        let lines = fit::lines(
            self.text,
            fit::column_pt(self.chars),
            self.size,
            self.weight,
        );
        fit::height_pt(lines, self.size)
    }
}

/// Sets row `r` to the height its tallest cell needs (at most a spreadsheet's tallest).
fn fit_row(sheet: &mut Worksheet, r: u32, cells: &[Wrapped]) -> Result<(), XlsxError> {
    let height = cells
        .iter()
        .map(Wrapped::height)
        .fold(fit::height_pt(1, SIZE), f64::max)
        .min(fit::MAX_ROW_PT);
    sheet.set_row_height(r, height)?;
    Ok(())
}

/// Which snapshot a document's figures are: the package signed off (its number, date
/// and signer), or live figures, a draft.
fn provenance(data: &ExportData) -> String {
    match &data.package {
        Some(p) => {
            let stale = if p.stale {
                "; đã có thay đổi sau lần chốt này, đơn vị cần chốt lại"
            } else {
                ""
            };
            format!(
                "Số liệu theo gói số liệu đã chốt lần {} ngày {}, người chốt: {} ({}){stale}.",
                p.seq,
                tuanle_shared::wire::format_day(p.signed_at),
                p.signed_by,
                p.status.label().to_lowercase()
            )
        }
        None => format!(
            "BẢN NHÁP – {} tại thời điểm tải về, chưa phải gói số liệu đã chốt.",
            data.mode.label()
        ),
    }
}

/// The form sheet's column widths (Excel's characters): STT, label, unit, count (wide
/// enough for a national budget in đồng), persons, note.
const FORM_COLUMNS: [f64; 6] = [5.0, 48.0, 12.0, 17.0, 12.0, 20.0];

/// The footnote of rows that are the product's reading, as the app shows it.
fn reading_mark(row: &tuanle_shared::form::RowDef) -> &'static str {
    if row.reading.is_some() { " (*)" } else { "" }
}

fn form_sheet(sheet: &mut Worksheet, data: &ExportData) -> Result<(), XlsxError> {
    let form = data.form;
    let title = base()
        .set_bold()
        .set_font_size(13)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let subtitle = base()
        .set_italic()
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let plain_center = base().set_text_wrap().set_align(FormatAlign::Center);
    let head = base()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap();
    let cell = base()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let bold_cell = cell.clone().set_bold();
    let center_cell = cell.clone().set_align(FormatAlign::Center);
    let number = base()
        .set_border(FormatBorder::Thin)
        .set_num_format("#,##0")
        .set_align(FormatAlign::Top);
    let bold_number = number.clone().set_bold();
    let note = base()
        .set_italic()
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let sign_title = base()
        .set_bold()
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let sign_hint = base()
        .set_italic()
        .set_text_wrap()
        .set_align(FormatAlign::Center);

    sheet.set_name("Mẫu tổng hợp")?;
    sheet.set_paper_size(9); // A4
    sheet.set_portrait();
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(5, 6)?;
    sheet.set_margins(0.6, 0.5, 0.6, 0.6, 0.3, 0.3);
    for (col, width) in FORM_COLUMNS.iter().enumerate() {
        sheet.set_column_width(col as u16, *width)?;
    }
    let all: f64 = FORM_COLUMNS.iter().sum();
    let mode = data.mode.label();
    let heading = [
        (form.title().to_owned(), &title, 13.0, Weight::Bold),
        (form.subtitle().to_owned(), &subtitle, SIZE, Weight::Regular),
        (
            format!("Đơn vị: {}", data.unit_name),
            &plain_center,
            SIZE,
            Weight::Regular,
        ),
        (
            format!(
                "Tuần lễ hưởng ứng học tập suốt đời năm {} – {mode}",
                data.year
            ),
            &plain_center,
            SIZE,
            Weight::Regular,
        ),
    ];
    let provenance = provenance(data);
    let heading = heading
        .into_iter()
        .chain([(provenance, &subtitle, SIZE, Weight::Regular)]);
    for (r, (text, format, size, weight)) in heading.enumerate() {
        sheet.merge_range(r as u32, 0, r as u32, 5, &text, format)?;
        let wrapped = Wrapped {
            text: &text,
            chars: all,
            size,
            weight,
        };
        fit_row(sheet, r as u32, &[wrapped])?;
    }
    sheet.merge_range(5, 0, 6, 0, "STT", &head)?;
    sheet.merge_range(5, 1, 6, 1, "Các hoạt động", &head)?;
    sheet.merge_range(5, 2, 6, 2, "Đơn vị", &head)?;
    sheet.merge_range(5, 3, 5, 4, "Số lượng", &head)?;
    sheet.write_string_with_format(6, 3, "Số lớp/số cuộc thi", &head)?;
    sheet.write_string_with_format(6, 4, "Số người", &head)?;
    sheet.merge_range(5, 5, 6, 5, "Ghi chú", &head)?;
    fit_row(
        sheet,
        5,
        &[Wrapped::new("Số lượng", FORM_COLUMNS[3]).bold()],
    )?;
    fit_row(
        sheet,
        6,
        &[
            Wrapped::new("Số lớp/số cuộc thi", FORM_COLUMNS[3]).bold(),
            Wrapped::new("Số người", FORM_COLUMNS[4]).bold(),
        ],
    )?;

    let totals = Totals::compute(form, &data.figures);
    for (i, row) in form.rows().iter().enumerate() {
        let r = DATA_ROW + i as u32;
        let strong =
            row.stt.is_some() || matches!(row.kind, RowKind::Group | RowKind::Total { .. });
        let label = format!("{}{}", row.label, reading_mark(row));
        sheet.write_string_with_format(r, 0, row.stt.as_deref().unwrap_or(""), &center_cell)?;
        sheet.write_string_with_format(r, 1, &label, if strong { &bold_cell } else { &cell })?;
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
        let note_text = data
            .notes
            .as_ref()
            .and_then(|c| {
                let text_cell = if matches!(row.kind, RowKind::Text) {
                    tuanle_shared::TextCell::text(row.code.clone())
                } else {
                    tuanle_shared::TextCell::note(row.code.clone())
                };
                c.text(&text_cell).map(str::to_owned)
            })
            .unwrap_or_default();
        sheet.write_string_with_format(r, 5, &note_text, &cell)?;
        let label_cell = Wrapped::new(&label, FORM_COLUMNS[1]);
        fit_row(
            sheet,
            r,
            &[
                if strong {
                    label_cell.bold()
                } else {
                    label_cell
                },
                Wrapped::new(&row.unit, FORM_COLUMNS[2]),
                Wrapped::new(&note_text, FORM_COLUMNS[5]),
            ],
        )?;
    }
    let mut r = DATA_ROW + form.rows().len() as u32;
    if form.rows().iter().any(|row| row.reading.is_some()) {
        sheet.merge_range(r, 0, r, 5, tuanle_shared::form::READING_NOTE, &note)?;
        fit_row(
            sheet,
            r,
            &[Wrapped::new(tuanle_shared::form::READING_NOTE, all)],
        )?;
        r += 1;
    }
    // The place and date, then who signs, as on the paper form: left the one who drew
    // the table up, right the head of the unit.
    r += 1;
    let left: f64 = FORM_COLUMNS[..3].iter().sum();
    let right: f64 = FORM_COLUMNS[3..].iter().sum();
    sheet.merge_range(r, 3, r, 5, PLACE_AND_DATE, &sign_hint)?;
    fit_row(sheet, r, &[Wrapped::new(PLACE_AND_DATE, right)])?;
    r += 1;
    for (row, (l, rt), format, weight) in [
        (
            r,
            ("Người lập biểu", "Thủ trưởng đơn vị"),
            &sign_title,
            Weight::Bold,
        ),
        (
            r + 1,
            ("(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)"),
            &sign_hint,
            Weight::Regular,
        ),
    ] {
        sheet.merge_range(row, 0, row, 2, l, format)?;
        sheet.merge_range(row, 3, row, 5, rt, format)?;
        let (a, b) = (Wrapped::new(l, left), Wrapped::new(rt, right));
        if weight == Weight::Bold {
            fit_row(sheet, row, &[a.bold(), b.bold()])?;
        } else {
            fit_row(sheet, row, &[a, b])?;
        }
    }
    // Room to sign and stamp.
    sheet.set_row_height(r + 2, 70.0)?;
    Ok(())
}

/// The place and date line, left for the signer to fill in by hand.
const PLACE_AND_DATE: &str = "…………, ngày …… tháng …… năm ……";

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

/// A row's label short enough for a column header: its first words, up to about 40
/// letters, then "…".
fn short_label(label: &str) -> String {
    const MAX: usize = 40;
    if label.chars().count() <= MAX {
        return label.to_owned();
    }
    let mut out = String::new();
    for word in label.split_whitespace() {
        if out.chars().count() + word.chars().count() + 1 > MAX {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    let out = out.trim_end_matches([',', ';', ':']);
    format!("{out}…")
}

/// Sheet 2's column widths: code, unit name, each figure.
const CHILD_COLUMNS: (f64, f64, f64) = (10.0, 36.0, 14.0);

fn children_sheet(sheet: &mut Worksheet, data: &ExportData) -> Result<(), XlsxError> {
    let form = data.form;
    let head = base()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let code_head = base()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center);
    let text = base().set_text_wrap().set_align(FormatAlign::Top);
    let number = base().set_num_format("#,##0").set_align(FormatAlign::Top);
    let bold_number = number.clone().set_bold();
    sheet.set_name("Theo đơn vị")?;
    sheet.set_landscape();
    sheet.set_paper_size(9);
    sheet.set_repeat_rows(0, 1)?;
    sheet.set_repeat_columns(0, 1)?;
    sheet.set_column_width(0, CHILD_COLUMNS.0)?;
    sheet.set_column_width(1, CHILD_COLUMNS.1)?;
    sheet.merge_range(0, 0, 1, 0, "Mã đơn vị", &head)?;
    sheet.merge_range(0, 1, 1, 1, "Đơn vị", &head)?;
    // A unit with no children has no columns to print (they would fill pages with
    // headers alone).
    if data.children.is_empty() {
        sheet.write_string_with_format(2, 1, "Đơn vị không có đơn vị trực thuộc.", &text)?;
        return Ok(());
    }
    let cols = columns(form);
    let mut labels = Vec::with_capacity(cols.len());
    let mut codes = Vec::with_capacity(cols.len());
    for (k, (i, c)) in cols.iter().enumerate() {
        let row = &form.rows()[*i];
        let what = match c {
            Column::Count if row.is_money() => "đồng",
            Column::Count => "số lượng",
            Column::Persons => "số người",
        };
        let col = 2 + k as u16;
        sheet.set_column_width(col, CHILD_COLUMNS.2)?;
        labels.push(format!("{}{}", short_label(&row.label), reading_mark(row)));
        codes.push(format!("{} ({what})", row.code));
        sheet.write_string_with_format(0, col, &labels[k], &head)?;
        sheet.write_string_with_format(1, col, &codes[k], &code_head)?;
    }
    let label_cells: Vec<Wrapped> = labels
        .iter()
        .map(|l| Wrapped::new(l, CHILD_COLUMNS.2).bold())
        .collect();
    fit_row(sheet, 0, &label_cells)?;
    let code_cells: Vec<Wrapped> = codes
        .iter()
        .map(|c| Wrapped::new(c, CHILD_COLUMNS.2))
        .collect();
    fit_row(sheet, 1, &code_cells)?;
    for (n, (code, name, figures)) in data.children.iter().enumerate() {
        let r = 2 + n as u32;
        sheet.write_string_with_format(r, 0, code, &text)?;
        sheet.write_string_with_format(r, 1, name, &text)?;
        fit_row(
            sheet,
            r,
            &[
                Wrapped::new(code, CHILD_COLUMNS.0),
                Wrapped::new(name, CHILD_COLUMNS.1),
            ],
        )?;
        let totals = Totals::compute(form, figures);
        for (k, (i, c)) in cols.iter().enumerate() {
            let v = totals
                .get(*i, *c)
                .or_else(|| figures.value(form, *i, *c))
                .unwrap_or(0);
            sheet.write_number_with_format(r, 2 + k as u16, num(v), &number)?;
        }
    }
    {
        let r = 2 + data.children.len() as u32;
        sheet.write_string_with_format(r, 1, "Tổng cộng", &base().set_bold())?;
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
            let formula = Formula::new(format!("=SUM({c}3:{c}{r})", c = col_name(col), r = r))
                .set_result(sum.to_string());
            sheet.write_formula_with_format(r, col, formula, &bold_number)?;
        }
    }
    sheet.set_freeze_panes(2, 2)?;
    Ok(())
}

/// Sheet 3's column widths: item, its label, the unit's text.
const TEXT_COLUMNS: [f64; 3] = [9.0, 36.0, 80.0];

/// `text` cut into pieces that each fit in one row of a column `chars` wide (a row is at
/// most [`fit::MAX_ROW_PT`] tall): whole words, in order.
fn row_pieces(text: &str, chars: f64) -> Vec<String> {
    let fits = |t: &str| Wrapped::new(t, chars).height() <= fit::MAX_ROW_PT;
    if fits(text) {
        return vec![text.to_owned()];
    }
    let mut pieces = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if fits(&candidate) || current.is_empty() {
            current = candidate;
        } else {
            pieces.push(std::mem::replace(&mut current, word.to_owned()));
        }
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

fn texts_sheet(sheet: &mut Worksheet, data: &ExportData) -> Result<(), XlsxError> {
    let head = base().set_bold().set_border(FormatBorder::Thin);
    let wrap = base().set_text_wrap().set_align(FormatAlign::Top);
    sheet.set_name("Nội dung báo cáo")?;
    sheet.set_paper_size(9);
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_repeat_rows(0, 0)?;
    for (col, (title, width)) in ["Mục", "Nội dung mục", "Đơn vị và nội dung"]
        .iter()
        .zip(TEXT_COLUMNS)
        .enumerate()
    {
        sheet.write_string_with_format(0, col as u16, *title, &head)?;
        sheet.set_column_width(col as u16, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
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
                // A text taller than a row goes on in the rows below it.
                let pieces = row_pieces(&format!("{unit}: {text}"), TEXT_COLUMNS[2]);
                for (n, piece) in pieces.iter().enumerate() {
                    let (code, label) = if n == 0 {
                        (code.clone(), label.clone())
                    } else {
                        (String::new(), "(tiếp)".to_owned())
                    };
                    sheet.write_string_with_format(r, 0, &code, &wrap)?;
                    sheet.write_string_with_format(r, 1, &label, &wrap)?;
                    sheet.write_string_with_format(r, 2, piece, &wrap)?;
                    fit_row(
                        sheet,
                        r,
                        &[
                            Wrapped::new(&code, TEXT_COLUMNS[0]),
                            Wrapped::new(&label, TEXT_COLUMNS[1]),
                            Wrapped::new(piece, TEXT_COLUMNS[2]),
                        ],
                    )?;
                    r += 1;
                }
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
    // Times New Roman 12 for every cell, blank ones included: Excel's column unit is
    // then its digit (8 pixels; 72 the default column, 21 the default row).
    book.set_default_format(&base(), 21, 72)?;
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
                own: None,
                kind: None,
                parent: None,
                package: None,
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
