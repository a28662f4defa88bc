//! Live changes for the dashboards: which units' totals just moved, coalesced, and told
//! to the event streams of those units only.
//!
//! Every change goes into one broadcast; one task (the coalescer) reads it, gathers the
//! units that moved, and at most once per [`TICK`] bumps the watch channel of each
//! watched unit among them. A stream waits on its own unit's watch: an idle stream costs
//! nothing but its socket however many pushes land elsewhere, a unit that moves a
//! thousand times in a tick is announced once, and a slow client skips to the latest
//! state instead of queueing events. The first change after a quiet tick goes out at
//! once, so a quiet campaign's dashboards are as quick as before.
//!
//! On SQLite there is one server, and a change goes straight to its streams. On
//! PostgreSQL several servers can share the database behind a load balancer: a change
//! is sent with `NOTIFY` to every server (this one included), and each server's
//! listener passes what it hears to its own streams. If the listener loses its
//! connection, changes may have been missed meanwhile, so every stream is told to
//! read everything once ([`Moved::Everything`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::db::{Engine, Pool};
use crate::metrics::Metrics;

/// The PostgreSQL channel the servers of one database talk on.
const CHANNEL: &str = "tuanle_moved";

/// One change.
#[derive(Debug, Clone)]
pub enum Moved {
    /// These units' stats moved: a chain, a report's unit and its ancestors, nearest
    /// first (each one's moved child is the one before it).
    Units {
        campaign_id: i64,
        units: Arc<[i64]>,
        /// When the change was committed (Unix milliseconds): sent with the event, so
        /// a client can tell how late it arrived.
        at: i64,
    },
    /// Every unit of the campaign moved (its tree or settings changed).
    Campaign { campaign_id: i64, at: i64 },
    /// Changes may have been missed (the listener reconnected): every stream is sent
    /// its whole state.
    Everything,
}

impl Moved {
    /// Whether a dashboard of this unit is concerned.
    pub fn concerns(&self, campaign: i64, unit_id: i64) -> bool {
        match self {
            Moved::Units {
                campaign_id, units, ..
            } => *campaign_id == campaign && units.contains(&unit_id),
            Moved::Campaign { campaign_id, .. } => *campaign_id == campaign,
            Moved::Everything => true,
        }
    }

    /// When the change was committed, when known.
    pub fn at(&self) -> Option<i64> {
        match self {
            Moved::Units { at, .. } | Moved::Campaign { at, .. } => Some(*at),
            Moved::Everything => None,
        }
    }
}

/// A change as sent between servers (`NOTIFY` payloads are text, at most 8,000 bytes;
/// a unit and its ancestors are a few dozen).
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct Note {
    c: i64,
    /// The units; empty with `all`.
    #[serde(default)]
    u: Vec<i64>,
    #[serde(default)]
    all: bool,
    t: i64,
}

impl Note {
    fn of(m: &Moved) -> Option<Note> {
        match m {
            Moved::Units {
                campaign_id,
                units,
                at,
            } => Some(Note {
                c: *campaign_id,
                u: units.to_vec(),
                all: false,
                t: *at,
            }),
            Moved::Campaign { campaign_id, at } => Some(Note {
                c: *campaign_id,
                u: Vec::new(),
                all: true,
                t: *at,
            }),
            Moved::Everything => None,
        }
    }

    fn into_moved(self) -> Moved {
        if self.all {
            Moved::Campaign {
                campaign_id: self.c,
                at: self.t,
            }
        } else {
            Moved::Units {
                campaign_id: self.c,
                units: self.u.into(),
                at: self.t,
            }
        }
    }
}

/// The longest a change waits to be announced, and the shortest time between two
/// announcements of one unit: at most four events a second per stream.
pub const TICK: Duration = Duration::from_millis(250);

/// What a stream of one unit is told: that its unit moved (`seq` counts the
/// announcements), when the latest change among them was committed, when known, which
/// of its direct children moved, and the slots where what the unit's streams send for
/// this announcement is kept.
#[derive(Debug, Clone, Default)]
pub struct Tick {
    pub seq: u64,
    pub at: Option<i64>,
    /// The direct children that moved since the previous announcement; `None` when any
    /// may have (the campaign's tree changed, changes were missed).
    pub children: Option<Arc<[i64]>>,
    /// What is sent to the streams that had the previous announcement: the moved
    /// children's rows only.
    pub slot: Slot,
    /// What is sent to the streams that skipped some (a slow reader, a new stream): the
    /// whole state, every child.
    pub whole: Slot,
}

/// What every stream of one unit and topic sends for one announcement: read from the
/// database by the first stream that wakes, and shared by all the others (a hundred
/// viewers of one ward cost one read a tick, not a hundred). A fresh slot comes with
/// each announcement.
pub type Slot = Arc<tokio::sync::OnceCell<Arc<str>>>;

