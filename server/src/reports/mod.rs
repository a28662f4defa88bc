//! Reports: one unit's report in one campaign, and what can be done with it.
//!
//! - [`access`]: who may read, write and review a report;
//! - [`storage`]: its stored rows and its current state;
//! - [`reference`]: what it is compared with: the unit's last year, its peers' fences;
//! - [`push`]: a push of the sync contract (`docs/sync.md`), decided then written;
//! - [`review`]: submitting, returning and approving (`docs/domain.md`);
//! - [`comments`]: comments on cells, and the unit's answers;
//! - [`history`]: every version, event and comment.
//!
//! Every write runs in a write transaction (`db::begin_write`): it takes the write lock
//! before it reads, so two pushes to one report are serialised, and a push the server
//! has answered is on disk.

pub mod access;
pub mod comments;
pub mod history;
pub mod push;
pub mod reference;
pub mod review;
pub mod storage;

use sqlx::Row;
use tuanle_shared::FormDef;

pub use access::{
    authorize_entry, authorize_read, authorize_review, authorize_write, on_behalf, review_refusal,
};
pub use history::history;
pub use push::{apply_push, check_push, push, typed_on};
pub use review::{Review, checked_reason, review, submit};
pub use storage::{news, state};

use crate::db::Pool;
use crate::error::Error;

/// The units whose totals a change moved (the report's unit and its ancestors), for the
/// live dashboards.
pub type Moved = Vec<i64>;
/// One unit in one campaign: the report's key, resolved from the URL.
#[derive(Debug, Clone)]
pub struct Target {
    pub campaign_id: i64,
    pub campaign_code: String,
    pub campaign_year: i64,
    /// The report's own form: the version it was started on (a campaign's form can be
    /// replaced by its next version; a report keeps its own), or for a report not yet
    /// started, the campaign's. The report is shown, checked and merged by it.
    pub form: &'static FormDef,
    /// The report has been started (it has a row, and so its own form version).
    pub started: bool,
    /// The form the unit's totals are laid out by now ([`crate::totals::Layouts`]): its
    /// province's own form inside a province that has one, else its campaign's. The
    /// unit's figures enter the sums above it read by this one
    /// ([`tuanle_shared::Figures::laid_out`]); above the province, its shared rows only.
    pub layout: &'static FormDef,
    pub unit_id: i64,
    pub unit_code: String,
    pub unit_name: String,
    /// The unit's kind (its code), for its peers.
    pub unit_kind: String,
    /// That kind, for what its answers count (yes/no rows); `None` for a code no kind has.
    pub kind: Option<tuanle_shared::tree::KindDef>,
    /// The code its "last year" is found by: its predecessor's (a merged province, a
    /// renumbered school), else its own.
    pub last_year_code: String,
    /// The province the unit is in (its nearest unit of kind `tinh`, above it), whose
    /// units of the same kind are its peers; none for a province or above.
    pub province_id: Option<i64>,
    /// The deadline that applies (ISO date): the one its parent set for its children,
    /// else its level's in the campaign.
    pub deadline: Option<String>,
    /// The campaign takes reports (an administrator closes it when it is over).
    pub open: bool,
    /// A practice campaign: counted nowhere else; its reports may be reset.
    pub practice: bool,
    /// The unit is still expected to report.
    pub active: bool,
}

impl Target {
    /// The province the unit is in, itself for a province: whose own form, if it has
    /// one, the unit's totals are laid out by.
    pub fn province(&self) -> Option<i64> {
        if self.unit_kind == tuanle_shared::tree::UnitKind::Tinh.code() {
            Some(self.unit_id)
        } else {
            self.province_id
        }
    }

    /// Opens a write transaction for this target: the write lock taken, then the target
    /// as the transaction reads it ([`Target::current`]). Every write to a unit's report,
    /// packages or totals starts here, so none is written by a layout resolved before.
    pub async fn begin_write(
        &self,
        db: &Pool,
    ) -> Result<(crate::db::Txn, std::borrow::Cow<'_, Target>), Error> {
        let mut tx = crate::db::begin_write(db).await?;
        let target = self.current(&mut tx).await?;
        Ok((tx, target))
    }

    /// This target with its unit's layout as `conn` reads it now. A target is resolved
    /// before the write lock is taken (and a live stream keeps its own for as long as it
    /// is open); a campaign's (or the province's) form replaced meanwhile rebuilt the
    /// totals by the new form, and a change written, or a sum read, by the old one
    /// would not fit them. The report keeps
    /// its own form either way (a push was checked by it).
    pub async fn current(
        &self,
        conn: &mut crate::db::Conn,
    ) -> Result<std::borrow::Cow<'_, Target>, Error> {
        let now: String = sqlx::query_scalar(
            "SELECT COALESCE(pf.form_version, c.form_version) FROM campaigns c
             LEFT JOIN province_forms pf ON pf.campaign_id = c.id AND pf.unit_id = $2
             WHERE c.id = $1",
        )
        .bind(self.campaign_id)
        .bind(self.province())
        .fetch_one(&mut *conn)
        .await?;
        self.laid_out(conn, &now).await
    }

    /// This target with its unit's layout the form version `now`, as the caller read it
    /// inside its transaction (a push reads it with the report, [`Target::current`]).
    pub(crate) async fn laid_out(
        &self,
        conn: &mut crate::db::Conn,
        now: &str,
    ) -> Result<std::borrow::Cow<'_, Target>, Error> {
        if now == self.layout.version() {
            return Ok(std::borrow::Cow::Borrowed(self));
        }
        let layout = crate::forms::required(conn, now).await?;
        Ok(std::borrow::Cow::Owned(Target {
            layout,
            // A report not yet started begins on the form its unit uses now (unless it
            // was typed on another, `push::typed_on`).
            form: if self.started || self.form.version() != self.layout.version() {
                self.form
            } else {
                layout
            },
            ..self.clone()
        }))
    }
}

