//! Campaigns as everyone reads them: the one a request names, and the list every
//! signed-in or anonymous caller sees (`docs/domain.md`).

use sqlx::Row;
use tuanle_shared::FormDef;
use tuanle_shared::wire::CampaignSummary;
use tuanle_shared::wire::admin::Deadline;

use crate::db::{Conn, Pool};
use crate::error::Error;

/// The campaign a request names.
#[derive(Debug, Clone)]
pub struct Campaign {
    pub id: i64,
    pub code: String,
    pub form: &'static FormDef,
}

impl Campaign {
    /// The campaign of that code; unknown is a 404.
    pub async fn find(conn: &mut Conn, code: &str) -> Result<Campaign, Error> {
        let (id, version, stored): (i64, String, Option<String>) = sqlx::query_as(&format!(
            "SELECT id, form_version, {} FROM campaigns WHERE code = $1",
            crate::forms::hash_sql("campaigns.form_version")
        ))
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or(Error::NotFound {
            what: "đợt báo cáo",
        })?;
        let form = crate::forms::of(&mut *conn, &version, stored.as_deref())
            .await?
            .form;
        Ok(Campaign {
            id,
            code: code.to_owned(),
            form,
        })
    }
}

/// Every campaign with its deadlines, newest first, each saying whether `unit_code` is in
/// its tree.
pub async fn list(db: &Pool, unit_code: Option<&str>) -> Result<Vec<CampaignSummary>, Error> {
    let mine: Vec<i64> = match unit_code {
        Some(code) => {
            sqlx::query_scalar("SELECT campaign_id FROM units WHERE code = $1")
                .bind(code)
                .fetch_all(db)
                .await?
        }
        None => Vec::new(),
    };
    let rows = sqlx::query(&format!(
        "SELECT id, code, year, theme, starts_on, ends_on, form_version, {} AS stored_hash, open, practice
         FROM campaigns ORDER BY practice, year DESC, code",
        crate::forms::hash_sql("campaigns.form_version")
    ))
    .fetch_all(db)
    .await?;
    let deadlines: Vec<(i64, i64, String)> =
        sqlx::query_as("SELECT campaign_id, depth, due_on FROM deadlines ORDER BY depth")
            .fetch_all(db)
            .await?;
    rows.into_iter()
        .map(|r| {
            let id: i64 = r.try_get("id")?;
            let form_version: String = r.try_get("form_version")?;
            // A stored version's hash is read beside it; a shipped one's is known.
            let form_hash = match r.try_get::<Option<String>, _>("stored_hash")? {
                Some(hash) => hash,
                None => crate::forms::shipped(&form_version)
                    .map(|k| k.hash.to_owned())
                    .unwrap_or_default(),
            };
            Ok(CampaignSummary {
                code: r.try_get("code")?,
                year: r.try_get("year")?,
                theme: r.try_get("theme")?,
                starts_on: r.try_get("starts_on")?,
                ends_on: r.try_get("ends_on")?,
                form_hash,
                form_version,
                open: crate::db::flag(&r, "open")?,
                deadlines: deadlines
                    .iter()
                    .filter(|(c, _, _)| *c == id)
                    .map(|(_, depth, due_on)| Deadline {
                        depth: u32::try_from(*depth).unwrap_or(0),
                        due_on: due_on.clone(),
                    })
                    .collect(),
                has_my_unit: mine.contains(&id),
                practice: crate::db::flag(&r, "practice")?,
            })
        })
        .collect()
}
