//! A form read from the appendix as provinces keep it: a table (an XLSX sheet) with the
//! columns *STT*, *Các hoạt động* (or *Nội dung*), *Đơn vị*, the quantities and notes.
//!
//! A table says the rows, their numbers, wording and units, and nothing else a form holds
//! (which rows a total sums, what a yes/no row counts, bounds, the narrative sections,
//! guidance). So the rest comes from a **base** form, the campaign's: a row whose wording
//! is a base row's is that row, whole; a row of its own is read from its unit (`đồng`:
//! money; `…/người`: classes or events and persons; else a count), numbered after its
//! parent (`4.3` under `4`), and a numbered row of its own with rows under it sums them.
//! The result is checked like any uploaded form ([`super::FormDef::check`]): a table
//! that changed a base row's wording shows that row as one of its own, and a province's
//! form then names each departure from the national one.

use std::collections::{HashMap, HashSet};

use super::spec::{FormSpec, RowKindSpec, RowSpec};
use super::{Column, FormDef};
use crate::code::Code;
use crate::text::fold;

/// One line of the table as read: its number in the file (1-based) and its cells as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: u32,
    pub cells: Vec<String>,
}

/// Why a table gives no form.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TableError {
    #[error(
        "Không tìm thấy dòng tiêu đề của bảng: cần các cột “STT”, “Các hoạt động” (hoặc “Nội dung”) và “Đơn vị”."
    )]
    NoHeader,
    #[error("Bảng không có dòng nội dung nào dưới dòng tiêu đề.")]
    NoRows,
    #[error(
        "Dòng {line}: STT “{stt}” không dùng làm mã dòng được (chỉ gồm chữ số, chữ cái không dấu và dấu chấm)."
    )]
    BadStt { line: u32, stt: String },
    #[error("Dòng {line}: không đặt được mã cho dòng này (quá nhiều cấp).")]
    NoCode { line: u32 },
}

/// How a form is made from a table.
#[derive(Debug, Clone, Copy)]
pub struct TableForm<'a> {
    /// The form the table's known rows, and everything a table does not say, come from.
    pub base: &'a FormDef,
    /// The version name of the result.
    pub version: &'a str,
    /// A province's form: it `extends` the base, and its rows of its own are the
    /// province's (`provincial`), summed in none of the base's totals.
    pub provincial: bool,
}

/// A line's cell at column `i`, trimmed ("" past its last cell).
fn cell(line: &Line, i: usize) -> &str {
    line.cells.get(i).map(|c| c.trim()).unwrap_or_default()
}

/// The columns of the table, by position.
struct Columns {
    stt: usize,
    label: usize,
    unit: usize,
}

fn header(cells: &[String]) -> Option<Columns> {
    let find = |matches: &dyn Fn(&str) -> bool| cells.iter().position(|c| matches(&fold(c)));
    Some(Columns {
        stt: find(&|c| c == "stt" || c == "tt")?,
        label: find(&|c| c.contains("hoat dong") || c.contains("noi dung"))?,
        unit: find(&|c| c.starts_with("don vi") || c == "dvt")?,
    })
}

/// A wording as rows are matched: folded, spaces collapsed, the product's reading mark
/// (`(*)`, added by its own export) left out.
fn wording(label: &str) -> String {
    fold(label.trim_end_matches("(*)"))
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A row of the table's own, read from its unit.
fn own_kind(unit: &str) -> RowKindSpec {
    let unit = fold(unit);
    if unit
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == "dong")
    {
        RowKindSpec::Money
    } else if unit.contains('/') && unit.contains("nguoi") {
        RowKindSpec::CountPersons
    } else {
        RowKindSpec::Count
    }
}

fn own_row(code: Code, stt: Option<String>, label: &str, unit: &str, provincial: bool) -> RowSpec {
    RowSpec {
        code,
        stt,
        label: label.trim().to_owned(),
        unit: unit.trim().to_owned(),
        kind: own_kind(unit),
        of: Vec::new(),
        columns: Vec::new(),
        persons_per_count_warn: None,
        counts: None,
        previous: None,
        reading: None,
        provincial,
    }
}

