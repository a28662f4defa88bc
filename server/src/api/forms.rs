//! `GET /api/v1/forms` and `GET /api/v1/forms/{version}`: the form definitions, as data,
//! shipped and uploaded alike. The app renders whatever it is given here.

use axum::Json;
use axum::extract::State;
use tuanle_shared::FormDef;

use super::AppState;
use super::extract::{ApiPath, ApiQuery};
use crate::error::Error;

/// `?guidance=true`: with the rows' guidance notes, which builds before them cannot read
/// (they read forms strictly); without it, the form as those builds had it.
#[derive(Debug, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormQuery {
    #[serde(default)]
    guidance: bool,
}

fn served(form: &'static FormDef, guidance: bool) -> FormDef {
    if guidance {
        form.clone()
    } else {
        form.without_guidance()
    }
}

pub async fn forms_list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FormQuery>,
) -> Result<Json<Vec<FormDef>>, Error> {
    let mut conn = state.db.acquire().await?;
    Ok(Json(
        crate::forms::all(&mut conn)
            .await?
            .into_iter()
            .map(|k| served(k.form, q.guidance))
            .collect(),
    ))
}

pub async fn form_get(
    State(state): State<AppState>,
    ApiPath(version): ApiPath<String>,
    ApiQuery(q): ApiQuery<FormQuery>,
) -> Result<Json<FormDef>, Error> {
    let mut conn = state.db.acquire().await?;
    crate::forms::lookup(&mut conn, &version)
        .await?
        .map(|k| Json(served(k.form, q.guidance)))
        .ok_or(Error::NotFound {
            what: "mẫu báo cáo",
        })
}
