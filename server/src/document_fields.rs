//! The issuer's fields of units' report documents (`shared::document::DocumentFields`),
//! kept by campaign and unit code: what a unit saved for this campaign, else what the
//! same code saved for the latest campaign before it (offered again next year), else the
//! defaults of its kind.

use tuanle_shared::document::{DocumentFields, DocumentFieldsAnswer, FieldsSource};

use crate::db::{Conn, Pool};
use crate::error::Error;

fn parse(stored: &str) -> Result<DocumentFields, Error> {
    serde_json::from_str(stored)
        .map_err(|e| Error::Internal(format!("stored document fields: {e}")))
}

/// The fields offered to a unit: saved for `campaign_id`, else saved for the latest
/// earlier campaign (by year) under the same code, else `defaults`.
pub async fn offered(
    conn: &mut Conn,
    campaign_id: i64,
    unit_code: &str,
    defaults: DocumentFields,
) -> Result<DocumentFieldsAnswer, Error> {
    let saved: Option<(String, i64)> = sqlx::query_as(
        "SELECT f.fields, CASE WHEN f.campaign_id = $1 THEN 1 ELSE 0 END AS this_one
         FROM document_fields f JOIN campaigns c ON c.id = f.campaign_id
         WHERE f.unit_code = $2
           AND (f.campaign_id = $1
                OR (c.year < (SELECT year FROM campaigns WHERE id = $1) AND c.practice = 0))
         ORDER BY CASE WHEN f.campaign_id = $1 THEN 1 ELSE 0 END DESC, c.year DESC, c.id DESC
         LIMIT 1",
    )
    .bind(campaign_id)
    .bind(unit_code)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(match saved {
        Some((fields, this_one)) => DocumentFieldsAnswer {
            fields: parse(&fields)?,
            source: if this_one == 1 {
                FieldsSource::Saved
            } else {
                FieldsSource::LastYear
            },
        },
        None => DocumentFieldsAnswer {
            fields: defaults,
            source: FieldsSource::Default,
        },
    })
}

/// Saves a unit's fields for a campaign, replacing what it saved before. The fields must
/// have been checked (`DocumentFields::problem`).
pub async fn save(
    db: &Pool,
    campaign_id: i64,
    unit_code: &str,
    fields: &DocumentFields,
    by: &str,
) -> Result<(), Error> {
    let json = serde_json::to_string(fields)
        .map_err(|e| Error::Internal(format!("document fields: {e}")))?;
    let mut tx = crate::db::begin_write(db).await?;
    sqlx::query(
        "INSERT INTO document_fields (campaign_id, unit_code, fields, updated_by, updated_at)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (campaign_id, unit_code)
         DO UPDATE SET fields = excluded.fields, updated_by = excluded.updated_by,
                       updated_at = excluded.updated_at",
    )
    .bind(campaign_id)
    .bind(unit_code)
    .bind(json)
    .bind(by)
    .bind(crate::clock::now_ms())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}
