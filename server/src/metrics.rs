//! What the server counts for the people who run it, in Prometheus's text format
//! (`GET /metrics`, read by a Prometheus server or `curl`).
//!
//! One [`Metrics`] per server instance, made at start-up and handed to what records
//! into it (the push queue, the live coalescer, the API), not a process-wide global:
//! two servers in one process (the tests) keep their own counts.
//!
//! Names follow Prometheus's conventions: seconds for durations, `_total` on counters
//! (added by the encoder), a `tuanle_` prefix. The label values are a closed set (an
//! outcome, a refusal code, a document kind), never anything a user typed, so a hostile
//! client cannot make the series grow without bound.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// The media type of what [`Metrics::render`] writes (OpenMetrics text, which
/// Prometheus reads).
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// What a push came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushOutcome {
    /// Stored (or an exact retry answered again).
    Accepted,
    /// Refused `CONFLICT`: the tablet asks its person.
    Conflict,
    /// Refused for another reason (locked, closed, too large…).
    Refused,
    /// The server failed (storage): the tablet retries.
    Failed,
}

impl PushOutcome {
    fn label(self) -> &'static str {
        match self {
            PushOutcome::Accepted => "accepted",
            PushOutcome::Conflict => "conflict",
            PushOutcome::Refused => "refused",
            PushOutcome::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Outcome {
    outcome: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Code {
    code: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct Document {
    document: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, EncodeLabelSet)]
struct PoolState {
    state: &'static str,
}

/// Durations from a millisecond to about a minute, doubling.
fn seconds_buckets() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 17))
}

/// The server's counters, gauges and histograms; cheap to clone (shared).
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    pushes: Family<Outcome, Counter>,
    push_seconds: Histogram,
    queue_wait_seconds: Histogram,
    live_lag_seconds: Histogram,
    streams: Gauge<i64, AtomicI64>,
    sign_in_refusals: Family<Code, Counter>,
    document_seconds: Family<Document, Histogram>,
    pool: Family<PoolState, Gauge<i64, AtomicI64>>,
}

impl Default for Metrics {
    fn default() -> Metrics {
        Metrics::new()
    }
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("tuanle");
        let pushes = Family::<Outcome, Counter>::default();
        registry.register(
            "pushes",
            "Pushes of reports, by outcome (accepted, conflict, refused, failed)",
            pushes.clone(),
        );
        let push_seconds = seconds_buckets();
        registry.register(
            "push_duration_seconds",
            "Time to answer a push, queue and commit included",
            push_seconds.clone(),
        );
        let queue_wait_seconds = seconds_buckets();
        registry.register(
            "write_queue_wait_seconds",
            "Time a push waits in the write queue before its batch is written",
            queue_wait_seconds.clone(),
        );
        let live_lag_seconds = seconds_buckets();
        registry.register(
            "live_lag_seconds",
            "Time from a change's commit to its announcement to the event streams (the oldest change of each tick)",
            live_lag_seconds.clone(),
        );
        let streams = Gauge::<i64, AtomicI64>::default();
        registry.register(
            "event_streams",
            "Open event streams (live dashboards, reports and review panels)",
            streams.clone(),
        );
        let sign_in_refusals = Family::<Code, Counter>::default();
        registry.register(
            "sign_in_refusals",
            "Sign-ins refused, by refusal code",
            sign_in_refusals.clone(),
        );
        let document_seconds = Family::<Document, Histogram>::new_with_constructor(
            seconds_buckets as fn() -> Histogram,
        );
        registry.register(
            "document_duration_seconds",
            "Time to read and build a document (workbook, report, template), its turn's wait included",
            document_seconds.clone(),
        );
        let pool = Family::<PoolState, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "db_pool_connections",
            "Database connections of the pool, by state (in_use, idle), read when scraped",
            pool.clone(),
        );
        Metrics(Arc::new(Inner {
            registry,
            pushes,
            push_seconds,
            queue_wait_seconds,
            live_lag_seconds,
            streams,
            sign_in_refusals,
            document_seconds,
            pool,
        }))
    }

    /// A push answered, after `took`.
    pub fn push(&self, outcome: PushOutcome, took: Duration) {
        self.0
            .pushes
            .get_or_create(&Outcome {
                outcome: outcome.label(),
            })
            .inc();
        self.0.push_seconds.observe(took.as_secs_f64());
    }

    /// A push waited `waited` in the write queue.
    pub fn queue_wait(&self, waited: Duration) {
        self.0.queue_wait_seconds.observe(waited.as_secs_f64());
    }

    /// A tick announced changes, the oldest committed `lag` before.
    pub fn live_lag(&self, lag: Duration) {
        self.0.live_lag_seconds.observe(lag.as_secs_f64());
    }

    /// An event stream opened: counted until the returned guard is dropped.
    pub fn stream_open(&self) -> StreamOpen {
        self.0.streams.inc();
        StreamOpen(self.clone())
    }

    /// A sign-in refused with this code (`BAD_CREDENTIALS`, `TOO_MANY_ATTEMPTS`…).
    pub fn sign_in_refused(&self, code: &'static str) {
        self.0.sign_in_refusals.get_or_create(&Code { code }).inc();
    }

    /// A document built (`workbook`, `report`, `template`), in `took`.
    pub fn document(&self, document: &'static str, took: Duration) {
        self.0
            .document_seconds
            .get_or_create(&Document { document })
            .observe(took.as_secs_f64());
    }

    /// Everything, in OpenMetrics text; the pool's state as given, read now.
    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let idle = i64::try_from(pool_idle).unwrap_or(i64::MAX);
        let size = i64::from(pool_size);
        self.0
            .pool
            .get_or_create(&PoolState { state: "idle" })
            .set(idle);
        self.0
            .pool
            .get_or_create(&PoolState { state: "in_use" })
            .set((size - idle).max(0));
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.0.registry);
        out
    }
}