/// The deadline that applies to a unit: the one its parent set for its children, else its
/// level's in the campaign, and never after any ancestor's own (which may have moved
/// earlier since: children report before their parent does), `above` being the earliest
/// of those. ISO dates compare as text.
pub fn applying(
    set_by_parent: Option<String>,
    level_due: Option<String>,
    above: Option<String>,
) -> Option<String> {
    match (set_by_parent.or(level_due), above) {
        (Some(due), Some(parent)) => Some(due.min(parent)),
        (due, _) => due,
    }
}

/// Resolves `(campaign code, unit code)`; unknown ones are a 404.
pub async fn resolve(db: &Pool, campaign: &str, unit: &str) -> Result<Target, Error> {
    // `above`: the unit's ancestors, each with the deadline set for it or its level's;
    // the earliest of them caps the unit's (a grandparent's moved earlier caps it too).
    let row = sqlx::query(
        "WITH RECURSIVE above(id, parent_id, depth, campaign_id, kind) AS (
             SELECT p.id, p.parent_id, p.depth, p.campaign_id, p.kind
             FROM campaigns c JOIN units u ON u.campaign_id = c.id JOIN units p ON p.id = u.parent_id
             WHERE c.code = $1 AND u.code = $2
             UNION ALL
             SELECT x.id, x.parent_id, x.depth, x.campaign_id, x.kind FROM units x JOIN above a ON x.id = a.parent_id
         )
         SELECT c.id AS campaign_id, c.code AS campaign_code, c.year,
                COALESCE(pf.form_version, c.form_version) AS form_version,
                (SELECT fv.hash FROM form_versions fv WHERE fv.version = COALESCE(pf.form_version, c.form_version)) AS layout_hash,
                r.form_version AS report_form,
                (SELECT fv.hash FROM form_versions fv WHERE fv.version = r.form_version) AS report_hash,
                u.id AS unit_id, u.code AS unit_code, u.name AS unit_name, u.kind AS unit_kind,
                COALESCE(u.predecessor, u.code) AS last_year_code,
                (SELECT k.grp FROM unit_kinds k WHERE k.code = u.kind) AS added_kind_group,
                c.open, c.practice, u.active,
                (SELECT a.id FROM above a WHERE a.kind = 'tinh' ORDER BY a.depth DESC LIMIT 1) AS province_id,
                (SELECT p.children_due_on FROM units p WHERE p.id = u.parent_id) AS set_by_parent,
                (SELECT d.due_on FROM deadlines d WHERE d.campaign_id = c.id AND d.depth = u.depth) AS level_due,
                (SELECT MIN(COALESCE(g.children_due_on, d.due_on)) FROM above a
                   LEFT JOIN units g ON g.id = a.parent_id
                   LEFT JOIN deadlines d ON d.campaign_id = a.campaign_id AND d.depth = a.depth) AS parent_due
         FROM campaigns c JOIN units u ON u.campaign_id = c.id
              LEFT JOIN reports r ON r.campaign_id = c.id AND r.unit_id = u.id
              LEFT JOIN province_forms pf ON pf.campaign_id = c.id AND pf.unit_id = CASE WHEN u.kind = 'tinh' THEN u.id
                  ELSE (SELECT a.id FROM above a WHERE a.kind = 'tinh' ORDER BY a.depth DESC LIMIT 1) END
         WHERE c.code = $1 AND u.code = $2",
    )
    .bind(campaign)
    .bind(unit)
    .fetch_optional(db)
    .await?
    .ok_or(Error::NotFound { what: "báo cáo của đơn vị này trong đợt này" })?;
    let version: String = row.try_get("form_version")?;
    let unit_kind: String = row.try_get("unit_kind")?;
    let added_group: Option<String> = row.try_get("added_kind_group")?;
    let layout_hash: Option<String> = row.try_get("layout_hash")?;
    let layout = crate::forms::of(db, &version, layout_hash.as_deref())
        .await?
        .form;
    let report_form: Option<String> = row.try_get("report_form")?;
    let started = report_form.is_some();
    let form = match report_form {
        Some(own) if own != version => {
            let hash: Option<String> = row.try_get("report_hash")?;
            crate::forms::of(db, &own, hash.as_deref()).await?.form
        }
        _ => layout,
    };
    Ok(Target {
        campaign_id: row.try_get("campaign_id")?,
        campaign_code: row.try_get("campaign_code")?,
        campaign_year: row.try_get("year")?,
        form,
        started,
        layout,
        unit_id: row.try_get("unit_id")?,
        unit_code: row.try_get("unit_code")?,
        unit_name: row.try_get("unit_name")?,
        kind: crate::kinds::of_code(&unit_kind, added_group.as_deref()),
        last_year_code: row.try_get("last_year_code")?,
        unit_kind,
        province_id: row.try_get("province_id")?,
        deadline: applying(
            row.try_get("set_by_parent")?,
            row.try_get("level_due")?,
            row.try_get("parent_due")?,
        ),
        open: crate::db::flag(&row, "open")?,
        practice: crate::db::flag(&row, "practice")?,
        active: crate::db::flag(&row, "active")?,
    })
}