/// What a stream follows of a unit: each has its own payload, so its own slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Topic {
    /// The unit's dashboard: its subtree's figures, completeness and children.
    Dashboard,
    /// The unit's own report: its version and status.
    Report,
}

impl Topic {
    const ALL: [Topic; 2] = [Topic::Dashboard, Topic::Report];
}

/// The watched units, each with the channel its streams wait on. An entry lives while a
/// stream holds its receiver; the others are dropped at every announcement, and when a
/// stream opens on a map of a power-of-two size.
type Watches = Arc<Mutex<HashMap<(i64, i64, Topic), watch::Sender<Tick>>>>;

/// Drops the entries no stream waits on any more.
fn prune(watches: &mut HashMap<(i64, i64, Topic), watch::Sender<Tick>>) {
    let before = watches.len();
    watches.retain(|_, tx| tx.receiver_count() > 0);
    if watches.len() < before / 2 {
        watches.shrink_to_fit();
    }
}

/// The broadcast of changes, the watched units, and the signal that the server is
/// stopping (event streams end then, so a graceful shutdown is not held up by open
/// dashboards).
#[derive(Clone)]
pub struct Live {
    tx: broadcast::Sender<Moved>,
    watches: Watches,
    stopping: watch::Receiver<bool>,
    /// Set on PostgreSQL: changes go through the database to every server.
    relay: Option<Pool>,
    /// Where the streams and the announcements' lag are counted.
    metrics: Metrics,
}

impl Live {
    /// Changes for this server's streams only (SQLite: one server). Starts the
    /// coalescer, which ends when the server stops.
    pub fn new(stopping: watch::Receiver<bool>, metrics: Metrics) -> Live {
        // Read by the coalescer only: it falls this far behind only if a tick's changes
        // exceed it, and then tells every stream once.
        let (tx, _) = broadcast::channel(4096);
        let watches: Watches = Arc::default();
        // Subscribed now, not when the task first runs: nothing sent meanwhile is lost.
        let rx = tx.subscribe();
        tokio::spawn(supervise(
            tx.clone(),
            rx,
            watches.clone(),
            stopping.clone(),
            metrics.clone(),
        ));
        Live {
            tx,
            watches,
            stopping,
            relay: None,
            metrics,
        }
    }

    /// Where the server counts what it does (open streams among it).
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    /// The announcements of one unit's moves, for an event stream of it.
    pub fn watch(&self, campaign_id: i64, unit_id: i64, topic: Topic) -> watch::Receiver<Tick> {
        let mut watches = self.watches.lock().unwrap_or_else(|e| e.into_inner());
        // Now and then, not at every stream (a thousand reconnecting at once): the
        // announcements prune too.
        if watches.len().is_power_of_two() {
            prune(&mut watches);
        }
        watches
            .entry((campaign_id, unit_id, topic))
            .or_insert_with(|| watch::channel(Tick::default()).0)
            .subscribe()
    }

    /// The signal that the server is stopping.
    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.clone()
    }

    /// Changes for every server of the database: on PostgreSQL, listens for the other
    /// servers' changes until `stopping`; on SQLite, as [`Live::new`].
    pub async fn start(
        db: &Pool,
        url: &str,
        stopping: watch::Receiver<bool>,
        metrics: Metrics,
    ) -> anyhow::Result<Live> {
        let mut live = Live::new(stopping, metrics);
        if Engine::of(db) == Engine::Postgres {
            let mut listener = PgListener::connect(url).await?;
            listener.listen(CHANNEL).await?;
            tokio::spawn(listen(listener, live.tx.clone(), live.stopping.clone()));
            live.relay = Some(db.clone());
        }
        Ok(live)
    }

    /// Tells every stream that these units moved. Nobody listening is fine.
    pub async fn publish(&self, campaign_id: i64, units: Vec<i64>) {
        if !units.is_empty() {
            self.send(Moved::Units {
                campaign_id,
                units: units.into(),
                at: crate::clock::now_ms(),
            })
            .await;
        }
    }

    /// Tells every stream of a campaign that its whole tree moved.
    pub async fn publish_all(&self, campaign_id: i64) {
        self.send(Moved::Campaign {
            campaign_id,
            at: crate::clock::now_ms(),
        })
        .await;
    }

    async fn send(&self, moved: Moved) {
        if let (Some(db), Some(note)) = (&self.relay, Note::of(&moved)) {
            let sent = match serde_json::to_string(&note) {
                Ok(payload) => sqlx::query("SELECT pg_notify($1, $2)")
                    .bind(CHANNEL)
                    .bind(payload)
                    .execute(db)
                    .await
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match sent {
                // This server hears its own note too, through its listener.
                Ok(_) => return,
                // The change is committed; at least this server's dashboards hear of it.
                Err(e) => tracing::warn!("cannot tell the other servers of a change: {e}"),
            }
        }
        let _ = self.tx.send(moved);
    }
}

