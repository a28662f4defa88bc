//! Form versions as data.
//!
//! Each version (`2023`, `2025`, …) is one JSON file under `shared/forms/`, embedded at
//! build time and checked once by [`FormDef::from_json`]. Everything else (validation,
//! totals, aggregation, the UI, the export) reads the definition, so a new year's form is
//! a new file and nothing more.

mod registry;
pub(crate) mod spec;
pub mod table;

use std::collections::HashMap;

pub use registry::{builtin, builtin_versions};
pub use spec::{
    BoundsSpec, CountsSpec, FormSpec, ItemKind, PlausibilitySpec, RowSpec, SectionItemSpec,
    SectionSpec,
};

use crate::code::Code;

/// The footnote of the rows marked (*): those whose wording is this product's reading of
/// a plan ([`RowDef::reading`]), not an official form's. Shown wherever the rows are.
pub const READING_NOTE: &str =
    "(*) Cách đọc của sản phẩm theo Kế hoạch năm 2025, không phải văn bản chính thức.";

/// The two value columns under "Số lượng".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Column {
    /// "Số lớp/số cuộc thi": classes, contests, articles, books, đồng…
    Count,
    /// "Số người": only on rows whose unit has "/người".
    Persons,
}

crate::names::by_name!(Column { Count = "count", Persons = "persons" });

impl Column {
    pub const ALL: [Column; 2] = [Column::Count, Column::Persons];

    pub fn as_str(self) -> &'static str {
        match self {
            Column::Count => "count",
            Column::Persons => "persons",
        }
    }
}

/// What a row holds. Built from the spec and checked: a `Total` only names rows that
/// exist and are typed, so totals can always be computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKind {
    /// A heading with no value of its own.
    Group,
    /// One whole number in "Số lớp/số cuộc thi".
    Count,
    /// A count and a number of persons (the unit has "/người").
    CountPersons {
        /// Persons per class or contest above which a warning is raised.
        persons_per_count_warn: Option<u64>,
    },
    /// Whole đồng, in the count column.
    Money,
    /// Computed, never typed: per listed column, the sum of the children's values.
    Total {
        of: Vec<usize>,
        columns: Vec<Column>,
        /// The children are money rows, so the total is money too.
        money: bool,
    },
    /// Free text (row 11).
    Text,
    /// A yes/no question about the unit itself ("Đơn vị có tổ chức Lễ khai mạc?"): 1 for
    /// yes, 0 for no, in "Số lớp/số cuộc thi". Up the tree it is the number of units that
    /// answered yes among those it counts (communes for 7.1, education institutions for
    /// 7.2), so a level that types its own answer never counts its children twice.
    YesNo { counts: CountsSpec },
}

/// One row of the form as it is printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowDef {
    pub code: Code,
    /// The row number as printed ("1"…"11"); sub-rows have none.
    pub stt: Option<String>,
    /// The official label, verbatim.
    pub label: String,
    /// "Đơn vị" as printed.
    pub unit: String,
    pub kind: RowKind,
    /// Set when the row is this product's reading rather than official text.
    pub reading: Option<String>,
    /// The row of the previous form version it is compared with: its own code unless
    /// the form says otherwise; `None` where the meaning changed (7.1 of 2025: communes,
    /// where 2023 counted districts).
    pub previous: Option<Code>,
    /// A row of one province's own, added to the national form it extends: counted up
    /// to the province, never above it.
    pub provincial: bool,
}

impl RowDef {
    /// Whether the user types a value in this column of this row.
    pub fn accepts(&self, column: Column) -> bool {
        matches!(
            (&self.kind, column),
            (
                RowKind::Count
                    | RowKind::Money
                    | RowKind::CountPersons { .. }
                    | RowKind::YesNo { .. },
                Column::Count
            ) | (RowKind::CountPersons { .. }, Column::Persons)
        )
    }

    /// Whether a note (Ghi chú) can be written on this row: every row but headings of
    /// nothing and the text row, whose text is its content.
    pub fn accepts_note(&self) -> bool {
        !matches!(self.kind, RowKind::Text)
    }

    /// Whether a unit of `kind` answering yes here is counted up the tree: always on
    /// the rows that count units, only by the row's kinds on a yes/no row.
    pub fn counts_unit(&self, kind: Option<&crate::tree::KindDef>) -> bool {
        match &self.kind {
            RowKind::YesNo { counts } => counts.counts(kind),
            _ => true,
        }
    }

    pub fn is_yes_no(&self) -> bool {
        matches!(self.kind, RowKind::YesNo { .. })
    }

    pub fn is_money(&self) -> bool {
        matches!(
            self.kind,
            RowKind::Money | RowKind::Total { money: true, .. }
        )
    }
}

/// One narrative section item (I.1 … II.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SectionItem {
    pub code: Code,
    pub label: String,
    pub kind: ItemKind,
    /// Rows shown inside this section rather than asked twice (I.4 shows 10.1 and 10.2).
    pub shows_rows: Vec<usize>,
}

/// A narrative heading (I, II) and its items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub code: Code,
    pub label: String,
    pub items: Vec<SectionItem>,
}

/// A checked form definition: the rows in official order, the narrative sections, and
/// the dense layout of typed numbers that [`crate::Figures`] uses.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "FormSpec", into = "FormSpec")]
pub struct FormDef {
    spec: FormSpec,
    rows: Vec<RowDef>,
    sections: Vec<Section>,
    by_code: HashMap<Code, usize>,
    /// Per row, the figure slot of each column it accepts (count, persons).
    slots: Vec<[Option<usize>; 2]>,
    slot_count: usize,
    /// The first slots, those of the rows every province shares (all, on a national form).
    shared_slot_count: usize,
    /// The slot of each typed cell by its content key (`1.3/count`).
    slot_by_key: HashMap<String, usize>,
}

