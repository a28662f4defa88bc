//! Sign-off packages: `GET`/`POST …/units/{unit}/packages` (the unit's packages; a
//! sign-off by its own supervisor), `GET …/packages/{seq}` (one, as sent), and a parent
//! supervisor's `POST …/packages/{seq}/accept` and `…/return` ([`crate::packages`]), and
//! `PUT`/`GET …/packages/{seq}/signed-copy`: the copy the unit's officials signed.

use axum::Json;
use axum::extract::State;
use tuanle_shared::wire::{
    ApproveRequest, Package, PackageBrief, RefusalCode, ReturnRequest, SignOffRequest,
};

use super::AppState;
use super::extract::{ApiJson, ApiPath, NamedReport, UnitCode};
use crate::auth::Caller;
use crate::error::Error;
use crate::packages::{self, PackageReview};
use crate::reports::{self, Target};

pub async fn packages_list(
    State(state): State<AppState>,
    unit: NamedReport,
) -> Result<Json<Vec<PackageBrief>>, Error> {
    let target = unit.readable(&state.db).await?;
    let mut conn = state.db.acquire().await?;
    Ok(Json(packages::list(&mut conn, target.unit_id).await?))
}

pub async fn package_sign_off(
    State(state): State<AppState>,
    unit: NamedReport,
    ApiJson(SignOffRequest {}): ApiJson<SignOffRequest>,
) -> Result<Json<Package>, Error> {
    let target = unit.writable(&state.db).await?;
    let (package, moved) = packages::sign_off(&state.db, &unit.caller, &target).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(package))
}

/// The unit a package path names, which the caller may read.
async fn readable(
    state: &AppState,
    caller: &Caller,
    campaign: &str,
    unit: &str,
) -> Result<Target, Error> {
    let target = reports::resolve(&state.db, campaign, unit).await?;
    reports::authorize_read(&state.db, caller, &target).await?;
    Ok(target)
}

pub async fn package_get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, UnitCode(unit), seq)): ApiPath<(String, UnitCode, u32)>,
) -> Result<Json<Package>, Error> {
    let target = readable(&state, &caller, &campaign, &unit).await?;
    Ok(Json(packages::get(&state.db, &caller, &target, seq).await?))
}

async fn review(
    state: AppState,
    caller: Caller,
    (campaign, UnitCode(unit), seq): (String, UnitCode, u32),
    review: PackageReview,
) -> Result<Json<Package>, Error> {
    let target = readable(&state, &caller, &campaign, &unit).await?;
    let (package, moved) = packages::review(&state.db, &caller, &target, seq, review).await?;
    state.live.publish(target.campaign_id, moved).await;
    Ok(Json(package))
}

pub async fn package_accept(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<(String, UnitCode, u32)>,
    ApiJson(ApproveRequest {}): ApiJson<ApproveRequest>,
) -> Result<Json<Package>, Error> {
    review(state, caller, path, PackageReview::Accept).await
}

pub async fn package_return(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath(path): ApiPath<(String, UnitCode, u32)>,
    ApiJson(body): ApiJson<ReturnRequest>,
) -> Result<Json<Package>, Error> {
    if !body.comments.is_empty() {
        return Err(Error::bad(
            RefusalCode::BadComment,
            "Nhận xét theo ô chỉ có trên báo cáo của đơn vị, không có trên gói đã ký.",
        ));
    }
    let reason = body.reason;
    review(state, caller, path, PackageReview::Return { reason }).await
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedCopyQuery {
    #[serde(default)]
    name: Option<String>,
}

/// A file name as a download may carry it: its last path part, without quotes or
/// control characters, at most 100 letters; `ban-co-chu-ky` when nothing is left.
fn clean_file_name(name: Option<&str>, media_type: &str) -> String {
    let base = name
        .unwrap_or_default()
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default();
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';'))
        .take(100)
        .collect();
    let cleaned = cleaned.trim();
    let (ext, also) = match media_type {
        "application/pdf" => ("pdf", "pdf"),
        "image/png" => ("png", "png"),
        _ => ("jpg", "jpeg"),
    };
    if cleaned.is_empty() {
        return format!("ban-co-chu-ky.{ext}");
    }
    // Saved under the type it is, whatever it was called (`x.html` is `x.html.pdf`).
    let named = cleaned
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .is_some_and(|e| e == ext || e == also);
    if named {
        cleaned.to_owned()
    } else {
        format!("{cleaned}.{ext}")
    }
}

