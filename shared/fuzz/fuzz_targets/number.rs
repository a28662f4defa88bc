//! The number parser: any text either parses or is refused, never panics; what parses
//! formats back to a text that parses to the same number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tuanle_shared::number::{format_number, parse_cell, parse_number};

fuzz_target!(|text: &str| {
    if let Ok(n) = parse_number(text) {
        assert_eq!(parse_number(&format_number(n)).ok(), Some(n), "{text:?}");
    }
    let _ = parse_cell(text);
});
