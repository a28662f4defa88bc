//! Who is signed in, shared by every page. Kept in browser storage too, so the app
//! opens for the same person with no network (the session cookie stays valid for weeks).

use leptos::prelude::*;
use tuanle_shared::wire::Me;

use crate::storage;

const KEY: &str = "me";
/// What the server said about campaigns for the person signed in (whether their unit
/// is in each): another person's answer must not be used.
const CAMPAIGNS: &str = "campaigns";

#[derive(Clone, Copy)]
pub struct Session(pub RwSignal<Option<Me>>);

impl Session {
    /// Creates the session from storage and provides it to every page.
    pub fn provide() -> Session {
        let session = Session(RwSignal::new(storage::cached::<Me>(KEY)));
        provide_context(session);
        session
    }

    pub fn signed_in(&self, me: Me) {
        storage::forget(CAMPAIGNS);
        storage::cache(KEY, &me);
        self.0.set(Some(me));
    }

    pub fn signed_out(&self) {
        storage::forget(KEY);
        storage::forget(CAMPAIGNS);
        self.0.set(None);
    }
}

pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(Session::provide)
}
