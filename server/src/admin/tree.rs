//! Importing a campaign's tree (from a spreadsheet, or copied from an earlier campaign):
//! planned by `tuanle_shared::tree`, previewed without writing, applied in one
//! transaction together with the recomputed totals.

use std::collections::{HashMap, HashSet};

use sqlx::Row;
use tuanle_shared::tree::{
    self, Anchor, Change, ExistingUnit, Kinds, Plan, PlannedUnit, ProblemKind, TreeRow,
};
use tuanle_shared::wire::admin::{KindChoice, TreeChange, TreePreview, TreeProblem};

use super::{Admin, audit};
use crate::campaigns::Campaign;
use crate::db::begin_write;
use crate::db::{Conn, Pool};
use crate::error::Error;
use crate::totals;

/// Most problems and changes listed in an answer (the totals count them all).
const MAX_PROBLEMS: usize = 1_000;
const MAX_CHANGES: usize = 300;

/// Where the rows come from, for the audit log.
pub enum Source<'a> {
    File(&'a str),
    Copy(&'a str),
}

/// A stored unit, as an import sees it.
struct Stored {
    id: i64,
    code: String,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    depth: i64,
    active: bool,
    has_report: bool,
}

async fn load(conn: &mut Conn, campaign_id: i64) -> Result<Vec<Stored>, Error> {
    let rows = sqlx::query(
        "SELECT u.id, u.code, u.name, u.kind, u.parent_id, u.depth, u.active,
                CASE WHEN EXISTS (SELECT 1 FROM reports r WHERE r.campaign_id = u.campaign_id AND r.unit_id = u.id) THEN 1 ELSE 0 END AS has_report
         FROM units u WHERE u.campaign_id = $1",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Stored {
                id: r.try_get("id")?,
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                parent_id: r.try_get("parent_id")?,
                depth: r.try_get("depth")?,
                active: crate::db::flag(&r, "active")?,
                has_report: crate::db::flag(&r, "has_report")?,
            })
        })
        .collect()
}

/// The tree as loaded, indexed.
struct Tree {
    units: Vec<Stored>,
    by_code: HashMap<String, usize>,
    by_id: HashMap<i64, usize>,
}

impl Tree {
    fn new(units: Vec<Stored>) -> Tree {
        let by_code = units
            .iter()
            .enumerate()
            .map(|(i, u)| (u.code.clone(), i))
            .collect();
        let by_id = units.iter().enumerate().map(|(i, u)| (u.id, i)).collect();
        Tree {
            units,
            by_code,
            by_id,
        }
    }

    fn parent_code(&self, u: &Stored) -> Option<String> {
        u.parent_id
            .and_then(|p| self.by_id.get(&p))
            .map(|&i| self.units[i].code.clone())
    }

    fn existing(&self, u: &Stored) -> ExistingUnit {
        ExistingUnit {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
            parent: self.parent_code(u),
            active: u.active,
            has_report: u.has_report,
        }
    }