/// Why a form definition cannot be used. Raised when a form file is written wrongly
/// (by this product's authors or by an administrator uploading one), so each names the
/// row, in Vietnamese: administrators read them in the upload preview.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormDefError {
    #[error("Tệp không phải JSON của một mẫu biểu: {0}")]
    Json(String),
    #[error("Thiếu tên phiên bản (version).")]
    NoVersion,
    #[error(
        "Tên phiên bản “{0}” không dùng được: 1–40 ký tự, chỉ chữ không dấu, số, “.”, “-”, “_”."
    )]
    BadVersion(String),
    #[error("Mã {0} dùng hai lần.")]
    DuplicateCode(Code),
    #[error("Dòng tổng {total} cộng dòng {child}, không có trong mẫu.")]
    UnknownChild { total: Code, child: Code },
    #[error("Dòng tổng {total} cộng dòng {child}, dòng này không có số ở cột được cộng.")]
    ChildNotSummable { total: Code, child: Code },
    #[error("Dòng tổng {total} cộng lẫn tiền với số lượng.")]
    MixedMoney { total: Code },
    #[error("Dòng tổng {0} không cộng dòng nào (thiếu “of” hoặc “columns”).")]
    EmptyTotal(Code),
    #[error("Mục {item} hiển thị dòng {row}, không có trong mẫu.")]
    UnknownShownRow { item: Code, row: Code },
    #[error("Dòng {0}: “persons_per_count_warn” chỉ dùng cho dòng có số lớp và số người.")]
    MisplacedBound(Code),
    #[error("Dòng {0}: “counts” chỉ dùng cho dòng có/không.")]
    MisplacedCounts(Code),
    #[error("Dòng có/không {0} không đếm loại đơn vị nào: hãy ghi nhóm hoặc loại đơn vị được đếm.")]
    CountsNothing(Code),
    #[error("Dòng {row}: dòng năm trước “{previous}” không phải một mã dòng.")]
    BadPrevious { row: Code, previous: String },
    #[error("Giới hạn giá trị (bounds) phải từ 1 trở lên.")]
    ZeroBound,
    #[error("Hướng dẫn cho {0}, không phải dòng hay mục nào của mẫu.")]
    UnknownGuidance(Code),
    #[error("Hướng dẫn cho {0} để trống hoặc dài quá {MAX_GUIDANCE_CHARS} ký tự.")]
    BadGuidance(Code),
    #[error(
        "Dòng {0} là dòng riêng của tỉnh, nhưng mẫu không mở rộng mẫu toàn quốc nào (thiếu “extends”)."
    )]
    ProvincialWithoutBase(Code),
    #[error(
        "Mẫu mở rộng “{extends}”, nhưng không có dòng riêng nào của tỉnh (“provincial”: true)."
    )]
    NothingProvincial { extends: String },
    #[error("Mẫu mở rộng mẫu “{0}”, không có phiên bản đó.")]
    UnknownBase(String),
    #[error(
        "Dòng {row} của mẫu “{base}” bị thiếu hoặc bị sửa: mẫu của tỉnh giữ nguyên mọi dòng của mẫu toàn quốc, chỉ thêm dòng riêng."
    )]
    BaseRowChanged { row: Code, base: String },
    #[error(
        "Dòng {row} không có trong mẫu “{base}”: dòng riêng của tỉnh phải ghi “provincial”: true."
    )]
    RowNotInBase { row: Code, base: String },
    #[error("Mẫu mở rộng “{base}”, nhưng các mục báo cáo bằng lời khác mẫu đó.")]
    BaseSectionsChanged { base: String },
    #[error(
        "Các dòng của mẫu “{base}” phải giữ đúng thứ tự của mẫu đó; dòng riêng của tỉnh đặt xen vào đâu cũng được."
    )]
    BaseRowsReordered { base: String },
}

/// Longest version name.
pub const MAX_VERSION_CHARS: usize = 40;

/// Longest guidance note of one row, in characters.
pub const MAX_GUIDANCE_CHARS: usize = 1_000;

impl FormDef {
    /// Parses and checks a form file.
    pub fn from_json(json: &str) -> Result<FormDef, FormDefError> {
        FormDef::check(json).map_err(|mut problems| problems.swap_remove(0))
    }

    pub fn version(&self) -> &str {
        &self.spec.version
    }

    pub fn title(&self) -> &str {
        &self.spec.title
    }

    pub fn subtitle(&self) -> &str {
        &self.spec.subtitle
    }

    pub fn report_title(&self) -> &str {
        &self.spec.report_title
    }

    pub fn plausibility(&self) -> &PlausibilitySpec {
        &self.spec.plausibility
    }

    /// The largest value per kind of cell.
    pub fn bounds(&self) -> BoundsSpec {
        self.spec.bounds
    }

    /// The largest value one report may hold in a row's column: the money bound on
    /// money rows, the persons bound in Số người, the count bound otherwise.
    pub fn bound(&self, row: usize, column: Column) -> u64 {
        let bounds = self.spec.bounds;
        match column {
            Column::Persons => bounds.persons,
            Column::Count if self.rows.get(row).is_some_and(RowDef::is_money) => bounds.money,
            Column::Count if self.rows.get(row).is_some_and(RowDef::is_yes_no) => 1,
            Column::Count => bounds.count,
        }
    }

    /// The bound of a typed cell, or `None` when the form does not type it.
    pub fn bound_of(&self, cell: &crate::NumberCell) -> Option<u64> {
        let row = self.row_index(&cell.code)?;
        self.slot(row, cell.column)?;
        Some(self.bound(row, cell.column))
    }

