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
//! refetch once ([`Moved::Everything`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::broadcast::error::{RecvError, TryRecvError};
use tokio::sync::{broadcast, watch};
use tokio::time::Instant;

use crate::db::{Engine, Pool};

/// The PostgreSQL channel the servers of one database talk on.
const CHANNEL: &str = "tuanle_moved";

/// One change.
#[derive(Debug, Clone)]
pub enum Moved {
    /// These units' stats moved (a report's unit and its ancestors).
    Units {
        campaign_id: i64,
        units: Arc<[i64]>,
        /// When the change was committed (Unix milliseconds): sent with the event, so
        /// a client can tell how late it arrived.
        at: i64,
    },
    /// Every unit of the campaign moved (its tree or settings changed).
    Campaign { campaign_id: i64, at: i64 },
    /// Changes may have been missed (the listener reconnected): everyone refetches.
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
/// announcements), and when the latest change among them was committed, when known.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tick {
    pub seq: u64,
    pub at: Option<i64>,
}

/// The watched units, each with the channel its streams wait on. An entry lives while a
/// stream holds its receiver; the coalescer drops the others.
type Watches = Arc<Mutex<HashMap<(i64, i64), watch::Sender<Tick>>>>;

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
}

impl Live {
    /// Changes for this server's streams only (SQLite: one server). Starts the
    /// coalescer, which ends when the server stops.
    pub fn new(stopping: watch::Receiver<bool>) -> Live {
        // Read by the coalescer only: it falls this far behind only if a tick's changes
        // exceed it, and then tells every stream once.
        let (tx, _) = broadcast::channel(4096);
        let watches: Watches = Arc::default();
        tokio::spawn(coalesce(tx.subscribe(), watches.clone(), stopping.clone()));
        Live {
            tx,
            watches,
            stopping,
            relay: None,
        }
    }

    /// The announcements of one unit's moves, for its event stream.
    pub fn watch(&self, campaign_id: i64, unit_id: i64) -> watch::Receiver<Tick> {
        let mut watches = self.watches.lock().unwrap_or_else(|e| e.into_inner());
        watches
            .entry((campaign_id, unit_id))
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
    ) -> anyhow::Result<Live> {
        let mut live = Live::new(stopping);
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

/// The changes of one tick, gathered.
#[derive(Default)]
struct Pending {
    /// Each moved unit, with its latest commit time.
    units: HashMap<(i64, i64), i64>,
    campaigns: HashMap<i64, i64>,
    everything: bool,
}

impl Pending {
    fn add(&mut self, moved: Moved) {
        match moved {
            Moved::Units {
                campaign_id,
                units,
                at,
            } => {
                for unit in units.iter() {
                    let latest = self.units.entry((campaign_id, *unit)).or_insert(at);
                    *latest = (*latest).max(at);
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
        watches.retain(|_, tx| tx.receiver_count() > 0);
        let bump = |tx: &watch::Sender<Tick>, at: Option<i64>| {
            tx.send_modify(|t| {
                t.seq += 1;
                t.at = at;
            });
        };
        if self.everything || !self.campaigns.is_empty() {
            for ((campaign, unit), tx) in watches.iter() {
                let at = self
                    .campaigns
                    .get(campaign)
                    .copied()
                    .max(self.units.get(&(*campaign, *unit)).copied());
                if self.everything || at.is_some() {
                    bump(tx, at);
                }
            }
            return;
        }
        // Usually few units moved and many are watched: look the moved ones up.
        for (key, at) in &self.units {
            if let Some(tx) = watches.get(key) {
                bump(tx, Some(*at));
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
) {
    let mut last = Instant::now() - TICK;
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
        let due = last + TICK;
        if Instant::now() < due {
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
            pending.announce(&watches);
            last = Instant::now();
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
                // are lost, so every dashboard refetches once.
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
        let live = Live::new(stopping);
        let mut ward = live.watch(1, 10);
        let mut other = live.watch(1, 99);
        let started = Instant::now();
        live.publish(1, vec![10, 1]).await;
        ward.changed().await.expect("told");
        assert!(started.elapsed() < TICK, "the first change at once");
        assert_eq!(ward.borrow_and_update().seq, 1);
        for at in 0..500 {
            live.send(Moved::Units {
                campaign_id: 1,
                units: vec![10, 1].into(),
                at,
            })
            .await;
        }
        ward.changed().await.expect("told");
        let tick = *ward.borrow_and_update();
        assert_eq!(
            (tick.seq, tick.at),
            (2, Some(499)),
            "500 changes, one announcement"
        );
        tokio::time::sleep(TICK * 2).await;
        assert!(!ward.has_changed().expect("open"), "nothing more");
        assert!(!other.has_changed().expect("open"), "not its unit");
        live.publish_all(1).await;
        other
            .changed()
            .await
            .expect("a campaign-wide change reaches every unit");
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
