//! Adding kinds of unit and spellings of them (issue 22): for every campaign at once,
//! each change in the audit log of the campaign it was made from.

use tuanle_shared::tree::{self, KindDef, KindError};
use tuanle_shared::wire::RefusalCode;
use tuanle_shared::wire::admin::KindSpelling;

use super::{Admin, audit};
use crate::campaigns::Campaign;
use crate::clock::now_ms;
use crate::db::{Pool, begin_write};
use crate::error::Error;

/// A name or spelling as stored: NFC, single spaces, no control characters.
fn clean(text: &str) -> String {
    tree::normalize_name(&tuanle_shared::text::nfc(text))
}

/// A refusal for a kind or spelling that cannot be added, saying why.
fn refused(e: KindError) -> Error {
    let code = match e {
        KindError::UnknownKind(_) => RefusalCode::UnknownKind,
        KindError::CodeTaken(_) | KindError::SpellingTaken { .. } | KindError::AliasTwice(_) => {
            RefusalCode::KindTaken
        }
        KindError::BadCode(_)
        | KindError::BadName
        | KindError::BadAlias(_)
        | KindError::TooManyAliases => RefusalCode::BadKind,
    };
    Error::bad(code, e.to_string())
}

/// Adds a kind of unit, with its spellings.
/// Only a national administrator adds a kind: it is every province's, and its group
/// decides what its units' answers count. Any administrator teaches a spelling of an
/// existing kind (from an import preview): a spelling another kind reads is refused.
pub async fn add(db: &Pool, admin: &Admin, campaign: &str, new: KindDef) -> Result<KindDef, Error> {
    admin.national()?;
    let new = KindDef {
        code: new.code.trim().to_owned(),
        name: clean(&new.name),
        aliases: new
            .aliases
            .iter()
            .map(|a| clean(a))
            .filter(|a| !a.is_empty())
            .collect(),
        builtin: false,
        ..new
    };
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let kinds = crate::kinds::load(&mut tx).await?;
    kinds.check_new(&new).map_err(refused)?;
    let now = now_ms();
    sqlx::query(
        "INSERT INTO unit_kinds (code, name, grp, asked, added_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&new.code)
    .bind(&new.name)
    .bind(new.group.code())
    .bind(i64::from(new.asked))
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for spelled in &new.aliases {
        insert_spelling(&mut tx, spelled, &new.code, now).await?;
    }
    let summary = format!(
        "Thêm loại đơn vị {} ({}, {}{})",
        new.name,
        new.code,
        new.group.label(),
        if new.asked { ", mời báo cáo" } else { "" }
    );
    audit::record(&mut tx, admin, campaign.id, None, "kind.create", &summary).await?;
    tx.commit().await?;
    Ok(new)
}

/// Teaches the import that `spelled` is the kind `code` (chosen in a preview).
pub async fn add_spelling(
    db: &Pool,
    admin: &Admin,
    campaign: &str,
    new: &KindSpelling,
) -> Result<KindDef, Error> {
    let spelled = clean(&new.spelled);
    let mut tx = begin_write(db).await?;
    let campaign = Campaign::find(&mut tx, campaign).await?;
    let kinds = crate::kinds::load(&mut tx).await?;
    let kind = kinds
        .get(&new.code)
        .ok_or_else(|| refused(KindError::UnknownKind(new.code.clone())))?
        .clone();
    kinds.check_spelling(&spelled).map_err(refused)?;
    insert_spelling(&mut tx, &spelled, &kind.code, now_ms()).await?;
    let summary = format!(
        "Ghi nhận cách viết “{spelled}” là loại đơn vị {}",
        kind.name
    );
    audit::record(&mut tx, admin, campaign.id, None, "kind.spelling", &summary).await?;
    tx.commit().await?;
    let mut kind = kind;
    kind.aliases.push(spelled);
    Ok(kind)
}

async fn insert_spelling(
    conn: &mut crate::db::Conn,
    spelled: &str,
    code: &str,
    now: i64,
) -> Result<(), Error> {
    sqlx::query(
        "INSERT INTO unit_kind_spellings (spelling, spelled, code, added_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(tree::key(spelled))
    .bind(spelled)
    .bind(code)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