    /// Parses what a person typed in a cell, as [`crate::parse_cell`] does, and refuses a
    /// value past the cell's bound: the rule the server applies to a push, applied on
    /// the device before anything is sent.
    pub fn parse_cell(
        &self,
        cell: &crate::NumberCell,
        input: &str,
    ) -> Result<Option<u64>, crate::NumberError> {
        let value = crate::parse_cell(input)?;
        match (value, self.bound_of(cell)) {
            (Some(v), Some(max)) if v > max => Err(crate::NumberError::AboveBound { max }),
            _ => Ok(value),
        }
    }

    /// Rows in official order.
    pub fn rows(&self) -> &[RowDef] {
        &self.rows
    }

    pub fn sections(&self) -> &[Section] {
        &self.sections
    }

    /// The note on what counts for a row or narrative item, when the form has one.
    pub fn guidance(&self, code: &Code) -> Option<&str> {
        self.spec.guidance.get(code).map(String::as_str)
    }

    /// The same form without its guidance notes: what builds that read forms strictly
    /// are served.
    pub fn without_guidance(&self) -> FormDef {
        let mut form = self.clone();
        form.spec.guidance.clear();
        form
    }

    pub fn row_index(&self, code: &Code) -> Option<usize> {
        self.by_code.get(code).copied()
    }

    /// The rows of this form (a layout of totals) that a report on `own`, another
    /// version, does not fill though it has a row of the same code. A row of one
    /// province's own is known across versions by its code and its label: a province's
    /// revised form carries its own rows on, but another province's own row of the same
    /// code (a unit moved between provinces with forms of their own), or a national row
    /// that took a code a province's row had, stays apart. National rows carry by code,
    /// as a form's versions do.
    pub fn foreign_rows(&self, own: &FormDef) -> Vec<usize> {
        if self.version() == own.version() {
            return Vec::new();
        }
        self.rows()
            .iter()
            .enumerate()
            .filter(|(_, row)| {
                own.row(&row.code).is_some_and(|theirs| {
                    (row.provincial || theirs.provincial)
                        && !(row.provincial && theirs.provincial && row.label == theirs.label)
                })
            })
            .map(|(i, _)| i)
            .collect()
    }

    pub fn row(&self, code: &Code) -> Option<&RowDef> {
        self.row_index(code).map(|i| &self.rows[i])
    }

    /// Whether `code` names a narrative item whose text is typed (I.1 … II.3).
    pub fn section_item(&self, code: &Code) -> Option<&SectionItem> {
        self.sections
            .iter()
            .flat_map(|s| &s.items)
            .find(|i| &i.code == code)
    }

    /// The figure slot of a typed number, if that row takes that column.
    pub fn slot(&self, row: usize, column: Column) -> Option<usize> {
        self.slots.get(row).and_then(|s| s[column as usize])
    }

    /// The slot of a typed cell by its content key (`1.3/count`, `1.3/persons`).
    pub fn slot_of_key(&self, key: &str) -> Option<usize> {
        self.slot_by_key.get(key).copied()
    }

    /// How many typed numbers a report of this form holds.
    pub fn slot_count(&self) -> usize {
        self.slot_count
    }

    /// A report of the previous form version (last year's) read as this one's: each
    /// typed cell from its row's [`RowDef::previous`], nothing where the meaning changed;
    /// the texts left out (only numbers are compared).
    pub fn from_previous(&self, previous: &crate::Content) -> crate::Content {
        let mut content = crate::Content::default();
        for row in &self.rows {
            let Some(from) = &row.previous else { continue };
            for column in Column::ALL {
                if row.accepts(column)
                    && let Some(value) = previous.number(from, column)
                {
                    content.set_number(
                        crate::NumberCell::new(row.code.clone(), column),
                        Some(value),
                    );
                }
            }
        }
        content
    }
}

impl From<FormDef> for FormSpec {
    fn from(f: FormDef) -> FormSpec {
        f.spec
    }
}

impl TryFrom<FormSpec> for FormDef {
    type Error = FormDefError;

    /// The first problem only: what reading a form over the wire needs. [`FormDef::check`]
    /// names them all.
    fn try_from(spec: FormSpec) -> Result<FormDef, FormDefError> {
        FormDef::build(spec).map_err(|mut problems| problems.swap_remove(0))
    }
}

