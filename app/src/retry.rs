//! How long to wait, free of the browser so it is tested natively: before retrying a
//! request that failed, and for an answer before a request is taken for stalled.
//!
//! A stalled link (a captive portal, one bar of signal) accepts a connection and never
//! answers. A fixed deadline on the whole request would starve a large answer on a slow
//! link that works, so a request is abandoned only when nothing at all has arrived for
//! [`patience_ms`]: not its headers, not one more byte of its body. Each stall in a row
//! doubles the patience, so a link with very high latency still gets through; each
//! retry waits a little longer, with jitter, so thousands of tablets coming back on the
//! same mast do not knock together.

/// Silence after which a request is abandoned, after `stalls` stalls in a row: 12 s,
/// 24 s, 48 s, then 60 s.
pub fn patience_ms(stalls: u32) -> u32 {
    12_000u32.saturating_mul(1 << stalls.min(3)).min(60_000)
}

/// The wait before retry number `failures` (1 for the first retry): 2 s, 4 s, 8 s …
/// up to a minute, of which a random half (`random` in `0..1`) is jitter.
pub fn backoff_ms(failures: u32, random: f64) -> u32 {
    let step = 2_000u32
        .saturating_mul(1 << failures.saturating_sub(1).min(5))
        .min(60_000);
    let random = if random.is_finite() {
        random.clamp(0.0, 1.0)
    } else {
        0.5
    };
    step / 2 + (f64::from(step / 2) * random) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patience_doubles_up_to_a_minute() {
        let waits: Vec<u32> = (0..6).map(patience_ms).collect();
        assert_eq!(waits, [12_000, 24_000, 48_000, 60_000, 60_000, 60_000]);
        assert_eq!(patience_ms(u32::MAX), 60_000);
    }

    #[test]
    fn backoff_grows_with_jitter_in_its_upper_half() {
        for failures in 1..10 {
            let step = (2_000u32 << (failures - 1).min(5)).min(60_000);
            assert_eq!(backoff_ms(failures, 0.0), step / 2);
            assert_eq!(backoff_ms(failures, 1.0), step);
            let mid = backoff_ms(failures, 0.5);
            assert!(mid > step / 2 && mid < step, "{failures}: {mid}");
        }
        assert_eq!(
            backoff_ms(0, 1.0),
            2_000,
            "the first wait, counted from zero too"
        );
        assert_eq!(backoff_ms(u32::MAX, 1.0), 60_000);
        assert_eq!(
            backoff_ms(3, f64::NAN),
            6_000,
            "a broken random source: the middle"
        );
        assert_eq!(backoff_ms(3, 7.0), 8_000);
    }
}
