//! Planning a tree import: rows read from a spreadsheet, checked against each other and
//! against the part of the campaign's tree they replace, become either the exact list of
//! changes to make or every problem, each with its line.
//!
//! The file *is* the subtree: a unit of the replaced part that the file no longer lists
//! is deleted, unless it (or a unit below it) has a report, in which case it is kept and
//! marked inactive. So importing the same file twice changes nothing the second time.

use std::collections::{HashMap, HashSet};

use super::kind::{KindDef, Kinds};
use super::problem::{Problem, ProblemKind};

/// Longest unit code accepted.
pub const MAX_CODE_CHARS: usize = 40;
/// Longest unit name accepted.
pub const MAX_NAME_CHARS: usize = 200;

/// One data row of an import, as read from the file (`line` counts the header as 1).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeRow {
    pub line: u32,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent: String,
    /// The unit's contact person and phone (issue 20), when the file has those
    /// columns: `None` when it has not (what is stored stays), empty to clear.
    pub contact: Option<Contact>,
    /// The code of its predecessor in the earlier campaigns (issue 22), when the file
    /// has that column: `None` when it has not (what is stored stays), empty to clear.
    pub predecessor: Option<String>,
}

/// Who to call at a unit: its contact person and phone, as the tree import gives them;
/// each `None` when the file has no such column (what is stored stays), empty to clear.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// Longest contact name accepted.
pub const MAX_CONTACT_CHARS: usize = 100;
/// Longest phone accepted (several numbers may be listed).
pub const MAX_PHONE_CHARS: usize = 40;

/// Whether a phone is written as phones are: digits, spaces, `+ - . ( ) , ;` and `/`,
/// not too long. Empty is none.
pub fn phone_is_valid(phone: &str) -> bool {
    phone.chars().count() <= MAX_PHONE_CHARS
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.(),;/".contains(c))
}

/// A unit already in the campaign, in the part of the tree the import replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingUnit {
    pub code: String,
    pub name: String,
    /// Stored kind code.
    pub kind: String,
    /// `None` for the campaign's root.
    pub parent: Option<String>,
    pub active: bool,
    /// Whether the unit has a report in this campaign: such a unit is never deleted.
    pub has_report: bool,
}

/// Where the imported rows hang.
#[derive(Debug, Clone, Copy)]
pub enum Anchor<'a> {
    /// The file is the campaign's whole tree: exactly one row has no parent.
    Root,
    /// The file is the subtree below this existing unit: rows without a parent hang
    /// directly below it, and a row with its code renames it.
    Under(&'a ExistingUnit),
}

/// What importing does to one unit the file lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Unchanged,
    Updated {
        renamed: bool,
        rekinded: bool,
        moved: bool,
        reactivated: bool,
    },
}

/// A unit as the file says it should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedUnit {
    pub line: u32,
    pub code: String,
    pub name: String,
    /// The kind's stored code.
    pub kind: String,
    /// Whether a unit added by this import is only asked to report: its kind's default.
    pub asked: bool,
    /// `None` only for the campaign's root.
    pub parent: Option<String>,
    /// Depth below the anchor: the root is 0, a row directly below an anchor is 1.
    pub depth: u32,
    pub change: Change,
    /// The name before the change, when it changes.
    pub old_name: Option<String>,
    /// The parent before the change, when it moves.
    pub old_parent: Option<String>,
}

/// Every change an import makes, in an order that can be applied as is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// The file's units, each after its parent.
    pub units: Vec<PlannedUnit>,
    /// New name and kind of the anchor, when the file lists it and they differ.
    pub anchor_update: Option<(String, String)>,
    /// Units the file no longer lists and that nothing keeps: deleted, deepest first.
    pub removed: Vec<String>,
    /// Units the file no longer lists but that have reports (or units below with
    /// reports): kept, marked inactive.
    pub deactivated: Vec<String>,
}

impl Plan {
    pub fn count(&self, pick: impl Fn(&Change) -> bool) -> usize {
        self.units.iter().filter(|u| pick(&u.change)).count()
    }

