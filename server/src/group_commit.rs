//! Group commit: the pushes waiting for the write lock are written together, in one
//! transaction with one commit, instead of one transaction each.
//!
//! Why: a database has one writer at a time, and under a national load hundreds of
//! tablets push at once. A push's own statements are a fraction of a millisecond; its
//! transaction's `BEGIN` and `COMMIT` (with the commit's fsync) took as long again, and
//! when the disk stalled on a flush every push queued behind that one commit. Batched,
//! the pushes that queued during a stall go out in the next commit together.
//!
//! Each push is still exactly once and answered only after its commit. A push that is
//! refused (conflict, locked report, reused id…) is decided before it writes anything,
//! so it leaves the batch's transaction as it was. If writing one push fails half-way,
//! the whole batch is rolled back and its pushes are written again one per transaction,
//! so one bad push cannot fail the others; if the database cannot begin or commit, the
//! whole batch is refused at once (its tablets retry with the same push ids).

use tokio::sync::{mpsc, oneshot};
use tuanle_shared::wire::{PushAccepted, PushRequest};

use crate::auth::Caller;
use crate::db::Pool;
use crate::error::Error;
use crate::metrics::Metrics;
use crate::reports::{self, Moved, Target};

/// Most pushes in one transaction: enough to carry a whole queue of tablets after a
/// stall, few enough that the batch's transaction stays short (about 30 ms).
const MAX_BATCH: usize = 64;

/// What a push gets back: its answer and the units whose totals moved.
type Outcome = Result<(PushAccepted, Moved), Error>;

struct Job {
    caller: Caller,
    target: Target,
    req: PushRequest,
    reply: oneshot::Sender<Outcome>,
    /// When it was queued: how long it waited is counted.
    queued_at: std::time::Instant,
}

/// The queue of pushes and the task that writes them; cheap to clone.
#[derive(Clone)]
pub struct PushQueue {
    jobs: mpsc::Sender<Job>,
}

impl PushQueue {
    /// Starts the writing task. It ends when every clone of the queue is dropped.
    pub fn start(db: Pool, metrics: Metrics) -> PushQueue {
        let (jobs, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(run(db, rx, metrics));
        PushQueue { jobs }
    }

    /// Applies a push, batched with the others waiting; answers after its commit.
    pub async fn push(&self, caller: Caller, target: Target, req: PushRequest) -> Outcome {
        reports::check_push(&target, &req)?;
        let (reply, answer) = oneshot::channel();
        let job = Job {
            caller,
            target,
            req,
            reply,
            queued_at: std::time::Instant::now(),
        };
        self.jobs
            .send(job)
            .await
            .map_err(|_| Error::Internal("the push queue has stopped".into()))?;
        answer
            .await
            .map_err(|_| Error::Internal("the push queue dropped a push".into()))?
    }
}

async fn run(db: Pool, mut rx: mpsc::Receiver<Job>, metrics: Metrics) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs = std::mem::take(&mut batch);
        for job in &jobs {
            metrics.queue_wait(job.queued_at.elapsed());
        }
        match write_together(&db, &jobs).await {
            Ok(outcomes) => {
                for (job, outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = job.reply.send(outcome);
                }
            }
            // One push broke the transaction: redo each alone, so only it fails.
            Err(Failed::InPush(e)) if jobs.len() > 1 => {
                tracing::warn!("a batch of {} pushes failed ({e}): one by one", jobs.len());
                for job in jobs {
                    let outcome = reports::push(&db, &job.caller, &job.target, job.req).await;
                    let _ = job.reply.send(outcome);
                }
            }
            // The database itself failed (cannot begin or commit): every push of the
            // batch is told at once, and the tablets retry later with the same ids.
            Err(Failed::InPush(e) | Failed::Transaction(e)) => {
                let message = e.to_string();
                let mut e = Some(e);
                for job in jobs {
                    let failure = e.take().unwrap_or_else(|| Error::Internal(message.clone()));
                    let _ = job.reply.send(Err(failure));
                }
            }
        }
    }
}

/// Why a batch's transaction failed; nothing of the batch is stored either way.
enum Failed {
    /// Deciding or writing one of its pushes failed.
    InPush(Error),
    /// Beginning or committing failed: no push is to blame.
    Transaction(Error),
}

/// Writes the pushes in one transaction.
async fn write_together(db: &Pool, jobs: &[Job]) -> Result<Vec<Outcome>, Failed> {
    let mut tx = crate::db::begin_write(db)
        .await
        .map_err(|e| Failed::Transaction(e.into()))?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for job in jobs {
        let outcome = match reports::apply_push(&mut tx, &job.caller, &job.target, &job.req).await {
            // A storage failure may have left the push half-written, or ended the
            // transaction (PostgreSQL aborts it on any error): the batch must not commit.
            Err(e @ (Error::Db(_) | Error::Internal(_))) => return Err(Failed::InPush(e)),
            // Answered or refused: a refusal wrote nothing.
            outcome => outcome,
        };
        outcomes.push(outcome);
    }
    tx.commit()
        .await
        .map_err(|e| Failed::Transaction(e.into()))?;
    Ok(outcomes)
}
