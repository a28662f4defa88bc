//! Heavy work — a document built, an uploaded spreadsheet read — a few at a time, on
//! threads of their own.
//!
//! A national Excel export reads every province's figures and every narrative, then
//! spends half a second of one core building the workbook. On blocking threads it no
//! longer stalls the async workers, but a dozen supervisors downloading at the deadline
//! would still take every core the pushes need. So the work waits its turn here: at most
//! [`Heavy::at_once`] pieces run together (the cores less one, at least one), the rest
//! queue in order of arrival while the app says "Đang tạo tệp…". Reading the data is
//! done inside the turn too, so waiting costs a download nothing but time.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::Error;

/// The turns of heavy work, shared by every request of the server.
#[derive(Debug, Clone)]
pub struct Heavy {
    turns: Arc<Semaphore>,
    at_once: usize,
}

/// A turn: heavy work may run while it is held.
#[derive(Debug)]
pub struct Turn {
    _permit: OwnedSemaphorePermit,
}

impl Heavy {
    /// At most `at_once` pieces of heavy work together (at least one).
    pub fn new(at_once: usize) -> Heavy {
        let at_once = at_once.max(1);
        Heavy {
            turns: Arc::new(Semaphore::new(at_once)),
            at_once,
        }
    }

    /// As many as the machine has cores less one, so that one is always left to the
    /// pushes and the live views (one on a two-core machine).
    pub fn for_this_machine() -> Heavy {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        Heavy::new(cores.saturating_sub(1))
    }

    /// How many pieces of heavy work may run together.
    pub fn at_once(&self) -> usize {
        self.at_once
    }

    /// Waits for a turn (in order of arrival).
    pub async fn turn(&self) -> Result<Turn, Error> {
        let permit = self
            .turns
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Internal(format!("heavy work: {e}")))?;
        Ok(Turn { _permit: permit })
    }

    /// Runs `work` on a blocking thread within `turn`; what it gives, or an internal
    /// error if the thread panicked. The turn goes with the work and ends with it: a
    /// request abandoned meanwhile (the client gone) stops waiting for it, but the turn
    /// is not handed on while the thread still builds.
    pub async fn run<T: Send + 'static>(
        &self,
        turn: Turn,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        tokio::task::spawn_blocking(move || {
            let _turn = turn;
            work()
        })
        .await
        .map_err(|e| Error::Internal(format!("heavy work: {e}")))
    }

    /// Waits for a turn, then runs `work` in it: for work that needs nothing read first.
    pub async fn run_now<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        let turn = self.turn().await?;
        self.run(turn, work).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_its_turns_run_together() {
        let heavy = Heavy::new(2);
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let (heavy, running, most) = (heavy.clone(), running.clone(), most.clone());
                tokio::spawn(async move {
                    heavy
                        .run_now(move || {
                            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                            most.fetch_max(now, Ordering::SeqCst);
                            std::thread::sleep(Duration::from_millis(20));
                            running.fetch_sub(1, Ordering::SeqCst);
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert!(t.await.expect("joined").is_ok());
        }
        assert_eq!(most.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_turn_held_makes_the_next_wait() {
        let heavy = Heavy::new(1);
        let turn = heavy.turn().await.expect("a turn");
        let next = tokio::time::timeout(Duration::from_millis(50), heavy.turn()).await;
        assert!(next.is_err(), "a second turn while the only one is held");
        assert_eq!(heavy.run(turn, || 7).await.expect("ran"), 7);
        assert!(heavy.turn().await.is_ok(), "the turn ended with its work");
        assert_eq!(Heavy::new(0).at_once(), 1);
    }

    /// A request that stops waiting (its client went away) does not hand its turn on
    /// while its work still runs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_abandoned_request_keeps_its_turn_until_the_work_ends() {
        let heavy = Heavy::new(1);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let turn = heavy.turn().await.expect("a turn");
        let waiting = {
            let heavy = heavy.clone();
            tokio::spawn(async move {
                heavy
                    .run(turn, move || {
                        let _ = started_tx.send(());
                        std::thread::sleep(Duration::from_millis(300));
                    })
                    .await
            })
        };
        started_rx.recv().expect("the work started");
        waiting.abort();
        let next = tokio::time::timeout(Duration::from_millis(100), heavy.turn()).await;
        assert!(next.is_err(), "the work still runs: no turn for another");
        let later = tokio::time::timeout(Duration::from_secs(2), heavy.turn()).await;
        assert!(later.is_ok(), "the turn comes back when the work ends");
    }
}