/// How one unit moved in a tick: the latest commit time, and which of its direct
/// children moved (the one below it in each chain).
#[derive(Default)]
struct UnitMoves {
    at: i64,
    children: Vec<i64>,
}

/// The changes of one tick, gathered.
#[derive(Default)]
struct Pending {
    units: HashMap<(i64, i64), UnitMoves>,
    campaigns: HashMap<i64, i64>,
    everything: bool,
    /// When the oldest change gathered was committed: the tick's lag.
    oldest: Option<i64>,
}

impl Pending {
    fn add(&mut self, moved: Moved) {
        if let Some(at) = moved.at() {
            self.oldest = Some(self.oldest.map_or(at, |o| o.min(at)));
        }
        match moved {
            Moved::Units {
                campaign_id,
                units,
                at,
            } => {
                let mut below = None;
                for unit in units.iter() {
                    let moves = self.units.entry((campaign_id, *unit)).or_default();
                    moves.at = moves.at.max(at);
                    if let Some(child) = below
                        && !moves.children.contains(&child)
                    {
                        moves.children.push(child);
                    }
                    below = Some(*unit);
                }
            }
            Moved::Campaign { campaign_id, at } => {
                let latest = self.campaigns.entry(campaign_id).or_insert(at);
                *latest = (*latest).max(at);
            }
            Moved::Everything => self.everything = true,
        }
    }

    fn is_empty(&self) -> bool {
        self.units.is_empty() && self.campaigns.is_empty() && !self.everything
    }

    /// Bumps the watch of every watched unit the tick moved, and forgets the units no
    /// stream watches any more.
    fn announce(self, watches: &Watches) {
        let mut watches = watches.lock().unwrap_or_else(|e| e.into_inner());
        prune(&mut watches);
        let bump = |tx: &watch::Sender<Tick>, at: Option<i64>, children: Option<&[i64]>| {
            tx.send_modify(|t| {
                t.seq += 1;
                t.at = at;
                t.children = children.map(Arc::from);
                t.slot = Slot::default();
                t.whole = Slot::default();
            });
        };
        if self.everything || !self.campaigns.is_empty() {
            for ((campaign, unit, _), tx) in watches.iter() {
                let moves = self.units.get(&(*campaign, *unit));
                let at = self
                    .campaigns
                    .get(campaign)
                    .copied()
                    .max(moves.map(|m| m.at));
                if self.everything || at.is_some() {
                    // The whole tree may have moved: every child.
                    let children = (!self.everything && !self.campaigns.contains_key(campaign))
                        .then(|| moves.map(|m| m.children.as_slice()))
                        .flatten();
                    bump(tx, at, children);
                }
            }
            return;
        }
        // Usually few units moved and many are watched: look the moved ones up.
        for ((campaign, unit), moves) in &self.units {
            for topic in Topic::ALL {
                if let Some(tx) = watches.get(&(*campaign, *unit, topic)) {
                    bump(tx, Some(moves.at), Some(&moves.children));
                }
            }
        }
    }
}

/// Runs the coalescer until the server stops, starting it again should it ever fail
/// (every stream is then sent its whole state, as changes may have been missed): without it no
/// dashboard would hear of anything.
async fn supervise(
    tx: broadcast::Sender<Moved>,
    mut rx: broadcast::Receiver<Moved>,
    watches: Watches,
    stopping: watch::Receiver<bool>,
    metrics: Metrics,
) {
    loop {
        let run = tokio::spawn(coalesce(
            rx,
            watches.clone(),
            stopping.clone(),
            metrics.clone(),
        ));
        rx = tx.subscribe();
        match run.await {
            Ok(()) => return,
            Err(e) => {
                tracing::error!("the live coalescer failed, restarting it: {e}");
                Pending {
                    everything: true,
                    ..Pending::default()
                }
                .announce(&watches);
            }
        }
    }
}

/// Reads every change, and announces the units they moved at most once per [`TICK`]:
/// at once when the last announcement is a tick old, else at the end of the tick, with
/// whatever came meanwhile.
async fn coalesce(
    mut rx: broadcast::Receiver<Moved>,
    watches: Watches,
    mut stopping: watch::Receiver<bool>,
    metrics: Metrics,
) {
    // When the last announcement went out (none yet: the first goes out at once).
    let mut last: Option<Instant> = None;
    loop {
        let mut pending = Pending::default();
        tokio::select! {
            received = rx.recv() => match received {
                Ok(m) => pending.add(m),
                Err(RecvError::Lagged(_)) => pending.everything = true,
                Err(RecvError::Closed) => return,
            },
            _ = stopping.changed() => return,
        }
        if let Some(due) = last.map(|last| last + TICK)
            && Instant::now() < due
        {
            tokio::select! {
                _ = tokio::time::sleep_until(due) => {}
                _ = stopping.changed() => return,
            }
        }
        loop {
            match rx.try_recv() {
                Ok(m) => pending.add(m),
                Err(TryRecvError::Lagged(_)) => pending.everything = true,
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Closed) => return,
            }
        }
        if !pending.is_empty() {
            if let Some(oldest) = pending.oldest {
                let lag = crate::clock::now_ms().saturating_sub(oldest).max(0);
                metrics.live_lag(Duration::from_millis(lag.unsigned_abs()));
            }
            pending.announce(&watches);
            last = Some(Instant::now());
        }
    }
}