/// Whether a version name is usable in paths, file names and the stored table.
fn version_name_ok(version: &str) -> bool {
    (1..=MAX_VERSION_CHARS).contains(&version.chars().count())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

impl FormDef {
    /// Parses and checks a form file, naming every problem it has rather than the first:
    /// an administrator uploading a province's appendix mends them all in one go. A file
    /// that is not JSON of a form's shape has one problem, where the parser stopped.
    pub fn check(json: &str) -> Result<FormDef, Vec<FormDefError>> {
        let spec: FormSpec =
            serde_json::from_str(json).map_err(|e| vec![FormDefError::Json(e.to_string())])?;
        FormDef::build(spec)
    }

    fn build(spec: FormSpec) -> Result<FormDef, Vec<FormDefError>> {
        let mut problems = Vec::new();
        let version = spec.version.trim();
        if version.is_empty() {
            problems.push(FormDefError::NoVersion);
        } else if !version_name_ok(version) || version != spec.version {
            problems.push(FormDefError::BadVersion(spec.version.clone()));
        }
        let b = spec.bounds;
        if b.count == 0 || b.persons == 0 || b.money == 0 {
            problems.push(FormDefError::ZeroBound);
        }
        let mut by_code = HashMap::new();
        for (i, row) in spec.rows.iter().enumerate() {
            if by_code.insert(row.code.clone(), i).is_some() {
                problems.push(FormDefError::DuplicateCode(row.code.clone()));
            }
        }
        let mut rows: Vec<RowDef> = Vec::with_capacity(spec.rows.len());
        for row in &spec.rows {
            let kind = match row.kind {
                spec::RowKindSpec::Group => RowKind::Group,
                spec::RowKindSpec::Count => RowKind::Count,
                spec::RowKindSpec::Money => RowKind::Money,
                spec::RowKindSpec::Text => RowKind::Text,
                spec::RowKindSpec::CountPersons => RowKind::CountPersons {
                    persons_per_count_warn: row.persons_per_count_warn,
                },
                spec::RowKindSpec::Total => RowKind::Total {
                    of: vec![],
                    columns: row.columns.clone(),
                    money: false,
                },
                spec::RowKindSpec::YesNo => {
                    let counts = row.counts.clone().unwrap_or_default();
                    if counts.is_empty() {
                        problems.push(FormDefError::CountsNothing(row.code.clone()));
                    }
                    RowKind::YesNo { counts }
                }
            };
            if row.persons_per_count_warn.is_some() && !matches!(kind, RowKind::CountPersons { .. })
            {
                problems.push(FormDefError::MisplacedBound(row.code.clone()));
            }
            if row.counts.is_some() && !matches!(kind, RowKind::YesNo { .. }) {
                problems.push(FormDefError::MisplacedCounts(row.code.clone()));
            }
            if row.provincial && spec.extends.is_none() {
                problems.push(FormDefError::ProvincialWithoutBase(row.code.clone()));
            }
            let previous = match row.previous.as_deref().map(str::trim) {
                None => Some(row.code.clone()),
                Some("") => None,
                Some(p) => match p.parse() {
                    Ok(code) => Some(code),
                    Err(_) => {
                        problems.push(FormDefError::BadPrevious {
                            row: row.code.clone(),
                            previous: p.to_owned(),
                        });
                        None
                    }
                },
            };
            rows.push(RowDef {
                code: row.code.clone(),
                stt: row.stt.clone(),
                label: row.label.clone(),
                unit: row.unit.clone(),
                kind,
                reading: row.reading.clone(),
                previous,
                provincial: row.provincial,
            });
        }
        if let Some(extends) = &spec.extends
            && !spec.rows.iter().any(|r| r.provincial)
        {
            problems.push(FormDefError::NothingProvincial {
                extends: extends.clone(),
            });
        }
        // Resolve totals against the typed rows now that every row is known.
        for (i, row) in spec.rows.iter().enumerate() {
            let RowKind::Total { columns, .. } = &rows[i].kind else {
                continue;
            };
            let columns = columns.clone();
            if row.of.is_empty() || columns.is_empty() {
                problems.push(FormDefError::EmptyTotal(row.code.clone()));
                continue;
            }
            let mut of = Vec::with_capacity(row.of.len());
            let (mut money, mut counts) = (false, false);
            for child in &row.of {
                let Some(&c) = by_code.get(child) else {
                    problems.push(FormDefError::UnknownChild {
                        total: row.code.clone(),
                        child: child.clone(),
                    });
                    continue;
                };
                let child_row = &rows[c];
                if !columns.iter().any(|&col| child_row.accepts(col)) {
                    problems.push(FormDefError::ChildNotSummable {
                        total: row.code.clone(),
                        child: child.clone(),
                    });
                    continue;
                }
                if matches!(child_row.kind, RowKind::Money) {
                    money = true;
                } else {
                    counts = true;
                }
                of.push(c);
            }
            if money && counts {
                problems.push(FormDefError::MixedMoney {
                    total: row.code.clone(),
                });
            }
            rows[i].kind = RowKind::Total { of, columns, money };
        }
        let mut sections = Vec::with_capacity(spec.sections.len());
        for s in &spec.sections {
            let mut items = Vec::with_capacity(s.items.len());
            for item in &s.items {
                let mut shows_rows = Vec::with_capacity(item.shows_rows.len());
                for r in &item.shows_rows {
                    match by_code.get(r) {
                        Some(&i) if i != usize::MAX => shows_rows.push(i),
                        _ => problems.push(FormDefError::UnknownShownRow {
                            item: item.code.clone(),
                            row: r.clone(),
                        }),
                    }
                }
                if by_code.insert(item.code.clone(), usize::MAX).is_some() {
                    problems.push(FormDefError::DuplicateCode(item.code.clone()));
                }
                items.push(SectionItem {
                    code: item.code.clone(),
                    label: item.label.clone(),
                    kind: item.kind,
                    shows_rows,
                });
            }
            sections.push(Section {
                code: s.code.clone(),
                label: s.label.clone(),
                items,
            });
        }
        // Section codes share the namespace of row codes but do not index rows.
        by_code.retain(|_, i| *i != usize::MAX);

        // The rows every province shares take the first slots, a province's own rows
        // the last: a sum laid out by a province's form begins with exactly the slots
        // of the national form it extends, so adding it into a national sum (slot by
        // slot, up to the shorter) leaves the province's own rows out by construction.
        let mut slots = vec![[None; 2]; rows.len()];
        let mut slot_count = 0;
        for provincial in [false, true] {
            for (row, row_slots) in rows.iter().zip(slots.iter_mut()) {
                if row.provincial != provincial {
                    continue;
                }
                for col in Column::ALL {
                    if row.accepts(col) {
                        row_slots[col as usize] = Some(slot_count);
                        slot_count += 1;
                    }
                }
            }
        }
        let shared_slot_count = rows
            .iter()
            .filter(|r| !r.provincial)
            .map(|r| Column::ALL.iter().filter(|&&c| r.accepts(c)).count())
            .sum();
        let slot_by_key = rows
            .iter()
            .zip(&slots)
            .flat_map(|(row, cols)| {
                Column::ALL.into_iter().filter_map(move |col| {
                    cols[col as usize].map(|slot| (format!("{}/{}", row.code, col.as_str()), slot))
                })
            })
            .collect();
        for (code, note) in &spec.guidance {
            let known = by_code.contains_key(code)
                || sections
                    .iter()
                    .flat_map(|s| &s.items)
                    .any(|i| &i.code == code);
            if !known {
                problems.push(FormDefError::UnknownGuidance(code.clone()));
                continue;
            }
            let chars = note.trim().chars().count();
            if chars == 0 || chars > MAX_GUIDANCE_CHARS {
                problems.push(FormDefError::BadGuidance(code.clone()));
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(FormDef {
            spec,
            rows,
            sections,
            by_code,
            slots,
            slot_count,
            shared_slot_count,
            slot_by_key,
        })
    }

    /// The national version a province's form extends, if it is one.
    pub fn extends(&self) -> Option<&str> {
        self.spec.extends.as_deref()
    }

    /// How many slots the rows every province shares take: all of them on a national
    /// form, the first ones on a province's (its own rows come last).
    pub fn shared_slot_count(&self) -> usize {
        self.shared_slot_count
    }

    /// What keeps this province's form from extending `base`: every row of `base` kept
    /// as it is (same code, wording, kind, totals), every other row the province's own,
    /// the narrative sections unchanged. Empty when it extends it, so that a sum laid out
    /// by this form begins with exactly `base`'s slots.
    pub fn extension_problems(&self, base: &FormDef) -> Vec<FormDefError> {
        let mut problems = Vec::new();
        let base_name = base.version().to_owned();
        for base_row in &base.spec.rows {
            let kept = self
                .spec
                .rows
                .iter()
                .find(|r| r.code == base_row.code)
                .is_some_and(|r| !r.provincial && same_row(r, base_row));
            if !kept {
                problems.push(FormDefError::BaseRowChanged {
                    row: base_row.code.clone(),
                    base: base_name.clone(),
                });
            }
        }
        for row in &self.spec.rows {
            if !row.provincial && base.row_index(&row.code).is_none() {
                problems.push(FormDefError::RowNotInBase {
                    row: row.code.clone(),
                    base: base_name.clone(),
                });
            }
        }
        if self.spec.sections != base.spec.sections {
            problems.push(FormDefError::BaseSectionsChanged {
                base: base_name.clone(),
            });
        }
        // The shared rows keep the national order, so their slots are the national
        // form's: what consolidation above the province relies on.
        if problems.is_empty()
            && base
                .slot_by_key
                .iter()
                .any(|(k, s)| self.slot_by_key.get(k) != Some(s))
        {
            problems.push(FormDefError::BaseRowsReordered { base: base_name });
        }
        problems
    }
}

/// Whether a province's copy of a national row is the row itself: what a sum counts
/// in it (code, kind, totals, columns, the units it counts) and what its people read
/// (wording, unit, number). Guidance and the row of last year may differ.
fn same_row(a: &RowSpec, b: &RowSpec) -> bool {
    a.code == b.code
        && a.stt == b.stt
        && a.label == b.label
        && a.unit == b.unit
        && a.kind == b.kind
        && a.of == b.of
        && a.columns == b.columns
        && a.counts == b.counts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> Code {
        s.parse().expect("valid code")
    }

    #[test]
    fn guidance_names_rows_or_items_and_is_served_only_when_asked() {
        let form = builtin("2025").expect("2025 form");
        assert!(
            form.guidance(&code("1.9"))
                .is_some_and(|g| g.contains("1.10"))
        );
        assert_eq!(form.guidance(&code("1.1")), None);
        let plain = form.without_guidance();
        assert_eq!(plain.guidance(&code("1.9")), None);
        let json = serde_json::to_string(&plain).unwrap();
        assert!(
            !json.contains("guidance"),
            "builds before guidance read forms strictly"
        );
        let mut spec = FormSpec::from(form.clone());
        spec.guidance.insert(code("99"), "?".into());
        assert_eq!(
            FormDef::try_from(spec.clone()),
            Err(FormDefError::UnknownGuidance(code("99")))
        );
        spec.guidance.remove(&code("99"));
        spec.guidance.insert(code("I.2"), " ".into());
        assert_eq!(
            FormDef::try_from(spec),
            Err(FormDefError::BadGuidance(code("I.2")))
        );
    }

    /// Rows 7.1 and 7.2 of both years count units (issue 22): a yes/no answer each,
    /// counted for the kinds the row names; a row that counts nothing, or a `counts` on
    /// another kind of row, is refused.
    #[test]
    fn opening_ceremony_rows_are_yes_no_and_count_their_kinds() {
        let kinds = crate::tree::Kinds::builtin();
        for (year, commune) in [("2025", "xa_phuong"), ("2023", "huyen")] {
            let form = builtin(year).expect("form");
            let (communes, institutions) = (
                form.row(&code("7.1")).expect("7.1"),
                form.row(&code("7.2")).expect("7.2"),
            );
            assert!(communes.is_yes_no() && institutions.is_yes_no(), "{year}");
            assert!(communes.counts_unit(kinds.get(commune)));
            assert!(!communes.counts_unit(kinds.get("truong_tieu_hoc")));
            for school in [
                "truong_tieu_hoc",
                "truong_ptdtbt",
                "tthtcd",
                "trung_tam_gdnn_gdtx",
            ] {
                assert!(institutions.counts_unit(kinds.get(school)), "{school}");
            }
            for other in [commune, "thu_vien", "tinh", "trung_tam_vh_tt_tt"] {
                assert!(!institutions.counts_unit(kinds.get(other)), "{other}");
            }
            assert!(!institutions.counts_unit(None));
            let i = form.row_index(&code("7.2")).expect("7.2");
            assert_eq!(form.bound(i, Column::Count), 1);
        }
        let mut spec = FormSpec::from(builtin("2025").expect("form").clone());
        let row = spec
            .rows
            .iter_mut()
            .find(|r| r.code == code("7.2"))
            .expect("7.2");
        row.counts = Some(CountsSpec::default());
        assert_eq!(
            FormDef::try_from(spec.clone()),
            Err(FormDefError::CountsNothing(code("7.2")))
        );
        let row = spec
            .rows
            .iter_mut()
            .find(|r| r.code == code("8"))
            .expect("8");
        row.counts = Some(CountsSpec::default());
        let row = spec
            .rows
            .iter_mut()
            .find(|r| r.code == code("7.2"))
            .expect("7.2");
        row.counts = Some(CountsSpec {
            groups: vec![crate::tree::KindGroup::School],
            kinds: Vec::new(),
        });
        assert_eq!(
            FormDef::try_from(spec),
            Err(FormDefError::MisplacedCounts(code("8")))
        );
    }

    /// Last year's report is read as this year's form maps its rows (issue 22): each row
    /// from the previous version's row it names, none where the meaning changed (7.1:
    /// districts in 2023, communes in 2025); texts are left out.
    #[test]
    fn last_years_report_is_read_through_the_rows_it_compares_with() {
        let form = builtin("2025").expect("form");
        assert_eq!(
            form.row(&code("7.1")).and_then(|r| r.previous.clone()),
            None
        );
        assert_eq!(
            form.row(&code("7.2")).and_then(|r| r.previous.clone()),
            Some(code("7.2"))
        );
        let mut last = crate::Content::default();
        for (c, v) in [("2", 40), ("7.1", 3), ("7.2", 1)] {
            last.set_number(crate::NumberCell::new(code(c), Column::Count), Some(v));
        }
        last.set_number(
            crate::NumberCell::new(code("1.1"), Column::Persons),
            Some(90),
        );
        last.set_text(crate::TextCell::text(code("I.1")), "năm trước");
        let read = form.from_previous(&last);
        assert_eq!(read.number(&code("2"), Column::Count), Some(40));
        assert_eq!(read.number(&code("7.2"), Column::Count), Some(1));
        assert_eq!(read.number(&code("1.1"), Column::Persons), Some(90));
        assert_eq!(read.number(&code("7.1"), Column::Count), None);
        assert!(read.texts.is_empty());

        let mut spec = FormSpec::from(form.clone());
        let row = spec
            .rows
            .iter_mut()
            .find(|r| r.code == code("8"))
            .expect("8");
        row.previous = Some("8 mới".into());
        assert!(matches!(
            FormDef::try_from(spec.clone()),
            Err(FormDefError::BadPrevious { .. })
        ));
        // A row renumbered: compared with the old number's values.
        let row = spec
            .rows
            .iter_mut()
            .find(|r| r.code == code("8"))
            .expect("8");
        row.previous = Some("2".into());
        let renumbered = FormDef::try_from(spec).expect("valid");
        assert_eq!(
            renumbered
                .from_previous(&last)
                .number(&code("8"), Column::Count),
            Some(40)
        );
    }

    #[test]
    fn the_2023_form_has_every_row_of_the_appendix_in_order() {
        let form = builtin("2023").expect("2023 form");
        let codes: Vec<&str> = form.rows().iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes.len(), 42);
        assert_eq!(&codes[..4], ["1", "1.p", "1.1", "1.2"]);
        assert_eq!(codes.last(), Some(&"11"));
        let r = form.row(&code("1.6")).expect("row 1.6");
        assert_eq!(
            r.label,
            "Nâng cao trình độ văn hóa cho cán bộ công chức cấp xã, người lao động trong các khu công nghiệp, khu chế xuất"
        );
        assert_eq!(r.unit, "lớp/người");
        assert_eq!(
            form.row(&code("7.1")).map(|r| r.label.as_str()),
            Some("Số huyện tổ chức Lễ khai mạc Tuần lễ")
        );
    }

    #[test]
    fn the_2025_form_reads_communes_and_adds_group_12() {
        let form = builtin("2025").expect("2025 form");
        let r71 = form.row(&code("7.1")).expect("7.1");
        assert_eq!(r71.label, "Số xã, phường tổ chức Lễ khai mạc Tuần lễ");
        assert!(r71.reading.is_some());
        let RowKind::Total { of, columns, money } = &form.row(&code("12")).expect("12").kind else {
            panic!("12 is a total")
        };
        assert_eq!(of.len(), 6);
        assert_eq!(columns, &[Column::Count, Column::Persons]);
        assert!(!money);
        assert!(
            !form
                .row(&code("12.3"))
                .expect("12.3")
                .accepts(Column::Persons)
        );
    }

    #[test]
    fn persons_are_only_typed_where_the_unit_has_nguoi() {
        for form in builtin_versions().iter().filter_map(|v| builtin(v)) {
            for row in form.rows() {
                assert_eq!(
                    row.accepts(Column::Persons),
                    row.unit.contains("/người"),
                    "row {} of {}",
                    row.code,
                    form.version()
                );
            }
        }
    }

    #[test]
    fn kinh_phi_is_a_money_total() {
        let form = builtin("2023").expect("2023");
        let row = form.row(&code("10")).expect("10");
        assert!(row.is_money());
        assert!(!row.accepts(Column::Count));
    }

    #[test]
    fn the_narrative_report_has_its_sections_in_order() {
        let form = builtin("2025").expect("2025");
        let items: Vec<&str> = form
            .sections()
            .iter()
            .flat_map(|s| &s.items)
            .map(|i| i.code.as_str())
            .collect();
        assert_eq!(
            items,
            ["I.1", "I.2", "I.3", "I.4", "II.1", "II.2", "II.3", "II.4"]
        );
        let i4 = form.section_item(&code("I.4")).expect("I.4");
        assert_eq!(i4.shows_rows.len(), 2);
    }

    #[test]
    fn a_form_round_trips_through_json() {
        let form = builtin("2025").expect("2025");
        let json = serde_json::to_string(&form).expect("serialize");
        assert_eq!(FormDef::from_json(&json).as_ref(), Ok(form));
    }

    #[test]
    fn a_total_naming_an_unknown_row_is_refused() {
        let json = r#"{"version":"x","title":"t","rows":[
            {"code":"1","label":"a","unit":"lớp","kind":"total","of":["1.9"],"columns":["count"]}]}"#;
        assert!(matches!(
            FormDef::from_json(json),
            Err(FormDefError::UnknownChild { .. })
        ));
    }

    #[test]
    fn duplicate_codes_are_refused() {
        let json = r#"{"version":"x","title":"t","rows":[
            {"code":"1","label":"a","unit":"lớp","kind":"count"},
            {"code":"1","label":"b","unit":"lớp","kind":"count"}]}"#;
        assert_eq!(
            FormDef::from_json(json),
            Err(FormDefError::DuplicateCode(code("1")))
        );
    }

    #[test]
    fn a_new_version_is_only_data() {
        let json = r#"{"version":"2030","title":"t","rows":[
            {"code":"1","label":"Tổng","unit":"lớp","kind":"total","of":["1.1","1.2"],"columns":["count","persons"]},
            {"code":"1.1","label":"a","unit":"lớp/người","kind":"count_persons"},
            {"code":"1.2","label":"b","unit":"lớp","kind":"count"}]}"#;
        let form = FormDef::from_json(json).expect("valid");
        assert_eq!(form.slot_count(), 3);
    }

    /// The shipped 2025 form as a province extends it: every row kept, one of its own
    /// inserted among them.
    fn provincial_2025(own_row: serde_json::Value) -> String {
        let base = builtin("2025").expect("2025");
        let mut spec = serde_json::to_value(base).expect("json");
        spec["version"] = "2025-hue".into();
        spec["extends"] = "2025".into();
        let rows = spec["rows"].as_array_mut().expect("rows");
        rows.insert(5, own_row);
        spec.to_string()
    }

    /// A province's own rows carry across versions only to a row of the same code and
    /// label that is a province's own too; national rows carry by code.
    #[test]
    fn another_province_s_own_row_of_the_same_code_is_foreign() {
        // The 2025 form and a row 21: a province's own (extending 2025), or national.
        let with_21 = |version: &str, label: &str, provincial: bool| {
            let mut spec = serde_json::to_value(builtin("2025").expect("2025")).expect("json");
            spec["version"] = version.into();
            if provincial {
                spec["extends"] = "2025".into();
            }
            spec["rows"].as_array_mut().expect("rows").push(serde_json::json!(
                {"code": "21", "label": label, "unit": "lớp", "kind": "count", "provincial": provincial}
            ));
            FormDef::from_json(&spec.to_string()).expect("valid")
        };
        let hue = with_21("2025-hue", "Lớp học tiếng dân tộc", true);
        let hue_revised = with_21("2025-hue-b", "Lớp học tiếng dân tộc", true);
        let hanoi = with_21("2025-hn", "Câu lạc bộ đọc sách", true);
        let later = with_21("2027", "Lớp học tiếng dân tộc", false);
        let national = builtin("2025").expect("2025");
        let at = |form: &FormDef| vec![form.row_index(&code("21")).expect("21")];
        assert!(hue.foreign_rows(&hue).is_empty());
        assert!(hue_revised.foreign_rows(&hue).is_empty());
        assert_eq!(hanoi.foreign_rows(&hue), at(&hanoi));
        // National rows carry by code between every pair; the 2025 form has no 21.
        assert!(hue.foreign_rows(national).is_empty());
        assert!(national.foreign_rows(&hue).is_empty());
        // A later national version whose row 21 is national: a province's 21 is not it.
        assert_eq!(later.foreign_rows(&hue), at(&later));
        // Laid out so: Huế's 21 counts nowhere in Hà Nội's figures, the shared rows do.
        let content: crate::Content =
            serde_json::from_str(r#"{"numbers": {"21/count": 7, "2/count": 3}}"#).expect("content");
        let value = |layout: &FormDef, row: &str| {
            crate::Figures::laid_out_from(layout, &hue, &content).value(
                layout,
                layout.row_index(&code(row)).expect("row"),
                Column::Count,
            )
        };
        assert_eq!(
            (value(&hanoi, "21"), value(&hanoi, "2")),
            (Some(0), Some(3))
        );
        assert_eq!(value(&hue_revised, "21"), Some(7));
    }

    #[test]
    fn every_problem_of_a_form_is_named_not_only_the_first() {
        let json = r#"{"version":"bad version!","title":"T","bounds":{"count":0,"persons":1,"money":1},
            "rows":[
              {"code":"1","label":"a","kind":"total","of":["1.1","9.9"],"columns":["count"]},
              {"code":"1.1","label":"b","kind":"count","counts":{"groups":["school"]}},
              {"code":"1.1","label":"c","kind":"yes_no"},
              {"code":"2","label":"d","kind":"count","provincial":true}]}"#;
        let problems = FormDef::check(json).expect_err("refused");
        assert!(
            problems.contains(&FormDefError::BadVersion("bad version!".into())),
            "{problems:?}"
        );
        assert!(problems.contains(&FormDefError::ZeroBound));
        assert!(problems.contains(&FormDefError::DuplicateCode(code("1.1"))));
        assert!(problems.contains(&FormDefError::UnknownChild {
            total: code("1"),
            child: code("9.9")
        }));
        assert!(problems.contains(&FormDefError::MisplacedCounts(code("1.1"))));
        assert!(problems.contains(&FormDefError::CountsNothing(code("1.1"))));
        assert!(problems.contains(&FormDefError::ProvincialWithoutBase(code("2"))));
        // Each names its row, in Vietnamese, for the administrator who uploaded it.
        assert!(problems.iter().all(|p| !p.to_string().is_empty()));
        assert_eq!(
            FormDefError::DuplicateCode(code("1.1")).to_string(),
            "Mã 1.1 dùng hai lần."
        );
        // Not JSON of a form: one problem, where the parser stopped.
        let problems = FormDef::check("{\"version\": ").expect_err("refused");
        assert!(matches!(problems.as_slice(), [FormDefError::Json(_)]));
    }

    #[test]
    fn a_province_s_own_rows_are_laid_out_after_every_shared_one() {
        let base = builtin("2025").expect("2025");
        let json = provincial_2025(serde_json::json!(
            {"code": "1.14", "label": "Lớp học tiếng Tà Ôi", "unit": "lớp/người",
             "kind": "count_persons", "provincial": true}
        ));
        let form = FormDef::check(&json).expect("valid");
        assert_eq!(form.extends(), Some("2025"));
        assert_eq!(form.extension_problems(base), vec![]);
        assert_eq!(form.shared_slot_count(), base.slot_count());
        assert_eq!(form.slot_count(), base.slot_count() + 2);
        // Every shared cell has the national form's slot; the province's own come last.
        for (i, row) in base.rows().iter().enumerate() {
            let own = form.row_index(&row.code).expect("kept");
            for col in Column::ALL {
                assert_eq!(form.slot(own, col), base.slot(i, col), "{}", row.code);
            }
        }
        let extra = form.row_index(&code("1.14")).expect("own row");
        assert!(form.rows()[extra].provincial);
        assert_eq!(form.slot(extra, Column::Count), Some(base.slot_count()));
        assert_eq!(
            form.slot(extra, Column::Persons),
            Some(base.slot_count() + 1)
        );
        // Shown where the province put it.
        assert_eq!(extra, 5);

        // A province's sum reaches the units above it as its shared slots only, and a
        // national sum read by the province's form has nothing in the province's rows.
        let mut sum = crate::Sums::zero(&form);
        let (typed, slot) = (0..base.rows().len())
            .find_map(|i| base.slot(i, Column::Count).map(|s| (i, s)))
            .expect("a typed row");
        let mut slots = vec![0u128; form.slot_count()];
        slots[slot] = 3;
        slots[base.slot_count()] = 7;
        sum.absorb(&crate::Sums::from_shared_slots(&form, slots.clone()));
        let national = crate::Sums::from_shared_slots(base, slots.clone());
        assert_eq!(national.as_slice().len(), base.slot_count());
        assert_eq!(national.value(base, typed, Column::Count), Some(3));
        let mut shared = sum.clone();
        shared.keep_shared(&form);
        assert_eq!(shared, national);
        let back = crate::Sums::from_shared_slots(&form, national.as_slice().to_vec());
        assert_eq!(back.value(&form, extra, Column::Count), Some(0));
        assert_eq!(sum.value(&form, extra, Column::Count), Some(7));
    }

    #[test]
    fn a_province_s_form_must_keep_every_national_row_as_it_is() {
        let base = builtin("2025").expect("2025");
        let mut spec = serde_json::to_value(base).expect("json");
        spec["version"] = "2025-x".into();
        spec["extends"] = "2025".into();
        let rows = spec["rows"].as_array_mut().expect("rows");
        rows.retain(|r| r["code"] != "2");
        rows[3]["label"] = "Đổi tên".into();
        let renamed = rows[3]["code"].as_str().expect("code").to_owned();
        rows.push(serde_json::json!({"code": "98", "label": "Riêng", "kind": "count"}));
        rows.push(serde_json::json!({"code": "99", "label": "Riêng", "kind": "count", "provincial": true}));
        if let Some(guidance) = spec["guidance"].as_object_mut() {
            guidance.remove("2");
        }
        let form = FormDef::check(&spec.to_string()).expect("a valid form by itself");
        let problems = form.extension_problems(base);
        assert!(
            problems.contains(&FormDefError::BaseRowChanged {
                row: code("2"),
                base: "2025".into()
            }),
            "{problems:?}"
        );
        assert!(problems.contains(&FormDefError::BaseRowChanged {
            row: code(&renamed),
            base: "2025".into()
        }));
        assert!(problems.contains(&FormDefError::RowNotInBase {
            row: code("98"),
            base: "2025".into()
        }));
        assert_eq!(problems.len(), 3, "{problems:?}");
        // Two national rows swapped: refused, the layout would differ.
        let mut swapped = serde_json::to_value(base).expect("json");
        swapped["version"] = "2025-z".into();
        swapped["extends"] = "2025".into();
        let rows = swapped["rows"].as_array_mut().expect("rows");
        rows.swap(3, 4);
        rows.push(serde_json::json!({"code": "99", "label": "Riêng", "kind": "count", "provincial": true}));
        let form = FormDef::check(&swapped.to_string()).expect("a valid form by itself");
        assert_eq!(
            form.extension_problems(base),
            vec![FormDefError::BaseRowsReordered {
                base: "2025".into()
            }]
        );
        // Extending a form without a row of its own is no province's form.
        let mut bare = serde_json::to_value(base).expect("json");
        bare["extends"] = "2025".into();
        bare["version"] = "2025-y".into();
        assert_eq!(
            FormDef::check(&bare.to_string()).expect_err("refused"),
            vec![FormDefError::NothingProvincial {
                extends: "2025".into()
            }]
        );
    }
}