    /// The indexes of the units strictly below `id`.
    fn below(&self, id: i64) -> Vec<usize> {
        let mut children: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, u) in self.units.iter().enumerate() {
            if let Some(p) = u.parent_id {
                children.entry(p).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        let mut stack = vec![id];
        while let Some(at) = stack.pop() {
            for &i in children.get(&at).map(Vec::as_slice).unwrap_or_default() {
                out.push(i);
                stack.push(self.units[i].id);
            }
        }
        out
    }
}

/// Plans an import of `rows` below `under` (default: the administrator's reach) and,
/// when `apply` and the plan has no problem, writes it.
pub async fn import(
    db: &Pool,
    admin: &Admin,
    campaign_code: &str,
    under: Option<&str>,
    rows: &[TreeRow],
    source: Source<'_>,
    apply: bool,
) -> Result<TreePreview, Error> {
    let started = std::time::Instant::now();
    // The plan is made inside the transaction that applies it, so nothing changes
    // between the two.
    let mut tx = if apply {
        begin_write(db).await?
    } else {
        crate::db::begin_read(db).await?
    };
    let campaign = Campaign::find(&mut tx, campaign_code).await?;
    let anchor_row = match under.map(tree::normalize_code).filter(|c| !c.is_empty()) {
        Some(code) => Some(admin.reach_unit(&mut tx, campaign.id, &code).await?),
        None => admin.top(&mut tx, campaign.id).await?,
    };
    let tree = Tree::new(load(&mut tx, campaign.id).await?);
    let (anchor_existing, part): (Option<ExistingUnit>, Vec<usize>) = match &anchor_row {
        None => (None, (0..tree.units.len()).collect()),
        Some(a) => {
            let i = tree.by_code[&a.code];
            (Some(tree.existing(&tree.units[i])), tree.below(a.id))
        }
    };
    let existing: Vec<ExistingUnit> = part
        .iter()
        .map(|&i| tree.existing(&tree.units[i]))
        .collect();
    let in_part: HashSet<&str> = existing.iter().map(|e| e.code.as_str()).collect();
    let anchor = match &anchor_existing {
        None => Anchor::Root,
        Some(a) => Anchor::Under(a),
    };
    let foreign = admin.foreign_codes(&mut tx).await?;
    let taken = |code: &str| {
        (tree.by_code.contains_key(code) && !in_part.contains(code))
            || (!in_part.contains(code) && foreign.contains(code))
    };
    // A predecessor's last-year figures reach the unit's staff: it may be any unit of any
    // earlier campaign, so only a national administrator names one.
    if !admin.is_national() {
        let named: Vec<TreeProblem> = rows
            .iter()
            .filter(|r| r.predecessor.as_deref().is_some_and(|p| !p.trim().is_empty()))
            .take(MAX_PROBLEMS)
            .map(|r| TreeProblem {
                line: r.line,
                code: "PREDECESSOR_NATIONAL_ONLY".into(),
                message: "Chỉ quản trị toàn quốc ghi được mã năm trước (mã đó có thể thuộc tỉnh khác). Hãy để trống cột này hoặc nhờ quản trị toàn quốc.".into(),
                spelled: None,
                choices: Vec::new(),
            })
            .collect();
        if !named.is_empty() {
            return Ok(TreePreview {
                rows: rows.len() as u64,
                problems_total: named.len() as u64,
                problems: named,
                ..TreePreview::default()
            });
        }
    }
    let kinds = crate::kinds::load(&mut tx).await?;
    let plan = match tree::plan(rows, anchor, &existing, taken, &kinds) {
        Ok(plan) => plan,
        Err(problems) => {
            return Ok(TreePreview {
                rows: rows.len() as u64,
                problems_total: problems.len() as u64,
                problems: problems
                    .iter()
                    .take(MAX_PROBLEMS)
                    .map(|p| {
                        let (spelled, choices) = match &p.kind {
                            ProblemKind::UnknownKind { spelled, choices } => (
                                Some(spelled.clone()),
                                choices
                                    .iter()
                                    .map(|(code, name)| KindChoice {
                                        code: code.clone(),
                                        name: name.clone(),
                                    })
                                    .collect(),
                            ),
                            _ => (None, Vec::new()),
                        };
                        TreeProblem {
                            line: p.line,
                            code: p.code().into(),
                            message: p.message(),
                            spelled,
                            choices,
                        }
                    })
                    .collect(),
                ..TreePreview::default()
            });
        }
    };
    let mut preview = describe(&plan, rows.len(), &kinds);
    tracing::info!(rows = rows.len(), elapsed = ?started.elapsed(), "tree planned");
    let contacts = rows.iter().filter(|r| r.contact.is_some()).count();
    preview.contacts = contacts as u64;
    let predecessors = rows.iter().filter(|r| r.predecessor.is_some()).count();
    preview.predecessors = predecessors as u64;
    if apply && (!plan.is_noop() || contacts > 0 || predecessors > 0) {
        let base_depth = anchor_row.as_ref().map_or(0, |a| a.depth);
        if !plan.is_noop() {
            write(
                &mut tx,
                &campaign,
                &tree,
                &plan,
                anchor_row.as_ref().map(|a| a.id),
                base_depth,
            )
            .await?;
        }
        // A copy brings last year's contacts where this campaign has none yet; a file
        // says what they are now.
        let fill_only = matches!(source, Source::Copy(_));
        write_contacts(&mut tx, campaign.id, rows, fill_only).await?;
        write_predecessors(&mut tx, campaign.id, rows).await?;
        let what = match source {
            Source::File(name) => format!("Nhập cây đơn vị từ tệp “{name}”"),
            Source::Copy(from) => format!("Sao chép cây đơn vị từ đợt {from}"),
        };
        let summary = format!(
            "{what}{}: thêm {}, cập nhật {}, xoá {}, ngừng hoạt động {}.",
            anchor_row
                .as_ref()
                .map(|a| format!(" vào {} ({})", a.name, a.code))
                .unwrap_or_default(),
            preview.added,
            preview.updated,
            preview.removed,
            preview.deactivated
        );
        let scope = anchor_row.as_ref().map(|a| a.code.as_str());
        audit::record(&mut tx, admin, campaign.id, scope, "tree.import", &summary).await?;
        tx.commit().await?;
        // A large import changes the tree's shape at once, before PostgreSQL's own
        // statistics catch up (autoanalyze comes later): the dashboards' plans would be
        // made from an empty tree's. SQLite plans from its indexes alone.
        if preview.added + preview.removed >= ANALYZE_AFTER
            && crate::db::Engine::of(db) == crate::db::Engine::Postgres
        {
            sqlx::query("ANALYZE units, subtree_stats")
                .execute(db)
                .await?;
        }
        tracing::info!(rows = rows.len(), elapsed = ?started.elapsed(), "tree applied");
        preview.applied = true;
    } else {
        preview.applied = apply;
    }
    Ok(preview)
}

/// The predecessor of each row that names one (the file has the column): an empty cell
/// says the unit continues the one of its own code.
async fn write_predecessors(
    conn: &mut Conn,
    campaign_id: i64,
    rows: &[TreeRow],
) -> Result<(), Error> {
    for row in rows {
        let Some(p) = &row.predecessor else { continue };
        let (p, code) = (tree::normalize_code(p), tree::normalize_code(&row.code));
        // Its own code, or none: the unit of the same code.
        let p = (!p.is_empty() && p != code).then_some(p);
        sqlx::query("UPDATE units SET predecessor = $1 WHERE campaign_id = $2 AND code = $3")
            .bind(p)
            .bind(campaign_id)
            .bind(code)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Units added or removed by one import from which PostgreSQL's statistics are taken
/// again at once.
const ANALYZE_AFTER: u64 = 1_000;

/// The contact person and phone of each row that gives them (the file has the
/// columns): an empty cell clears what was stored. With `fill_only` (a copy of another
/// campaign's tree), a unit is given the copied contact only when it has none at all: a
/// name is never paired with another person's phone.
async fn write_contacts(
    conn: &mut Conn,
    campaign_id: i64,
    rows: &[TreeRow],
    fill_only: bool,
) -> Result<(), Error> {
    let unless_set = if fill_only {
        " AND contact_name IS NULL AND contact_phone IS NULL"
    } else {
        ""
    };
    for row in rows {
        let Some(contact) = &row.contact else {
            continue;
        };
        let none_if_empty = |s: &String| (!s.is_empty()).then(|| s.clone());
        // Only the columns the file has: a file with phones alone keeps the names.
        let columns = match (&contact.name, &contact.phone) {
            (Some(_), Some(_)) => "contact_name = $3, contact_phone = $4",
            (Some(_), None) => "contact_name = $3",
            (None, Some(_)) => "contact_phone = $3",
            (None, None) => continue,
        };
        let sql =
            format!("UPDATE units SET {columns} WHERE campaign_id = $1 AND code = $2{unless_set}");
        let mut query = sqlx::query(&sql)
            .bind(campaign_id)
            .bind(tree::normalize_code(&row.code));
        for value in [&contact.name, &contact.phone].into_iter().flatten() {
            query = query.bind(none_if_empty(value));
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

/// The preview of a clean plan: counts, and the first changes in words.
fn describe(plan: &Plan, rows: usize, kinds: &Kinds) -> TreePreview {
    let mut changes = Vec::new();
    let mut p = TreePreview {
        rows: rows as u64,
        ..TreePreview::default()
    };
    if let Some((name, kind)) = &plan.anchor_update {
        p.updated += 1;
        changes.push(TreeChange {
            code: String::new(),
            name: name.clone(),
            what: format!("đổi tên/loại đơn vị nhận cây ({})", kinds.name_of(kind)),
        });
    }
    for u in &plan.units {
        let what = match u.change {
            Change::Unchanged => {
                p.unchanged += 1;
                continue;
            }
            Change::Added => {
                p.added += 1;
                "thêm mới".to_owned()
            }
            Change::Updated {
                renamed,
                rekinded,
                moved,
                reactivated,
            } => {
                p.updated += 1;
                let mut parts = Vec::new();
                if renamed {
                    parts.push(format!(
                        "đổi tên (trước: {})",
                        u.old_name.as_deref().unwrap_or("")
                    ));
                }
                if rekinded {
                    parts.push(format!("đổi loại thành {}", kinds.name_of(&u.kind)));
                }
                if moved {
                    parts.push(format!(
                        "chuyển từ {} sang {}",
                        u.old_parent.as_deref().unwrap_or("(gốc)"),
                        u.parent.as_deref().unwrap_or("(gốc)")
                    ));
                }
                if reactivated {
                    parts.push("hoạt động trở lại".to_owned());
                }
                parts.join("; ")
            }
        };
        changes.push(TreeChange {
            code: u.code.clone(),
            name: u.name.clone(),
            what,
        });
    }
    for code in &plan.deactivated {
        p.deactivated += 1;
        changes.push(TreeChange {
            code: code.clone(),
            name: String::new(),
            what: "không còn trong tệp nhưng đã có báo cáo (của đơn vị này hoặc đơn vị trực thuộc): giữ lại, chuyển sang ngừng hoạt động".into(),
        });
    }
    for code in &plan.removed {
        p.removed += 1;
        changes.push(TreeChange {
            code: code.clone(),
            name: String::new(),
            what: "không còn trong tệp: xoá (chưa có báo cáo)".into(),
        });
    }
    p.changes_total = changes.len() as u64;
    changes.truncate(MAX_CHANGES);
    p.changes = changes;
    p
}

async fn write(
    conn: &mut Conn,
    campaign: &Campaign,
    tree: &Tree,
    plan: &Plan,
    anchor_id: Option<i64>,
    base_depth: i64,
) -> Result<(), Error> {
    let started = std::time::Instant::now();
    // Stats are rebuilt at the end; they would only hold deleted units back.
    sqlx::query("DELETE FROM subtree_stats WHERE campaign_id = $1")
        .bind(campaign.id)
        .execute(&mut *conn)
        .await?;
    if let (Some(id), Some((name, kind))) = (anchor_id, &plan.anchor_update) {
        sqlx::query("UPDATE units SET name = $1, kind = $2 WHERE id = $3")
            .bind(name)
            .bind(kind)
            .bind(id)
            .execute(&mut *conn)
            .await?;
    }
    let mut ids: HashMap<String, i64> = tree.units.iter().map(|u| (u.code.clone(), u.id)).collect();
    // New units get their ids here (this transaction holds the write lock), so they are
    // inserted many rows per statement and children know their parent's id at once.
    let (mut next_id,): (i64,) = sqlx::query_as("SELECT COALESCE(MAX(id), 0) + 1 FROM units")
        .fetch_one(&mut *conn)
        .await?;
    let mut added: Vec<(i64, &PlannedUnit, Option<i64>, i64)> = Vec::new();
    let mut updated: Vec<(i64, &PlannedUnit, Option<i64>, i64)> = Vec::new();
    for u in &plan.units {
        let parent_id = match &u.parent {
            Some(p) => Some(*ids.get(p).ok_or_else(|| {
                Error::Internal(format!("planned parent {p} of {} missing", u.code))
            })?),
            None => None,
        };
        let depth = base_depth + i64::from(u.depth);
        match u.change {
            Change::Added => {
                ids.insert(u.code.clone(), next_id);
                added.push((next_id, u, parent_id, depth));
                next_id += 1;
            }
            Change::Unchanged if tree.units[tree.by_code[&u.code]].depth == depth => {}
            Change::Unchanged | Change::Updated { .. } => {
                updated.push((ids[&u.code], u, parent_id, depth));
            }
        }
    }
    // New units first (parents before children, as in the plan), so a unit that moves
    // below a new one finds its parent there.
    for chunk in added.chunks(1_000) {
        let sql = format!(
            "INSERT INTO units (id, campaign_id, code, name, kind, parent_id, depth, active, asked) VALUES {}",
            crate::db::values_placeholders(chunk.len(), 9)
        );
        let mut insert = sqlx::query(&sql);
        for (id, u, parent_id, depth) in chunk {
            insert = insert
                .bind(*id)
                .bind(campaign.id)
                .bind(&u.code)
                .bind(&u.name)
                .bind(&u.kind)
                .bind(*parent_id)
                .bind(*depth)
                .bind(1_i64)
                .bind(i64::from(u.asked));
        }
        insert.execute(&mut *conn).await?;
    }
    if !added.is_empty() {
        crate::db::ids_assigned(&mut *conn, "units").await?;
    }
    for (id, u, parent_id, depth) in updated {
        sqlx::query(
            "UPDATE units SET name = $1, kind = $2, parent_id = $3, depth = $4, active = 1 WHERE id = $5",
        )
        .bind(&u.name)
        .bind(&u.kind)
        .bind(parent_id)
        .bind(depth)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    }
    tracing::info!(elapsed = ?started.elapsed(), "units written");
    for code in &plan.deactivated {
        sqlx::query("UPDATE units SET active = 0 WHERE id = $1")
            .bind(ids[code])
            .execute(&mut *conn)
            .await?;
    }
    for code in &plan.removed {
        // A province removed takes its own form with it.
        sqlx::query("DELETE FROM province_forms WHERE unit_id = $1")
            .bind(ids[code])
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM units WHERE id = $1")
            .bind(ids[code])
            .execute(&mut *conn)
            .await?;
    }
    // A unit no longer a province keeps no province's form.
    sqlx::query(
        "DELETE FROM province_forms WHERE campaign_id = $1
         AND unit_id IN (SELECT id FROM units WHERE campaign_id = $2 AND kind <> 'tinh')",
    )
    .bind(campaign.id)
    .bind(campaign.id)
    .execute(&mut *conn)
    .await?;
    let started = std::time::Instant::now();
    fix_depths(conn, campaign.id).await?;
    tracing::info!(elapsed = ?started.elapsed(), "depths fixed");
    totals::rebuild_in(conn, campaign.id, campaign.form).await?;
    tracing::info!(elapsed = ?started.elapsed(), "totals rebuilt");
    Ok(())
}

/// Sets every unit's depth from its place in the tree (units kept below a moved unit
/// move with it).
pub async fn fix_depths(conn: &mut Conn, campaign_id: i64) -> Result<(), Error> {
    sqlx::query(
        "WITH RECURSIVE d(id, depth) AS (
             SELECT id, 0 FROM units WHERE campaign_id = $1 AND parent_id IS NULL
             UNION ALL
             SELECT u.id, d.depth + 1 FROM units u JOIN d ON u.parent_id = d.id
         )
         UPDATE units SET depth = d.depth FROM d WHERE units.id = d.id AND units.depth != d.depth",
    )
    .bind(campaign_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The rows of an earlier campaign's tree (its active units), below the same anchor,
/// to copy into another campaign.
pub async fn rows_of(
    db: &Pool,
    admin: &Admin,
    from: &str,
    under: Option<&str>,
) -> Result<Vec<TreeRow>, Error> {
    let mut conn = db.acquire().await?;
    let campaign = Campaign::find(&mut conn, from).await?;
    let anchor = match under.map(tree::normalize_code).filter(|c| !c.is_empty()) {
        Some(code) => Some(admin.reach_unit(&mut conn, campaign.id, &code).await?),
        None => admin.top(&mut conn, campaign.id).await?,
    };
    let tree = Tree::new(load(&mut conn, campaign.id).await?);
    let mut contacts: HashMap<i64, tuanle_shared::tree::Contact> = sqlx::query(
        "SELECT id, contact_name, contact_phone FROM units
             WHERE campaign_id = $1 AND (contact_name IS NOT NULL OR contact_phone IS NOT NULL)",
    )
    .bind(campaign.id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok((
            r.try_get("id")?,
            tuanle_shared::tree::Contact {
                name: r.try_get("contact_name")?,
                phone: r.try_get("contact_phone")?,
            },
        ))
    })
    .collect::<Result<_, sqlx::Error>>()?;
    let part: Vec<usize> = match &anchor {
        None => (0..tree.units.len()).collect(),
        Some(a) => tree.below(a.id),
    };
    // Parents first, so line numbers read top-down like a file would.
    let mut part: Vec<&Stored> = part.into_iter().map(|i| &tree.units[i]).collect();
    part.sort_by_key(|u| (u.depth, u.code.clone()));
    Ok(part
        .into_iter()
        .filter(|u| u.active)
        .enumerate()
        .map(|(i, u)| TreeRow {
            line: u32::try_from(i + 2).unwrap_or(u32::MAX),
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
            parent: tree.parent_code(u).unwrap_or_default(),
            // Last year's contact, where the unit had one: the new campaign's own, once
            // it has some, are kept (see `write_contacts`).
            contact: contacts.remove(&u.id),
            // A copy's units continue the copied ones, by the same codes.
            predecessor: None,
        })
        .collect())
}
