//! A combiner: one thread that does, on one connection, the database work of the requests
//! that arrive together, as one piece of work.
//!
//! The score form uses it (`web::handlers::sheets`): a request hands over what was posted;
//! the combiner takes everything waiting and reads the rounds, files and sheets of all of
//! them in a few queries, checks each, and writes the accepted saves in one transaction
//! (`sheets::write_together`, each save keeping the outcome it would have had alone).
//! Under a burst of submissions a few round trips and one commit (one flush to disk) carry
//! hundreds of requests; alone, a request is done at once. The sealing of the PostgreSQL
//! audit entries it commits is left to the server's sealer.

use crate::storage::audit::SealerWaker;
use crate::storage::{DbConn, Error, Pool};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// At most this many requests are done together.
const MOST_TOGETHER: usize = 128;

/// Does the work of a batch of jobs on one connection: an answer for each job, in order, and
/// whether the connection finished without a database error (it is then trusted for the
/// next second, see `storage::record_good_use`).
pub type Work<J, R> = fn(&mut DbConn, Vec<J>) -> (Vec<R>, bool);

/// The answer of a job whose batch got no connection.
pub type NoConnection<R> = fn(&Error) -> R;

struct Queue<J, R> {
    waiting: Vec<(J, tokio::sync::oneshot::Sender<R>)>,
    stopping: bool,
}

struct Shared<J, R> {
    queue: Mutex<Queue<J, R>>,
    ready: Condvar,
}

/// See the module documentation. Dropping it does what is waiting, then ends the thread and
/// waits for it.
pub struct Combiner<J: Send + 'static, R: Send + 'static> {
    shared: Arc<Shared<J, R>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl<J: Send + 'static, R: Send + 'static> std::fmt::Debug for Combiner<J, R> {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("Combiner")
    }
}

/// Why a job got no answer: the server is stopping, or the combiner failed on its batch
/// (a panic; nothing of the batch was committed then unless its transaction had ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRunning;

impl<J: Send + 'static, R: Send + 'static> Combiner<J, R> {
    /// Starts the thread; it uses one connection of `pool` while it works. `sealer`, on
    /// PostgreSQL, is woken after work that committed audit entries.
    pub fn start(
        name: &str,
        pool: Pool,
        sealer: Option<SealerWaker>,
        work: Work<J, R>,
        no_connection: NoConnection<R>,
    ) -> std::io::Result<Combiner<J, R>> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                waiting: Vec::new(),
                stopping: false,
            }),
            ready: Condvar::new(),
        });
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name(name.into())
                .spawn(move || {
                    run(&shared, &pool, sealer.as_ref(), work, no_connection);
                })?
        };
        Ok(Combiner {
            shared,
            thread: Some(thread),
        })
    }

    /// Does `job` with whatever else is waiting, and answers its own result.
    pub async fn submit(&self, job: J) -> Result<R, NotRunning> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        {
            let mut queue = self
                .shared
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if queue.stopping {
                return Err(NotRunning);
            }
            queue.waiting.push((job, reply));
        }
        self.shared.ready.notify_one();
        answer.await.map_err(|_| NotRunning)
    }
}

impl<J: Send + 'static, R: Send + 'static> Drop for Combiner<J, R> {
    fn drop(&mut self) {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .stopping = true;
        self.shared.ready.notify_one();
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::warn!("a combiner thread ended with a panic");
        }
    }
}

fn run<J, R>(
    shared: &Shared<J, R>,
    pool: &Pool,
    sealer: Option<&SealerWaker>,
    work: Work<J, R>,
    no_connection: NoConnection<R>,
) {
    loop {
        let taken: Vec<(J, tokio::sync::oneshot::Sender<R>)> = {
            let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            while queue.waiting.is_empty() && !queue.stopping {
                queue = shared
                    .ready
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if queue.waiting.is_empty() {
                return; // stopping, and everything handed over is done
            }
            let count = queue.waiting.len().min(MOST_TOGETHER);
            queue.waiting.drain(..count).collect()
        };
        let (jobs, replies): (Vec<J>, Vec<_>) = taken.into_iter().unzip();
        let count = jobs.len();
        // A panic must not end the thread: the batch's requests get `NotRunning` (their
        // replies are dropped), and the jobs after them are done as usual.
        let done = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::storage::deferring_seals(|| match crate::storage::checkout(pool) {
                Ok(mut conn) => {
                    let (answers, good) = work(&mut conn, jobs);
                    if good {
                        crate::storage::record_good_use(&mut conn);
                    }
                    answers
                }
                Err(error) => {
                    tracing::warn!(%error, "no database connection for a combined batch");
                    (0..count).map(|_| no_connection(&error)).collect()
                }
            })
        }));
        let Ok((answers, owed)) = done else {
            tracing::error!(jobs = count, "a combiner failed on a batch");
            continue;
        };
        if owed && let Some(sealer) = sealer {
            sealer.wake();
        }
        for (reply, answer) in replies.into_iter().zip(answers) {
            // The request may have gone (the client left); what was done stands.
            let _ = reply.send(answer);
        }
    }
}
