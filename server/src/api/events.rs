//! The live streams (server-sent events) of dashboards and reports: `ready` at once,
//! then `changed` with what each announcement of [`crate::live`] shows.

use std::convert::Infallible;
use std::future::Future;
use std::sync::Arc;

use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::{Stream, StreamExt};
use tokio::sync::watch;

use crate::error::Error;
use crate::live::{Live, Tick};

/// A stream that sends `ready` with `hello`, then `changed` with what `render` reads for
/// each announcement of `moves`: `render(changed_at, Some(children))` the moved
/// children's rows for a stream that had the previous announcement, `render(changed_at,
/// None)` the whole state for one that skipped some (a slow reader skips to the latest
/// announcement; it never queues). One stream of the unit and topic renders each, the
/// others share what it read (the announcement's slots). A stream sends nothing when it
/// is what it last sent (a ward's own report does not move when its schools push). Ends
/// when the server stops, and after [`LIFETIME`].
pub fn stream<R, F>(
    live: &Live,
    moves: watch::Receiver<Tick>,
    hello: String,
    render: R,
) -> Sse<impl Stream<Item = Result<Event, Infallible>> + use<R, F>>
where
    R: Fn(Option<i64>, Option<Arc<[i64]>>) -> F + Send + Sync + 'static,
    F: Future<Output = Result<String, Error>> + Send,
{
    let seen = moves.borrow().seq;
    let state = Following {
        _open: live.metrics().stream_open(),
        seen,
        missed: false,
        ends: tokio::time::Instant::now() + LIFETIME,
        moves,
        stopping: live.stopping(),
        last: Arc::from(hello.as_str()),
        render,
    };
    let ready =
        futures_util::stream::once(async move { Ok(Event::default().event("ready").data(hello)) });
    let changes = futures_util::stream::unfold(state, |mut s| async move {
        let data = s.next().await?;
        Some((Ok(Event::default().event("changed").data(&*data)), s))
    });
    Sse::new(ready.chain(changes)).keep_alive(KeepAlive::default())
}

/// How long one stream lasts: the browser then opens it again, as after a cut, and the
/// new one is authorized afresh (a session ended or an account disabled meanwhile gets
/// no more figures).
const LIFETIME: std::time::Duration = std::time::Duration::from_secs(15 * 60);

struct Following<R> {
    /// Counted as open while the stream lives.
    _open: crate::metrics::StreamOpen,
    /// The last announcement this stream had.
    seen: u64,
    /// The last reading failed: the next one is the whole state.
    missed: bool,
    ends: tokio::time::Instant,
    moves: watch::Receiver<Tick>,
    stopping: watch::Receiver<bool>,
    last: Arc<str>,
    render: R,
}

impl<R, F> Following<R>
where
    R: Fn(Option<i64>, Option<Arc<[i64]>>) -> F,
    F: Future<Output = Result<String, Error>>,
{
    /// What to send next, or `None` when the server stops.
    async fn next(&mut self) -> Option<Arc<str>> {
        loop {
            if *self.stopping.borrow() {
                return None;
            }
            tokio::select! {
                changed = self.moves.changed() => changed.ok()?,
                _ = self.stopping.changed() => return None,
                _ = tokio::time::sleep_until(self.ends) => return None,
            }
            let tick = self.moves.borrow_and_update().clone();
            let next = self.seen + 1;
            self.seen = tick.seq;
            let (slot, children) = match tick.children {
                Some(children) if tick.seq == next && !self.missed => (&tick.slot, Some(children)),
                _ => (&tick.whole, None),
            };
            let read = slot
                .get_or_try_init(|| async { (self.render)(tick.at, children).await.map(Arc::from) })
                .await;
            self.missed = read.is_err();
            match read {
                Ok(data) if data.as_ref() != self.last.as_ref() => {
                    self.last = data.clone();
                    return Some(data.clone());
                }
                Ok(_) => {}
                // The next announcement brings everything; the viewer keeps what it has
                // meanwhile.
                Err(e) => tracing::warn!("cannot read a live update: {e}"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;
    use crate::live::{TICK, Topic};

    /// A stream that had every announcement is sent the moved children's rows; one that
    /// skipped some gets the whole state; two streams of one unit share one reading; and
    /// what equals the last thing sent is not sent again.
    #[tokio::test]
    async fn streams_share_readings_and_a_stream_that_skipped_gets_everything() {
        let (_stop, stopping) = tokio::sync::watch::channel(false);
        let live = Live::new(stopping, crate::metrics::Metrics::new());
        let reads = Arc::new(Mutex::new(Vec::<Option<Vec<i64>>>::new()));
        let render = |reads: Arc<Mutex<Vec<Option<Vec<i64>>>>>| {
            move |_at: Option<i64>, children: Option<Arc<[i64]>>| {
                let reads = reads.clone();
                async move {
                    let children = children.map(|c| c.to_vec());
                    let text = format!("{children:?}");
                    reads
                        .lock()
                        .map_err(|e| Error::Internal(e.to_string()))?
                        .push(children);
                    Ok(text)
                }
            }
        };
        let follower = |live: &Live| Following {
            _open: live.metrics().stream_open(),
            seen: 0,
            missed: false,
            ends: tokio::time::Instant::now() + LIFETIME,
            moves: live.watch(1, 1, Topic::Dashboard),
            stopping: live.stopping(),
            last: Arc::from(""),
            render: render(reads.clone()),
        };
        let (mut a, mut b) = (follower(&live), follower(&live));
        live.publish(1, vec![10, 1]).await;
        let (sent_a, sent_b) = (a.next().await, b.next().await);
        assert_eq!(sent_a.as_deref(), Some("Some([10])"));
        assert_eq!(sent_a, sent_b);
        assert_eq!(
            reads.lock().map(|r| r.len()).unwrap_or(0),
            1,
            "one reading, shared"
        );

        // `b` reads no more for two announcements: it then gets everything.
        live.publish(1, vec![11, 1]).await;
        assert_eq!(a.next().await.as_deref(), Some("Some([11])"));
        tokio::time::sleep(TICK).await;
        live.publish(1, vec![12, 1]).await;
        assert_eq!(a.next().await.as_deref(), Some("Some([12])"));
        assert_eq!(b.next().await.as_deref(), Some("None"), "every child");

        // The same reading again is not sent: the stream waits for the next change.
        let (sent, ()) = tokio::join!(a.next(), async {
            tokio::time::sleep(TICK).await;
            live.publish(1, vec![12, 1]).await;
            tokio::time::sleep(TICK * 2).await;
            live.publish(1, vec![13, 1]).await;
        });
        assert_eq!(sent.as_deref(), Some("Some([13])"));
        let renders = reads.lock().map(|r| r.len()).unwrap_or(0);
        assert_eq!(renders, 6, "each announcement read once per slot");
    }
}
