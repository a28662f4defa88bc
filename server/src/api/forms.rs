//! `GET /api/v1/forms` and `GET /api/v1/forms/{version}`: the form definitions, as data.
//! The app renders whatever it is given here.

use axum::Json;
use tuanle_shared::FormDef;
use tuanle_shared::form::{builtin, builtin_versions};

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

pub async fn forms_list(ApiQuery(q): ApiQuery<FormQuery>) -> Json<Vec<FormDef>> {
    Json(
        builtin_versions()
            .into_iter()
            .filter_map(builtin)
            .map(|f| served(f, q.guidance))
            .collect(),
    )
}

pub async fn form_get(
    ApiPath(version): ApiPath<String>,
    ApiQuery(q): ApiQuery<FormQuery>,
) -> Result<Json<FormDef>, Error> {
    builtin(&version)
        .map(|f| Json(served(f, q.guidance)))
        .ok_or(Error::NotFound {
            what: "mẫu báo cáo",
        })
}