/// The next free code below `parent` (`4.3` after `4.1` and `4.2`), or at the top; none
/// when it would be longer than a code may be.
fn next_code(taken: &HashSet<Code>, parent: Option<&Code>) -> Option<Code> {
    let prefix = parent.map(|p| format!("{p}.")).unwrap_or_default();
    let last = taken
        .iter()
        .filter_map(|c| c.as_str().strip_prefix(prefix.as_str()))
        .filter_map(|rest| rest.parse::<u32>().ok())
        .max()
        .unwrap_or(0);
    format!("{prefix}{}", last.checked_add(1)?).parse().ok()
}

/// The form spec the table describes (see the module's doc), or every reason it gives
/// none. The spec still has to pass [`FormDef::check`].
pub fn from_table(lines: &[Line], how: TableForm<'_>) -> Result<FormSpec, Vec<TableError>> {
    let Some((at, columns)) = lines
        .iter()
        .enumerate()
        .find_map(|(i, l)| header(&l.cells).map(|c| (i, c)))
    else {
        return Err(vec![TableError::NoHeader]);
    };
    let base = FormSpec::from(how.base.clone());
    let mut unused: HashMap<String, Vec<&RowSpec>> = HashMap::new();
    for row in base.rows.iter().rev() {
        unused.entry(wording(&row.label)).or_default().push(row);
    }
    let mut rows: Vec<RowSpec> = Vec::new();
    let mut taken: HashSet<Code> = base.rows.iter().map(|r| r.code.clone()).collect();
    let mut problems = Vec::new();
    // The numbered row the unnumbered ones below belong to, and whether it is the table's.
    let mut parent: Option<(Code, bool)> = None;
    // The table's own rows under a row (by its code).
    let mut children: HashMap<Code, Vec<Code>> = HashMap::new();
    for line in &lines[at + 1..] {
        let (stt, label, unit) = (
            cell(line, columns.stt),
            cell(line, columns.label),
            cell(line, columns.unit),
        );
        // The header's second line, a blank line, the header again on a new page.
        if label.is_empty() || fold(stt) == "stt" {
            continue;
        }
        let stt = (!stt.is_empty()).then(|| stt.trim_end_matches('.').to_owned());
        if let Some(known) = unused.get_mut(&wording(label)).and_then(Vec::pop) {
            let known = known.clone();
            if known.stt.is_some() || !known.code.as_str().contains('.') {
                parent = Some((known.code.clone(), false));
            }
            rows.push(known);
            continue;
        }
        let code = match &stt {
            Some(stt) => match stt.parse::<Code>() {
                Ok(code) => code,
                Err(_) => {
                    problems.push(TableError::BadStt {
                        line: line.number,
                        stt: stt.clone(),
                    });
                    continue;
                }
            },
            None => match next_code(&taken, parent.as_ref().map(|(p, _)| p)) {
                Some(code) => code,
                None => {
                    problems.push(TableError::NoCode { line: line.number });
                    continue;
                }
            },
        };
        taken.insert(code.clone());
        let is_top = stt.is_some();
        if is_top {
            parent = Some((code.clone(), true));
        } else if let Some((p, _)) = &parent {
            children.entry(p.clone()).or_default().push(code.clone());
        }
        rows.push(own_row(code, stt, label, unit, how.provincial));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    if rows.is_empty() {
        return Err(vec![TableError::NoRows]);
    }
    let kept: HashSet<Code> = rows.iter().map(|r| r.code.clone()).collect();
    let kinds: HashMap<Code, RowKindSpec> = rows.iter().map(|r| (r.code.clone(), r.kind)).collect();
    let own: HashSet<Code> = rows
        .iter()
        .filter(|r| {
            !base
                .rows
                .iter()
                .any(|b| b.code == r.code && b.label == r.label)
        })
        .map(|r| r.code.clone())
        .collect();
    for row in &mut rows {
        let added = children.get(&row.code).cloned().unwrap_or_default();
        if own.contains(&row.code) {
            // A numbered row of the table's with rows under it: their total, or their
            // heading when it has no unit.
            if !added.is_empty() {
                if row.unit.is_empty() {
                    row.kind = RowKindSpec::Group;
                } else {
                    let persons = added
                        .iter()
                        .any(|c| kinds.get(c) == Some(&RowKindSpec::CountPersons));
                    row.kind = RowKindSpec::Total;
                    row.columns = if persons {
                        vec![Column::Count, Column::Persons]
                    } else {
                        vec![Column::Count]
                    };
                    row.of = added;
                }
            }
            continue;
        }
        if row.kind != RowKindSpec::Total {
            continue;
        }
        // A base total: rows the table left out are summed no more; on a national form,
        // rows of its own under the same heading are summed too (a province's rows are
        // summed in no national total).
        row.of.retain(|c| kept.contains(c));
        if how.provincial {
            continue;
        }
        let heading = row
            .code
            .as_str()
            .split('.')
            .next()
            .and_then(|h| h.parse::<Code>().ok());
        // Money with money, counts with counts.
        let money = row
            .of
            .iter()
            .all(|o| kinds.get(o) == Some(&RowKindSpec::Money));
        let fits = |c: &Code| match kinds.get(c) {
            Some(RowKindSpec::Money) => money,
            Some(RowKindSpec::Count | RowKindSpec::CountPersons) => !money,
            _ => false,
        };
        let more: Vec<Code> = heading
            .and_then(|h| children.get(&h))
            .into_iter()
            .flatten()
            .filter(|c| !row.of.contains(c) && fits(c))
            .cloned()
            .collect();
        row.of.extend(more);
    }
    let guided: HashSet<Code> = base.rows.iter().map(|r| r.code.clone()).collect();
    let mut guidance = base.guidance.clone();
    guidance.retain(|code, _| !guided.contains(code) || kept.contains(code));
    Ok(FormSpec {
        version: how.version.to_owned(),
        extends: how.provincial.then(|| how.base.version().to_owned()),
        rows,
        guidance,
        source: format!(
            "Bảng phụ lục (Excel); các dòng của mẫu {} giữ nguyên định nghĩa của mẫu đó",
            how.base.version()
        ),
        ..base
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::builtin;

    fn line(number: u32, cells: &[&str]) -> Line {
        Line {
            number,
            cells: cells.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    /// The base form as its appendix prints it: a title, the two header lines, the rows.
    fn appendix(base: &FormDef) -> Vec<Line> {
        let mut lines = vec![
            line(1, &["MẪU TỔNG HỢP SỐ LIỆU"]),
            line(
                2,
                &["STT", "Các hoạt động", "Đơn vị", "Số lượng", "", "Ghi chú"],
            ),
            line(3, &["", "", "", "Số lớp/số cuộc thi", "Số người"]),
        ];
        for (i, row) in base.rows().iter().enumerate() {
            let label = match row.reading {
                Some(_) => format!("{} (*)", row.label),
                None => row.label.clone(),
            };
            lines.push(Line {
                number: 4 + i as u32,
                cells: vec![row.stt.clone().unwrap_or_default(), label, row.unit.clone()],
            });
        }
        lines
    }

    fn row_kind(spec: &FormSpec, code: &str) -> Option<RowKindSpec> {
        spec.rows
            .iter()
            .find(|r| r.code.as_str() == code)
            .map(|r| r.kind)
    }

    fn how(base: &FormDef, provincial: bool) -> TableForm<'_> {
        TableForm {
            base,
            version: "2025-x",
            provincial,
        }
    }

    #[test]
    fn the_appendix_of_a_form_reads_back_as_that_form() {
        let base = builtin("2025").expect("2025");
        let spec = from_table(&appendix(base), how(base, false)).expect("read");
        let read = FormDef::try_from(spec).expect("valid");
        assert_eq!(read.rows(), base.rows());
        assert_eq!(read.sections(), base.sections());
        assert_eq!(read.version(), "2025-x");
    }

    #[test]
    fn rows_of_its_own_are_numbered_typed_and_summed() {
        let base = builtin("2025").expect("2025");
        let mut lines = appendix(base);
        // Under 1 (a total), after 1.13: a new kind of class; under 4 (a heading): a
        // count; a new numbered heading 13 with two rows, one of money.
        let after = |code: &str| {
            4 + base
                .rows()
                .iter()
                .position(|r| r.code.as_str() == code)
                .expect("row")
        };
        let at = after("1.13");
        lines.insert(at, line(90, &["", "Lớp học tiếng dân tộc", "lớp/người"]));
        let at = after("4.2") + 1;
        lines.insert(
            at,
            line(91, &["", "Số thư viện được tặng sách", "Thư viện"]),
        );
        lines.push(line(92, &["13", "Hoạt động riêng", "cuộc/người"]));
        lines.push(line(93, &["", "Giao lưu đọc sách", "cuộc/ người"]));
        lines.push(line(94, &["", "Tọa đàm", "cuộc"]));
        let spec = from_table(&lines, how(base, false)).expect("read");
        let form = FormDef::try_from(spec.clone()).expect("valid");
        let row = |code: &str| {
            spec.rows
                .iter()
                .find(|r| r.code.as_str() == code)
                .unwrap_or_else(|| panic!("{code}"))
        };
        assert_eq!(row("1.14").kind, RowKindSpec::CountPersons);
        assert!(row("1").of.iter().any(|c| c.as_str() == "1.14"));
        assert!(row("1.p").of.iter().any(|c| c.as_str() == "1.14"));
        assert_eq!(row("4.3").kind, RowKindSpec::Count);
        assert_eq!(row("13").kind, RowKindSpec::Total);
        assert_eq!(row("13").of.len(), 2);
        assert_eq!(row("13").columns, [Column::Count, Column::Persons]);
        assert_eq!(row("13.2").kind, RowKindSpec::Count);
        assert_eq!(form.rows().len(), base.rows().len() + 5);
        // Money is no count: the check names the mix, as for any form file.
        lines.push(line(95, &["", "Kinh phí giao lưu", "đồng"]));
        let spec = from_table(&lines, how(base, false)).expect("read");
        assert_eq!(row_kind(&spec, "13.3"), Some(RowKindSpec::Money));
        let problems = FormDef::check(&serde_json::to_string(&spec).expect("json"))
            .expect_err("13 sums money with counts");
        assert!(
            problems.iter().any(|p| p.to_string().contains("13")),
            "{problems:?}"
        );
    }

    #[test]
    fn a_province_s_table_adds_its_own_rows_and_keeps_the_national_ones() {
        let base = builtin("2025").expect("2025");
        let mut lines = appendix(base);
        lines.push(line(90, &["13", "Lớp học tiếng Tà Ôi", "lớp/người"]));
        let spec = from_table(&lines, how(base, true)).expect("read");
        assert_eq!(spec.extends.as_deref(), Some("2025"));
        let form = FormDef::try_from(spec).expect("valid");
        assert_eq!(form.extension_problems(base), vec![]);
        let own = form.row(&"13".parse().expect("code")).expect("13");
        assert!(own.provincial);
        // A national row reworded is no longer the national row: the province is told.
        let mut lines = appendix(base);
        lines[5].cells[1] = "Lớp bồi dưỡng chuyên môn".into();
        lines.push(line(90, &["13", "Lớp học tiếng Tà Ôi", "lớp/người"]));
        let spec = from_table(&lines, how(base, true)).expect("read");
        let form = FormDef::try_from(spec).expect("valid");
        assert!(!form.extension_problems(base).is_empty());
    }

    #[test]
    fn a_sheet_without_the_appendix_header_or_rows_is_named() {
        let base = builtin("2025").expect("2025");
        let none = [line(1, &["Mã đơn vị", "Tên đơn vị"])];
        assert_eq!(
            from_table(&none, how(base, false)).map(|_| ()),
            Err(vec![TableError::NoHeader])
        );
        let empty = [line(1, &["STT", "Nội dung", "ĐVT"])];
        assert_eq!(
            from_table(&empty, how(base, false)).map(|_| ()),
            Err(vec![TableError::NoRows])
        );
        let bad = [
            line(1, &["STT", "Nội dung", "ĐVT"]),
            line(2, &["I-a", "Hoạt động", "cuộc"]),
        ];
        assert_eq!(
            from_table(&bad, how(base, false)).map(|_| ()),
            Err(vec![TableError::BadStt {
                line: 2,
                stt: "I-a".into()
            }])
        );
    }
}
