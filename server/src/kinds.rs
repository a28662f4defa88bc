//! The kinds of unit this server knows (issue 22): those the product ships
//! ([`Kinds::builtin`]) with the kinds and spellings its administrators added, read from
//! `unit_kinds` and `unit_kind_spellings`. Adding them is administration's
//! (`admin::kinds`); reading them is everyone's: the import, the labels, the documents.

use std::sync::LazyLock;

use sqlx::Row;
use tuanle_shared::tree::{KindDef, KindGroup, Kinds};

use crate::db::{Conn, Pool};
use crate::error::Error;

/// Every kind: the shipped ones, then those added, each with the spellings added.
pub async fn load(conn: &mut Conn) -> Result<Kinds, Error> {
    let added =
        sqlx::query("SELECT code, name, grp, asked FROM unit_kinds ORDER BY added_at, code")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| {
                let group: String = r.try_get("grp")?;
                Ok(KindDef {
                    code: r.try_get("code")?,
                    name: r.try_get("name")?,
                    aliases: Vec::new(),
                    // The table's CHECK admits only the four groups.
                    group: KindGroup::from_code(&group).unwrap_or(KindGroup::Organisation),
                    asked: crate::db::flag(r, "asked")?,
                    builtin: false,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
    let spellings =
        sqlx::query("SELECT spelled, code FROM unit_kind_spellings ORDER BY added_at, spelling")
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| Ok((r.try_get("spelled")?, r.try_get("code")?)))
            .collect::<Result<Vec<(String, String)>, Error>>()?;
    Ok(SHIPPED.clone().with(added, spellings))
}

/// Every kind of unit, shipped and added, for whoever reads them.
pub async fn list(db: &Pool) -> Result<Vec<KindDef>, Error> {
    let mut conn = db.acquire().await?;
    Ok(load(&mut conn).await?.all().to_vec())
}

/// The shipped kinds, built once.
static SHIPPED: LazyLock<Kinds> = LazyLock::new(Kinds::builtin);

/// The kind of a stored code: a shipped one, else the one an administrator added, of
/// `added_group` as read beside it (`LEFT JOIN unit_kinds`), else none. A report's push
/// needs it (what its yes/no answers count), without a query of its own.
pub fn of_code(code: &str, added_group: Option<&str>) -> Option<KindDef> {
    SHIPPED.get(code).cloned().or_else(|| {
        Some(KindDef {
            code: code.to_owned(),
            name: code.to_owned(),
            aliases: Vec::new(),
            group: KindGroup::from_code(added_group?)?,
            asked: false,
            builtin: false,
        })
    })
}
