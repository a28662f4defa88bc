//! `GET /api/v1/forms` and `GET /api/v1/forms/{version}`: the form definitions, as data.
//! The app renders whatever it is given here.

use axum::Json;
use tuanle_shared::FormDef;
use tuanle_shared::form::{builtin, builtin_versions};

use super::extract::ApiPath;
use crate::error::Error;

pub async fn forms_list() -> Json<Vec<&'static FormDef>> {
    Json(builtin_versions().into_iter().filter_map(builtin).collect())
}

pub async fn form_get(ApiPath(version): ApiPath<String>) -> Result<Json<&'static FormDef>, Error> {
    builtin(&version).map(Json).ok_or(Error::NotFound {
        what: "mẫu báo cáo",
    })
}