/// Passes the changes every server announces to this server's streams.
async fn listen(
    mut listener: PgListener,
    tx: broadcast::Sender<Moved>,
    mut stopping: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            heard = listener.try_recv() => match heard {
                Ok(Some(n)) => match serde_json::from_str::<Note>(n.payload()) {
                    Ok(note) => {
                        let _ = tx.send(note.into_moved());
                    }
                    Err(e) => tracing::warn!("unreadable change note {:?}: {e}", n.payload()),
                },
                // The connection dropped (the next call reconnects): notes sent meanwhile
                // are lost, so every stream is sent its whole state once.
                Ok(None) => {
                    let _ = tx.send(Moved::Everything);
                }
                Err(e) => {
                    tracing::warn!("change listener: {e}");
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                }
            },
            _ = stopping.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Many changes of a watched unit within a tick are one announcement, carrying the
    /// latest commit time; a unit nobody watches costs nothing; the first change after a
    /// quiet tick is told at once.
    #[tokio::test]
    async fn changes_are_coalesced_per_tick_and_told_to_their_units_only() {
        let (_stop, stopping) = watch::channel(false);
        let live = Live::new(stopping, Metrics::new());
        let mut ward = live.watch(1, 10, Topic::Dashboard);
        let mut other = live.watch(1, 99, Topic::Dashboard);
        let mut report = live.watch(1, 10, Topic::Report);
        let mut province = live.watch(1, 1, Topic::Dashboard);
        let started = Instant::now();
        live.publish(1, vec![10, 1]).await;
        ward.changed().await.expect("told");
        assert!(started.elapsed() < TICK, "the first change at once");
        let first = ward.borrow_and_update().clone();
        assert_eq!(first.seq, 1);
        assert_eq!(first.children.as_deref(), Some(&[][..]), "no child moved");
        province.changed().await.expect("the ancestor told");
        assert_eq!(
            province.borrow_and_update().children.as_deref(),
            Some(&[10][..]),
            "its child in the chain moved"
        );
        report
            .changed()
            .await
            .expect("its report's stream told too");
        let slot = report.borrow_and_update().slot.clone();
        assert!(
            !Arc::ptr_eq(&slot, &first.slot),
            "each topic has its own slot"
        );
        for at in 0..500 {
            live.send(Moved::Units {
                campaign_id: 1,
                units: vec![10, 1].into(),
                at,
            })
            .await;
        }
        ward.changed().await.expect("told");
        let tick = ward.borrow_and_update().clone();
        assert_eq!(
            (tick.seq, tick.at),
            (2, Some(499)),
            "500 changes, one announcement"
        );
        assert!(!Arc::ptr_eq(&tick.slot, &first.slot), "a fresh slot");
        tokio::time::sleep(TICK * 2).await;
        assert!(!ward.has_changed().expect("open"), "nothing more");
        assert!(!other.has_changed().expect("open"), "not its unit");
        live.publish_all(1).await;
        other
            .changed()
            .await
            .expect("a campaign-wide change reaches every unit");
        assert!(
            other.borrow_and_update().children.is_none(),
            "any child may have moved"
        );
    }

    #[test]
    fn notes_carry_a_change_between_servers() {
        let moved = Moved::Units {
            campaign_id: 3,
            units: vec![9, 4, 1].into(),
            at: 1_700_000_000_000,
        };
        let note = Note::of(&moved).expect("a note");
        let back: Note =
            serde_json::from_str(&serde_json::to_string(&note).expect("json")).expect("read back");
        let back = back.into_moved();
        assert!(back.concerns(3, 4));
        assert!(!back.concerns(3, 5));
        assert!(!back.concerns(2, 4));
        assert_eq!(back.at(), Some(1_700_000_000_000));

        let all = Note::of(&Moved::Campaign {
            campaign_id: 3,
            at: 5,
        })
        .expect("a note")
        .into_moved();
        assert!(all.concerns(3, 12345));
        assert!(!all.concerns(4, 1));
        assert!(Note::of(&Moved::Everything).is_none());
        assert!(Moved::Everything.concerns(7, 7));
    }
}
