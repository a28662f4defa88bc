//! Outliers against peers (issue 20): a value far above those of units of the same kind
//! in the same province is flagged "cao bất thường so với các đơn vị cùng loại".
//!
//! Most rows are sparse: a primary school holds no vocational class, so most peers
//! report 0 and a median of all peers is 0, which would flag every ordinary value. The
//! rule therefore reads only the peers that *report* the row (a value above 0), and
//! works on a ratio scale, since counts of classes or persons spread multiplicatively:
//!
//! - `m` is the median of those values, and `s` the median of `|ln x − ln m|` (the
//!   median absolute deviation of their logarithms, which one wild peer cannot move);
//! - the fence is `m × max(peer_factor, e^(peer_spread · s))`: never closer than
//!   `peer_factor` times the median, wider where the peers themselves differ widely;
//! - with fewer than `peer_min` reporting peers there is no fence: last year's peers
//!   are read instead while this year's are still few, and nothing is flagged when
//!   neither has enough.
//!
//! The server computes a fence per cell from stored figures ([`fence`]) and sends them
//! with the report ([`Reference`]), so the app flags the value offline, before the
//! report is submitted, by the same comparison the server's submission makes.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::content::{Content, NumberCell};
use crate::form::PlausibilitySpec;

/// Where the values of a cell's peers end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeerFence {
    /// A value above this is flagged.
    pub fence: u64,
    /// The median of the reporting peers' values, said in the warning.
    pub median: u64,
    /// How many peers reported the row.
    pub peers: u32,
    /// The peers are last year's (this year's were still too few).
    pub last_year: bool,
}

/// The unit's own report last year: its submitted or accepted one only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LastYear {
    pub year: i64,
    pub content: Content,
}

/// What a report is compared with beside its own rules: the unit's last year, and its
/// peers' fences by cell. Sent with the report, kept on the device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reference {
    #[serde(default)]
    pub last_year: Option<LastYear>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub peers: BTreeMap<NumberCell, PeerFence>,
}

/// The fence of one cell from its peers' values (zeros and blanks included or not: only
/// the values above 0 are read). `None` when fewer than `rule.peer_min` report it.
pub fn fence(values: &[u64], rule: &PlausibilitySpec, last_year: bool) -> Option<PeerFence> {
    let mut reported: Vec<u64> = values.iter().copied().filter(|&v| v > 0).collect();
    let peers = u32::try_from(reported.len()).unwrap_or(u32::MAX);
    if peers < rule.peer_min.max(1) {
        return None;
    }
    reported.sort_unstable();
    let median = median_of(&reported);
    let mut deviations: Vec<f64> = reported
        .iter()
        .map(|&v| (v as f64).ln() - median.ln())
        .map(f64::abs)
        .collect();
    deviations.sort_unstable_by(f64::total_cmp);
    let spread = median_f64(&deviations);
    let ratio = (rule.peer_factor.max(1) as f64).max((rule.peer_spread as f64 * spread).exp());
    let fence = (median * ratio).ceil();
    // Past u64 no value can be above it anyway.
    let fence = if fence >= u64::MAX as f64 {
        u64::MAX
    } else {
        fence as u64
    };
    Some(PeerFence {
        fence,
        median: median.round() as u64,
        peers,
        last_year,
    })
}

fn median_of(sorted: &[u64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2] as f64,
        _ => (sorted[n / 2 - 1] as f64 + sorted[n / 2] as f64) / 2.0,
    }
}

fn median_f64(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    match n {
        0 => 0.0,
        _ if n % 2 == 1 => sorted[n / 2],
        _ => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> PlausibilitySpec {
        PlausibilitySpec::default()
    }

    #[test]
    fn fifty_times_the_peers_is_above_the_fence() {
        let peers = [10, 12, 8, 11, 9, 10, 14];
        let f = fence(&peers, &rule(), false).unwrap();
        assert_eq!((f.median, f.peers), (10, 7));
        assert!(500 > f.fence, "{f:?}");
        assert!(
            f.fence >= 100,
            "never closer than ten times the median: {f:?}"
        );
    }

    #[test]
    fn a_sparse_row_reads_only_the_peers_that_report_it() {
        // 40 schools of 46 hold no such class; six hold a few.
        let mut peers = vec![0; 40];
        peers.extend([2, 3, 1, 4, 2, 3]);
        let f = fence(&peers, &rule(), false).unwrap();
        assert_eq!(f.peers, 6);
        assert!(f.fence > 5, "an ordinary 5 is not flagged: {f:?}");
        // Too few report it: no fence at all rather than a median of nothing.
        assert_eq!(fence(&[0, 0, 0, 0, 3, 4], &rule(), false), None);
    }

    #[test]
    fn peers_that_differ_widely_widen_the_fence_and_one_wild_peer_moves_nothing() {
        let close = fence(&[100, 110, 90, 105, 95], &rule(), false).unwrap();
        let wide = fence(&[10, 1_000, 100, 30, 300], &rule(), false).unwrap();
        assert!(wide.fence / wide.median > close.fence / close.median);
        let wild = fence(&[100, 110, 90, 105, 95, 1_000_000], &rule(), false).unwrap();
        assert!(wild.fence < 2_000, "{wild:?}");
    }

    #[test]
    fn the_largest_values_do_not_overflow() {
        let f = fence(&[u64::MAX; 6], &rule(), true).unwrap();
        assert_eq!((f.fence, f.last_year), (u64::MAX, true));
    }
}
