//! Live changes for the dashboards: which units' totals just moved, broadcast to every
//! open event stream, each of which passes on only what its unit is concerned by.
//!
//! On SQLite there is one server, and a change goes straight to its streams. On
//! PostgreSQL several servers can share the database behind a load balancer: a change
//! is sent with `NOTIFY` to every server (this one included), and each server's
//! listener passes what it hears to its own streams. If the listener loses its
//! connection, changes may have been missed meanwhile, so every stream is told to
//! refetch once ([`Moved::Everything`]).

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use tokio::sync::{broadcast, watch};

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

/// The broadcast, and the signal that the server is stopping (event streams end then,
/// so a graceful shutdown is not held up by open dashboards).
#[derive(Clone)]
pub struct Live {
    tx: broadcast::Sender<Moved>,
    stopping: watch::Receiver<bool>,
    /// Set on PostgreSQL: changes go through the database to every server.
    relay: Option<Pool>,
}

impl Live {
    /// Changes for this server's streams only (SQLite: one server).
    pub fn new(stopping: watch::Receiver<bool>) -> Live {
        // A dashboard that falls this far behind just refetches once.
        let (tx, _) = broadcast::channel(1024);
        Live {
            tx,
            stopping,
            relay: None,
        }
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

    pub fn subscribe(&self) -> (broadcast::Receiver<Moved>, watch::Receiver<bool>) {
        (self.tx.subscribe(), self.stopping.clone())
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