/// `PUT …/packages/{seq}/signed-copy?name=…`: the unit's own staff attach the copy its
/// officials signed: a PDF, a JPEG or a PNG (read from the bytes, whatever it is named or
/// typed as), at most [`tuanle_shared::wire::SIGNED_COPY_MAX`] bytes.
pub async fn signed_copy_put(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, UnitCode(unit), seq)): ApiPath<(String, UnitCode, u32)>,
    super::extract::ApiQuery(query): super::extract::ApiQuery<SignedCopyQuery>,
    body: axum::body::Body,
) -> Result<Json<tuanle_shared::wire::SignedCopy>, Error> {
    // Who may first, then the body: nobody else gets the server to hold 10 MB.
    let target = reports::resolve(&state.db, &campaign, &unit).await?;
    reports::authorize_write(&caller, &target)?;
    if caller.role() != tuanle_shared::wire::Role::Supervisor {
        // As for the sign-off itself: the unit's supervisor.
        return Err(Error::Forbidden);
    }
    let bytes = axum::body::to_bytes(body, tuanle_shared::wire::SIGNED_COPY_MAX)
        .await
        .map_err(|e| {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if too_large {
                Error::TooLarge
            } else {
                Error::bad(
                    tuanle_shared::wire::RefusalCode::BadBody,
                    "Không đọc được tệp gửi lên.",
                )
            }
        })?;
    let Some(media_type) = tuanle_shared::wire::signed_copy_type(&bytes) else {
        return Err(Error::bad(
            tuanle_shared::wire::RefusalCode::BadFileType,
            "Bản có chữ ký phải là tệp PDF hoặc ảnh chụp (JPEG, PNG).",
        ));
    };
    let name = clean_file_name(query.name.as_deref(), media_type);
    Ok(Json(
        packages::attach_signed_copy(&state.db, &caller, &target, seq, &name, media_type, &bytes)
            .await?,
    ))
}

/// `GET …/packages/{seq}/signed-copy`: the file, for whoever may read the unit's packages.
pub async fn signed_copy_get(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, UnitCode(unit), seq)): ApiPath<(String, UnitCode, u32)>,
) -> Result<impl axum::response::IntoResponse, Error> {
    let target = readable(&state, &caller, &campaign, &unit).await?;
    let (copy, bytes) = packages::signed_copy(&state.db, target.unit_id, seq).await?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, copy.media_type),
            (
                axum::http::header::CONTENT_DISPOSITION,
                attachment(&copy.file_name),
            ),
        ],
        bytes,
    ))
}

/// `Content-Disposition` for a file name of any letters: an ASCII one for old clients
/// (Vietnamese letters without their marks), the exact one percent-encoded (RFC 6266).
fn attachment(name: &str) -> String {
    let ascii: String = tuanle_shared::text::fold(name)
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut exact = String::new();
    for byte in name.as_bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(byte) {
            exact.push(char::from(*byte));
        } else {
            exact.push_str(&format!("%{byte:02X}"));
        }
    }
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{exact}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_cleaned_and_sent_both_ways() {
        assert_eq!(
            clean_file_name(Some("C:\\scan\\Báo cáo đã ký.pdf"), "application/pdf"),
            "Báo cáo đã ký.pdf"
        );
        assert_eq!(clean_file_name(Some("\"; x"), "image/png"), "x.png");
        assert_eq!(
            clean_file_name(Some("scan.JPEG"), "image/jpeg"),
            "scan.JPEG"
        );
        assert_eq!(
            clean_file_name(Some("a.html"), "application/pdf"),
            "a.html.pdf"
        );
        assert_eq!(clean_file_name(None, "image/png"), "ban-co-chu-ky.png");
        let header = attachment("Báo cáo đã ký.pdf");
        assert!(header.is_ascii(), "{header}");
        assert!(
            header.contains("filename*=UTF-8''B%C3%A1o%20c%C3%A1o"),
            "{header}"
        );
    }
}
