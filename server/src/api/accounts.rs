//! A supervisor's reach over the accounts below their unit: `GET …/units/{unit}/accounts`
//! lists a unit's reporter and supervisor accounts, `POST
//! …/units/{unit}/accounts/{username}/password` gives one a new first password
//! ([`crate::admin::accounts::reset_below`]).

use axum::Json;
use axum::extract::State;
use tuanle_shared::wire::admin::{AccountInfo, Credentials, PasswordReset};

use super::AppState;
use super::extract::{ApiJson, ApiPath, UnitCode};
use crate::admin::accounts;
use crate::auth::Caller;
use crate::error::Error;

pub async fn unit_accounts(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, UnitCode(unit))): ApiPath<(String, UnitCode)>,
) -> Result<Json<Vec<AccountInfo>>, Error> {
    Ok(Json(
        accounts::below(&state.db, &caller, &campaign, &unit).await?,
    ))
}

pub async fn unit_account_password(
    State(state): State<AppState>,
    caller: Caller,
    ApiPath((campaign, UnitCode(unit), username)): ApiPath<(String, UnitCode, String)>,
    ApiJson(PasswordReset {}): ApiJson<PasswordReset>,
) -> Result<Json<Credentials>, Error> {
    Ok(Json(
        accounts::reset_below(&state.db, &caller, &campaign, &unit, &username).await?,
    ))
}
