//! The form-definition parser: any JSON text gives a checked definition or an error,
//! never a panic; a definition it accepts lays out figures without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuanle_shared::{Figures, FormDef};

fuzz_target!(|json: &str| {
    if let Ok(form) = FormDef::from_json(json) {
        let _ = Figures::zero(&form);
    }
});
