//! The server's sheet writer: one thread that writes the score-sheet saves and submissions
//! of every request, those that arrive together in one transaction.
//!
//! A request works out its save on its own connection (the form's context, the domain's
//! checks, the score; `sheets::prepare_save`) and hands it here; the writer takes whatever
//! is waiting, writes it with `sheets::write_together` (each save keeps the outcome it
//! would have had alone: a stale one is refused and writes nothing) and answers each
//! request. Under a burst of submissions a few transactions, each with one commit and one
//! flush to disk, carry hundreds of saves; alone, a save is written at once. The sealing
//! of the PostgreSQL audit entries it commits is left to the server's sealer.

use crate::storage::audit::SealerWaker;
use crate::storage::sheets::{self, PreparedSave, SaveError};
use crate::storage::{Error, Pool};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// At most this many saves go into one transaction.
const MOST_TOGETHER: usize = 128;

type Reply = tokio::sync::oneshot::Sender<Result<(), SaveError>>;

#[derive(Default)]
struct Queue {
    waiting: Vec<(PreparedSave, Reply)>,
    stopping: bool,
}

#[derive(Default)]
struct Shared {
    queue: Mutex<Queue>,
    ready: Condvar,
}

/// See the module documentation. Dropping the writer writes what is waiting, then ends the
/// thread and waits for it.
pub struct SheetWriter {
    shared: Arc<Shared>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for SheetWriter {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("SheetWriter")
    }
}

/// The error a request gets when its save could not be handed over or answered: the
/// server is stopping, or the writer failed on it (nothing was written then).
fn unavailable() -> SaveError {
    SaveError::Storage(Error::Connect {
        url: "(sheet writer)".into(),
        cause: "the server's sheet writer is not running".into(),
    })
}

impl SheetWriter {
    /// Starts the writer; it uses one connection of `pool` while it writes. `sealer`, on
    /// PostgreSQL, is woken after commits that left audit entries to seal.
    pub fn start(pool: Pool, sealer: Option<SealerWaker>) -> std::io::Result<SheetWriter> {
        let shared = Arc::new(Shared::default());
        let thread = {
            let shared = shared.clone();
            std::thread::Builder::new()
                .name("sheet-writer".into())
                .spawn(move || run(&shared, &pool, sealer.as_ref()))?
        };
        Ok(SheetWriter {
            shared,
            thread: Some(thread),
        })
    }

    /// Writes `save` with whatever else is waiting, and answers its own outcome.
    pub async fn write(&self, save: PreparedSave) -> Result<(), SaveError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        {
            let mut queue = self
                .shared
                .queue
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            if queue.stopping {
                return Err(unavailable());
            }
            queue.waiting.push((save, reply));
        }
        self.shared.ready.notify_one();
        answer.await.unwrap_or_else(|_| Err(unavailable()))
    }
}

impl Drop for SheetWriter {
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
            tracing::warn!("the sheet writer ended with a panic");
        }
    }
}

fn run(shared: &Shared, pool: &Pool, sealer: Option<&SealerWaker>) {
    loop {
        let taken: Vec<(PreparedSave, Reply)> = {
            let mut queue = shared.queue.lock().unwrap_or_else(PoisonError::into_inner);
            while queue.waiting.is_empty() && !queue.stopping {
                queue = shared
                    .ready
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if queue.waiting.is_empty() {
                return; // stopping, and everything handed over is written
            }
            let count = queue.waiting.len().min(MOST_TOGETHER);
            queue.waiting.drain(..count).collect()
        };
        let (saves, replies): (Vec<PreparedSave>, Vec<Reply>) = taken.into_iter().unzip();
        // A panic must not end the thread: its requests get `unavailable` (their replies
        // are dropped), and the saves after them are written as usual.
        let written = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            crate::storage::deferring_seals(|| write(pool, &saves))
        }));
        let Ok((outcomes, owed)) = written else {
            tracing::error!(saves = saves.len(), "the sheet writer failed on a batch");
            continue;
        };
        if owed && let Some(sealer) = sealer {
            sealer.wake();
        }
        for (reply, outcome) in replies.into_iter().zip(outcomes) {
            // The request may have gone (the client left); its save stands.
            let _ = reply.send(outcome);
        }
    }
}

fn write(pool: &Pool, saves: &[PreparedSave]) -> Vec<Result<(), SaveError>> {
    match crate::storage::checkout(pool) {
        Ok(mut conn) => {
            let outcomes = sheets::write_together(&mut conn, saves);
            if !outcomes
                .iter()
                .any(|outcome| matches!(outcome, Err(SaveError::Storage(_))))
            {
                crate::storage::record_good_use(&mut conn);
            }
            outcomes
        }
        Err(error) => {
            tracing::warn!(%error, "no database connection for the sheet writer");
            saves
                .iter()
                .map(|_| {
                    Err(SaveError::Storage(Error::Connect {
                        url: "(pool)".into(),
                        cause: error.to_string(),
                    }))
                })
                .collect()
        }
    }
}
