//! The organisation tree of a campaign as the other modules read it: a unit's row, and
//! whether one unit is within another's subtree (the reach of supervisors and subtree
//! administrators).

use crate::db::Conn;
use crate::error::Error;

/// A unit of a campaign's tree, as the reach checks need it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnitRow {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub depth: i64,
    #[sqlx(try_from = "crate::db::Flag")]
    pub active: bool,
    /// Asked to report rather than required: counted in no completeness above it.
    #[sqlx(try_from = "crate::db::Flag")]
    pub asked: bool,
}

/// Finds a unit by code in a campaign; `None` when there is none.
pub async fn unit(conn: &mut Conn, campaign_id: i64, code: &str) -> Result<Option<UnitRow>, Error> {
    Ok(sqlx::query_as(
        "SELECT id, code, name, kind, parent_id, depth, active, asked FROM units
         WHERE campaign_id = $1 AND code = $2",
    )
    .bind(campaign_id)
    .bind(code)
    .fetch_optional(&mut *conn)
    .await?)
}

/// The unit and its ancestors, nearest first: the dashboards a change of the unit shows on.
pub async fn up_from(conn: &mut Conn, unit_id: i64) -> Result<Vec<i64>, Error> {
    Ok(sqlx::query_scalar(
        "WITH RECURSIVE up(id, parent_id, n) AS (
             SELECT id, parent_id, 0 FROM units WHERE id = $1
             UNION ALL
             SELECT u.id, u.parent_id, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id
         )
         SELECT id FROM up ORDER BY n",
    )
    .bind(unit_id)
    .fetch_all(&mut *conn)
    .await?)
}

/// Whether the unit with code `own` is `unit_id` or one of its ancestors (with
/// `strictly`, an ancestor only): the reach of supervisors and subtree administrators.
/// Runs on the pool or inside a caller's transaction.
pub async fn within(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    own: &str,
    unit_id: i64,
    strictly: bool,
) -> Result<bool, Error> {
    Ok(levels_above(db, own, unit_id)
        .await?
        .is_some_and(|n| n >= u32::from(strictly)))
}

/// Whether the unit with code `own` is the unit `code` or above it (with `strictly`,
/// above it only) in every campaign whose tree has that unit, and at least one does: a
/// reach that holds whatever year's tree a request names (supervisors' and subtree
/// administrators').
pub async fn reaches_everywhere(
    conn: &mut Conn,
    own: &str,
    code: &str,
    strictly: bool,
) -> Result<bool, Error> {
    if strictly && own == code {
        return Ok(false);
    }
    let (total, reached): (i64, i64) = sqlx::query_as(
        "WITH RECURSIVE up(start, id, parent_id, code) AS (
             SELECT id, id, parent_id, code FROM units WHERE code = $1
             UNION ALL
             SELECT up.start, u.id, u.parent_id, u.code FROM units u JOIN up ON u.id = up.parent_id
         )
         SELECT COUNT(DISTINCT start), COUNT(DISTINCT CASE WHEN code = $2 THEN start END) FROM up",
    )
    .bind(code)
    .bind(own)
    .fetch_one(&mut *conn)
    .await?;
    Ok(total > 0 && total == reached)
}

/// How many levels the unit with code `own` stands above `unit_id` on its way up to the
/// root: 0 for the unit itself, 1 for its parent; `None` off that way.
pub async fn levels_above(
    db: impl sqlx::Executor<'_, Database = sqlx::Any>,
    own: &str,
    unit_id: i64,
) -> Result<Option<u32>, Error> {
    let (n,): (Option<i64>,) = sqlx::query_as(
        "WITH RECURSIVE up(id, parent_id, code, n) AS (
             SELECT id, parent_id, code, 0 FROM units WHERE id = $1
             UNION ALL
             SELECT u.id, u.parent_id, u.code, up.n + 1 FROM units u JOIN up ON u.id = up.parent_id
         )
         SELECT MIN(n) FROM up WHERE code = $2",
    )
    .bind(unit_id)
    .bind(own)
    .fetch_one(db)
    .await?;
    n.map(|n| u32::try_from(n).map_err(|e| Error::Internal(e.to_string())))
        .transpose()
}

/// The ids of a subtree (the unit itself included), or of the whole campaign.
pub const SUBTREE_CTE: &str = "WITH RECURSIVE reach(id) AS (
         SELECT id FROM units WHERE campaign_id = $1 AND ($2 IS NULL AND parent_id IS NULL OR id = $2)
         UNION ALL
         SELECT u.id FROM units u JOIN reach ON u.parent_id = reach.id
     )";

/// Each level of a campaign's tree named by the kinds of its active units, most frequent
/// first ([`tuanle_shared::wire::admin::level_name`]): what people read where a level is
/// meant (an audit line, a deadline), never its depth.
pub async fn level_names(
    conn: &mut Conn,
    campaign_id: i64,
) -> Result<std::collections::BTreeMap<u32, String>, Error> {
    let rows: Vec<(i64, String)> = sqlx::query_as(
        "SELECT depth, kind FROM units WHERE campaign_id = $1 AND active = 1
         GROUP BY depth, kind ORDER BY depth, COUNT(*) DESC, kind",
    )
    .bind(campaign_id)
    .fetch_all(&mut *conn)
    .await?;
    let known = crate::kinds::load(conn).await?;
    let mut kinds: std::collections::BTreeMap<u32, Vec<String>> = Default::default();
    for (depth, kind) in rows {
        kinds
            .entry(u32::try_from(depth).unwrap_or(0))
            .or_default()
            .push(known.name_of(&kind).to_owned());
    }
    Ok(kinds
        .into_iter()
        .map(|(depth, kinds)| (depth, tuanle_shared::wire::admin::level_name(depth, &kinds)))
        .collect())
}

/// The name of one level, from [`level_names`] (by its place when it has no unit yet).
pub fn level_named(names: &std::collections::BTreeMap<u32, String>, depth: u32) -> String {
    names
        .get(&depth)
        .cloned()
        .unwrap_or_else(|| tuanle_shared::wire::admin::level_name(depth, &[]))
}
