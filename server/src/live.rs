//! Live changes for the dashboards: which units' totals just moved, broadcast to every
//! open event stream, each of which passes on only what its unit is concerned by.

use std::sync::Arc;

use tokio::sync::{broadcast, watch};

/// One change: the units (a report's unit and its ancestors) whose stats moved.
#[derive(Debug, Clone)]
pub struct Moved {
    pub campaign_id: i64,
    pub units: Arc<[i64]>,
    /// Every unit of the campaign moved (its tree changed).
    pub all: bool,
    /// When the change was committed (Unix milliseconds): sent with the event, so a
    /// client can tell how late it arrived.
    pub at: i64,
}

impl Moved {
    /// Whether a dashboard of this unit is concerned.
    pub fn concerns(&self, campaign_id: i64, unit_id: i64) -> bool {
        self.campaign_id == campaign_id && (self.all || self.units.contains(&unit_id))
    }
}

/// The broadcast, and the signal that the server is stopping (event streams end then,
/// so a graceful shutdown is not held up by open dashboards).
#[derive(Clone)]
pub struct Live {
    tx: broadcast::Sender<Moved>,
    stopping: watch::Receiver<bool>,
}

impl Live {
    pub fn new(stopping: watch::Receiver<bool>) -> Live {
        // A dashboard that falls this far behind just refetches once.
        let (tx, _) = broadcast::channel(1024);
        Live { tx, stopping }
    }

    /// Tells every stream that these units moved. Nobody listening is fine.
    pub fn publish(&self, campaign_id: i64, units: Vec<i64>) {
        if !units.is_empty() {
            let _ = self.tx.send(Moved {
                campaign_id,
                units: units.into(),
                all: false,
                at: crate::clock::now_ms(),
            });
        }
    }

    /// Tells every stream of a campaign that its whole tree moved.
    pub fn publish_all(&self, campaign_id: i64) {
        let _ = self.tx.send(Moved {
            campaign_id,
            units: Arc::new([]),
            all: true,
            at: crate::clock::now_ms(),
        });
    }

    pub fn subscribe(&self) -> (broadcast::Receiver<Moved>, watch::Receiver<bool>) {
        (self.tx.subscribe(), self.stopping.clone())
    }
}
