//! The push payload: any bytes decode to a push request or an error; a decoded one is
//! checked against the 2025 form, merged and validated as the server does, never
//! panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuanle_shared::form::builtin;
use tuanle_shared::wire::PushRequest;
use tuanle_shared::{Figures, merge, validate::validate};

fuzz_target!(|bytes: &[u8]| {
    let Ok(push) = serde_json::from_slice::<PushRequest>(bytes) else {
        return;
    };
    let Some(form) = builtin("2025") else {
        return;
    };
    if Figures::from_content(form, &push.content).is_ok() {
        let outcome = merge(&Default::default(), &push.content, &push.content);
        assert!(outcome.is_clean());
        let _ = validate(form, &push.content, None);
    }
});