    /// Whether applying the plan would change nothing.
    pub fn is_noop(&self) -> bool {
        self.anchor_update.is_none()
            && self.removed.is_empty()
            && self.deactivated.is_empty()
            && self.units.iter().all(|u| u.change == Change::Unchanged)
    }
}

/// Normalises a unit code as typed: trimmed, uppercase (codes are compared without case,
/// and usernames are made from them).
pub fn normalize_code(code: &str) -> String {
    code.trim().to_uppercase()
}

/// Whether a (normalised) unit code is one a unit may have: not empty, ASCII letters,
/// digits, `-`, `_`, `.`, at most [`MAX_CODE_CHARS`]. Imports and unit edits alike.
pub fn code_is_valid(code: &str) -> bool {
    !code.is_empty() && code_chars_ok(code)
}

/// A unit name as stored: runs of spaces (and line breaks from spreadsheet cells) made
/// one space, trimmed.
pub fn normalize_name(name: &str) -> String {
    // Control characters (a NUL from a broken file, a stray tab) never belong in a name.
    name.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn code_chars_ok(code: &str) -> bool {
    code.chars().count() <= MAX_CODE_CHARS
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Plans an import. `existing` is the part of the tree the file replaces (the whole tree
/// for [`Anchor::Root`], the units below the anchor otherwise); `taken` tells whether a
/// code belongs to a unit outside that part.
/// How many kinds an unknown kind is offered to choose from.
pub const KIND_CHOICES: usize = 4;

pub fn plan(
    rows: &[TreeRow],
    anchor: Anchor<'_>,
    existing: &[ExistingUnit],
    taken: impl Fn(&str) -> bool,
    kinds: &Kinds,
) -> Result<Plan, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut problem = |line: u32, kind: ProblemKind| problems.push(Problem { line, kind });
    if rows.is_empty() {
        problem(2, ProblemKind::EmptyFile);
    }
    let anchor_code = match anchor {
        Anchor::Root => None,
        Anchor::Under(a) => Some(a.code.as_str()),
    };

    // 1. Each row on its own, and duplicates.
    struct Checked<'k> {
        line: u32,
        code: String,
        name: String,
        kind: Option<&'k KindDef>,
        parent: String,
    }
    let mut checked: Vec<Checked> = Vec::with_capacity(rows.len());
    let mut first_line: HashMap<String, u32> = HashMap::with_capacity(rows.len());
    let mut anchor_update = None;
    for row in rows {
        let code = normalize_code(&row.code);
        let name = normalize_name(&row.name);
        let mut ok = true;
        if code.is_empty() {
            problem(row.line, ProblemKind::EmptyCode);
            ok = false;
        } else if !code_chars_ok(&code) {
            problem(row.line, ProblemKind::BadCode(row.code.trim().to_owned()));
            ok = false;
        }
        if name.is_empty() {
            problem(row.line, ProblemKind::EmptyName);
            ok = false;
        } else if name.chars().count() > MAX_NAME_CHARS {
            problem(row.line, ProblemKind::NameTooLong);
            ok = false;
        }
        if let Some(c) = &row.contact
            && (c
                .name
                .as_deref()
                .is_some_and(|n| n.chars().count() > MAX_CONTACT_CHARS)
                || !c.phone.as_deref().is_none_or(phone_is_valid))
        {
            problem(row.line, ProblemKind::BadContact);
            ok = false;
        }
        if let Some(p) = &row.predecessor
            && !p.trim().is_empty()
            && !code_chars_ok(&normalize_code(p))
        {
            problem(row.line, ProblemKind::BadPredecessor(p.trim().to_owned()));
            ok = false;
        }
        let kind = kinds.parse(&row.kind);
        if kind.is_none() {
            let choices = kinds
                .closest(&row.kind, KIND_CHOICES)
                .into_iter()
                .map(|k| (k.code.clone(), k.name.clone()))
                .collect();
            problem(
                row.line,
                ProblemKind::UnknownKind {
                    spelled: row.kind.trim().to_owned(),
                    choices,
                },
            );
            ok = false;
        }
        if !code.is_empty() {
            if let Some(&first) = first_line.get(&code) {
                problem(
                    row.line,
                    ProblemKind::DuplicateCode {
                        code: code.clone(),
                        first_line: first,
                    },
                );
                continue;
            }
            first_line.insert(code.clone(), row.line);
        }
        if ok && Some(code.as_str()) == anchor_code {
            if let (Anchor::Under(a), Some(kind)) = (anchor, kind)
                && (a.name != name || a.kind != kind.code)
            {
                anchor_update = Some((name, kind.code.clone()));
            }
            continue;
        }
        if ok && taken(&code) {
            problem(row.line, ProblemKind::TakenElsewhere(code.clone()));
        }
        checked.push(Checked {
            line: row.line,
            code,
            name,
            kind,
            parent: normalize_code(&row.parent),
        });
    }

    // 2. Parents.
    let index: HashMap<&str, usize> = checked
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.as_str(), i))
        .collect();
    let mut root: Option<(usize, u32)> = None;
    let mut parent_ok = vec![true; checked.len()];
    for (i, c) in checked.iter().enumerate() {
        if c.parent.is_empty() {
            if anchor_code.is_some() {
                continue;
            }
            match root {
                Some((_, first)) => {
                    problem(c.line, ProblemKind::SecondRoot { first_line: first });
                    parent_ok[i] = false;
                }
                None => root = Some((i, c.line)),
            }
        } else if c.parent == c.code {
            problem(c.line, ProblemKind::SelfParent);
            parent_ok[i] = false;
        } else if Some(c.parent.as_str()) != anchor_code && !index.contains_key(c.parent.as_str()) {
            problem(c.line, ProblemKind::UnknownParent(c.parent.clone()));
            parent_ok[i] = false;
        }
    }
    if let (Some((i, line)), Some(old_root)) = (root, existing.iter().find(|e| e.parent.is_none()))
        && checked[i].code != old_root.code
    {
        problem(
            line,
            ProblemKind::RootChanged {
                existing: old_root.code.clone(),
            },
        );
    }

    // 3. Every row must lead up to the anchor: walk down from it, breadth first, so each
    //    unit comes after its parent.
    let top = anchor_code.unwrap_or("");
    let mut children: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, c) in checked.iter().enumerate() {
        if !parent_ok[i] {
            continue;
        }
        let parent = if c.parent.is_empty() {
            top
        } else {
            c.parent.as_str()
        };
        children.entry(parent).or_default().push(i);
    }
    let mut order: Vec<(usize, u32)> = Vec::with_capacity(checked.len());
    let mut reached = vec![false; checked.len()];
    let first_depth = if anchor_code.is_some() { 1 } else { 0 };
    let mut frontier: Vec<usize> = children.get(top).cloned().unwrap_or_default();
    let mut depth = first_depth;
    while !frontier.is_empty() {
        let mut next = Vec::new();
        for i in frontier {
            if reached[i] {
                continue;
            }
            reached[i] = true;
            order.push((i, depth));
            if let Some(kids) = children.get(checked[i].code.as_str()) {
                next.extend(kids.iter().copied());
            }
        }
        frontier = next;
        depth += 1;
    }
    // Rows not reached hang below a refused row or sit on a cycle. Each row is walked
    // once: a walk stops at a row already walked, so this is linear in the file (a
    // hostile file of long chains must not hold the server).
    #[derive(Clone, Copy, PartialEq)]
    enum Walk {
        Not,
        OnPath(usize),
        Done,
    }
    let mut walk = vec![Walk::Not; checked.len()];
    for start in 0..checked.len() {
        if reached[start] || !parent_ok[start] || walk[start] != Walk::Not {
            continue;
        }
        let mut path: Vec<usize> = Vec::new();
        let mut at = start;
        loop {
            if let Walk::OnPath(pos) = walk[at] {
                let cycle = &path[pos..];
                // Named in full when short; a long cycle by its first codes and length.
                let mut names: Vec<&str> = cycle
                    .iter()
                    .take(8)
                    .map(|&i| checked[i].code.as_str())
                    .collect();
                let text = if cycle.len() > 8 {
                    format!("{} → … ({} đơn vị)", names.join(" → "), cycle.len())
                } else {
                    names.push(&checked[cycle[0]].code);
                    names.join(" → ")
                };
                for &i in cycle {
                    problems.push(Problem {
                        line: checked[i].line,
                        kind: ProblemKind::Cycle(text.clone()),
                    });
                }
                break;
            }
            if walk[at] == Walk::Done || reached[at] || !parent_ok[at] {
                break;
            }
            walk[at] = Walk::OnPath(path.len());
            path.push(at);
            match index.get(checked[at].parent.as_str()) {
                Some(&up) => at = up,
                None => break,
            }
        }
        for i in path {
            walk[i] = Walk::Done;
        }
    }
    if !problems.is_empty() {
        problems.sort_by_key(|p| p.line);
        return Err(problems);
    }

    // 4. Against what exists.
    let before: HashMap<&str, &ExistingUnit> =
        existing.iter().map(|e| (e.code.as_str(), e)).collect();
    let units = order
        .into_iter()
        .map(|(i, depth)| {
            let c = &checked[i];
            let parent = if c.parent.is_empty() {
                anchor_code.map(str::to_owned)
            } else {
                Some(c.parent.clone())
            };
            let (change, old_name, old_parent) = match before.get(c.code.as_str()) {
                None => (Change::Added, None, None),
                Some(e) => {
                    let renamed = e.name != c.name;
                    let moved = e.parent != parent;
                    let change = Change::Updated {
                        renamed,
                        rekinded: c.kind.is_some_and(|k| e.kind != k.code),
                        moved,
                        reactivated: !e.active,
                    };
                    let change = if change
                        == (Change::Updated {
                            renamed: false,
                            rekinded: false,
                            moved: false,
                            reactivated: false,
                        }) {
                        Change::Unchanged
                    } else {
                        change
                    };
                    (
                        change,
                        renamed.then(|| e.name.clone()),
                        if moved { e.parent.clone() } else { None },
                    )
                }
            };
            PlannedUnit {
                line: c.line,
                code: c.code.clone(),
                name: c.name.clone(),
                kind: c.kind.map_or_else(String::new, |k| k.code.clone()),
                asked: c.kind.is_some_and(|k| k.asked),
                parent,
                depth,
                change,
                old_name,
                old_parent,
            }
        })
        .collect::<Vec<_>>();

    // 5. What the file no longer lists: kept (inactive) when it or a unit below it has a
    //    report, deleted otherwise.
    let listed: HashSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let absent: Vec<&ExistingUnit> = existing
        .iter()
        .filter(|e| !listed.contains(e.code.as_str()))
        .collect();
    let mut kept: HashSet<&str> = HashSet::new();
    for e in absent.iter().filter(|e| e.has_report) {
        let mut at = Some(*e);
        while let Some(u) = at {
            if listed.contains(u.code.as_str()) || !kept.insert(u.code.as_str()) {
                break;
            }
            at = u.parent.as_deref().and_then(|p| before.get(p).copied());
        }
    }
    let depth_of = |e: &ExistingUnit| {
        let mut d = 0usize;
        let mut at = e.parent.as_deref();
        while let Some(p) = at.and_then(|p| before.get(p)) {
            d += 1;
            at = p.parent.as_deref();
            if d > before.len() {
                break;
            }
        }
        d
    };
    let mut removed: Vec<(usize, String)> = absent
        .iter()
        .filter(|e| !kept.contains(e.code.as_str()))
        .map(|e| (depth_of(e), e.code.clone()))
        .collect();
    removed.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    let mut deactivated: Vec<String> = absent
        .iter()
        .filter(|e| e.active && kept.contains(e.code.as_str()))
        .map(|e| e.code.clone())
        .collect();
    deactivated.sort();

    Ok(Plan {
        units,
        anchor_update,
        removed: removed.into_iter().map(|(_, c)| c).collect(),
        deactivated,
    })
}