/// An open event stream, counted while it lives.
pub struct StreamOpen(Metrics);

impl Drop for StreamOpen {
    fn drop(&mut self) {
        self.0.0.streams.dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of a sample line `name{labels} value` in `text`.
    fn sample(text: &str, series: &str) -> Option<f64> {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
    }

    #[test]
    fn what_is_recorded_is_rendered() {
        let m = Metrics::new();
        m.push(PushOutcome::Accepted, Duration::from_millis(12));
        m.push(PushOutcome::Accepted, Duration::from_millis(30));
        m.push(PushOutcome::Conflict, Duration::from_millis(5));
        m.sign_in_refused("BAD_CREDENTIALS");
        m.document("workbook", Duration::from_millis(600));
        let open = m.stream_open();
        let _second = m.stream_open();
        drop(open);
        let text = m.render(10, 7);
        assert_eq!(
            sample(&text, "tuanle_pushes_total{outcome=\"accepted\"}"),
            Some(2.0)
        );
        assert_eq!(
            sample(&text, "tuanle_pushes_total{outcome=\"conflict\"}"),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, "tuanle_push_duration_seconds_count"),
            Some(3.0)
        );
        assert_eq!(sample(&text, "tuanle_event_streams"), Some(1.0));
        assert_eq!(
            sample(
                &text,
                "tuanle_sign_in_refusals_total{code=\"BAD_CREDENTIALS\"}"
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(
                &text,
                "tuanle_document_duration_seconds_count{document=\"workbook\"}"
            ),
            Some(1.0)
        );
        assert_eq!(
            sample(&text, "tuanle_db_pool_connections{state=\"in_use\"}"),
            Some(3.0)
        );
        assert!(text.trim_end().ends_with("# EOF"), "{text}");
    }

    #[test]
    fn two_instances_count_apart() {
        let (a, b) = (Metrics::new(), Metrics::new());
        a.push(PushOutcome::Refused, Duration::ZERO);
        assert_eq!(
            sample(&b.render(1, 1), "tuanle_pushes_total{outcome=\"refused\"}"),
            None
        );
    }
}
