//! Who is calling: sign-in, sessions, password hashes and sign-in limits.
//!
//! A signed-in caller carries a session cookie (HttpOnly, SameSite=Strict, long-lived:
//! reporters stay signed in on their tablet for weeks); the `api` layer reads it and
//! hands handlers a [`Caller`].

pub mod limit;
pub mod password;
pub mod session;
mod sign_in;

use tuanle_shared::wire::{Me, Role};

pub use sign_in::sign_in;

/// The signed-in account behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    pub account_id: i64,
    pub me: Me,
}

impl Caller {
    pub fn role(&self) -> Role {
        self.me.role
    }
}
