//! Storage: diesel over SQLite (the default, embedded) or PostgreSQL (several servers on one
//! database), with one code path for both. Queries take and return domain types; a branch per
//! backend appears only where the SQL really differs, and says why.

pub mod assignments;
pub mod attest;
pub mod audit;
pub mod blobs;
pub mod borderline;
pub mod cases;
pub mod combiner;
pub mod ecf;
pub mod issued;
pub mod migrate;
pub mod notifications;
pub mod objections;
pub mod offline;
pub mod pending;
pub mod people;
pub mod reconciliations;
pub mod rectification;
pub mod results;
pub mod rounds;
pub mod rubrics;
pub mod sampling;
pub mod schema;
pub mod server_keys;
pub mod sessions;
pub mod sheets;
pub mod summary;
pub mod throttle;
pub mod units;
pub mod users;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::{Connection, ConnectionError};
use std::fmt;
use std::time::Duration;

/// A connection to either backend. Sqlite stays last, as diesel's MultiConnection wants.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// The backend type of [`DbConn`], for hand-written statements (`QueryFragment<DbBackend>`).
pub(crate) type DbBackend = <DbConn as Connection>::Backend;

pub type Pool = r2d2::Pool<Manager>;
pub type PooledConn = r2d2::PooledConnection<Manager>;

/// Lets `?` turn a diesel error straight into a use case's error enum, through its
/// `Storage(Error)` variant (a `From` impl cannot be derived across the two hops).
macro_rules! diesel_into_storage_variant {
    ($($error:ident),+ $(,)?) => {$(
        impl From<diesel::result::Error> for $error {
            fn from(error: diesel::result::Error) -> Self {
                $error::Storage(error.into())
            }
        }
    )+};
}
pub(crate) use diesel_into_storage_variant;

/// Errors of the storage layer. They carry facts; the web and CLI layers choose the words.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("database query failed: {0}")]
    Query(#[from] diesel::result::Error),
    #[error("no database connection available: {0}")]
    Pool(#[from] r2d2::PoolError),
    #[error("cannot connect to the database {url}: {cause}")]
    Connect { url: String, cause: String },
    #[error("unsupported database URL {url}")]
    UnsupportedUrl { url: String },
    #[error("migrations failed: {0}")]
    Migration(String),
    #[error("record not found")]
    NotFound,
    #[error("record outside the caller's unit")]
    OutOfScope,
    #[error("already exists: {0}")]
    Duplicate(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The round's status does not allow the write (checked inside the write's transaction).
    #[error(transparent)]
    RoundState(#[from] crate::domain::round_actions::RoundStateError),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which database engine a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A checked database URL: the backend is decided once, from the scheme.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    raw: String,
    backend: Backend,
}

impl DatabaseUrl {
    /// `postgres://…` or `postgresql://…` selects PostgreSQL; `sqlite://PATH` or a plain path
    /// selects SQLite; any other scheme is refused rather than guessed.
    pub fn parse(raw: &str) -> Result<Self> {
        let raw = raw.trim();
        let backend = if raw.starts_with("postgres://") || raw.starts_with("postgresql://") {
            Backend::Postgres
        } else if raw.is_empty() || (raw.contains("://") && !raw.starts_with("sqlite://")) {
            return Err(Error::UnsupportedUrl {
                url: mask_password(raw),
            });
        } else {
            Backend::Sqlite
        };
        Ok(DatabaseUrl {
            raw: raw.to_string(),
            backend,
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The URL as given, for connecting. Never log this: use `masked`.
    pub fn expose(&self) -> &str {
        &self.raw
    }

    /// What SQLite opens: the path without the `sqlite://` prefix.
    pub fn sqlite_path(&self) -> &str {
        self.raw.strip_prefix("sqlite://").unwrap_or(&self.raw)
    }

    /// The URL with any password replaced by `***`, safe to print and log.
    pub fn masked(&self) -> String {
        mask_password(&self.raw)
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Hides the password in `scheme://user:password@host/…` and in a `password=` parameter.
pub fn mask_password(url: &str) -> String {
    let mut masked = match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(authority_end);
            match authority.rsplit_once('@') {
                Some((user_info, host)) => match user_info.split_once(':') {
                    Some((user, _password)) => format!("{scheme}://{user}:***@{host}{tail}"),
                    None => url.to_string(),
                },
                None => url.to_string(),
            }
        }
        None => url.to_string(),
    };
    if let Some(start) = masked.find("password=") {
        let value_start = start + "password=".len();
        let value_end = masked[value_start..]
            .find('&')
            .map_or(masked.len(), |offset| value_start + offset);
        masked.replace_range(value_start..value_end, "***");
    }
    masked
}

/// Per-connection SQLite settings: WAL so readers never wait for the writer, a busy timeout
/// so writers queue instead of failing, foreign keys (off by default in SQLite), and a 64 MB
/// page cache so large imports maintain their indexes in memory. The file is not mapped into
/// memory (`mmap_size` stays 0): a connection unmaps its map whenever another one has
/// written, and on a busy server that `munmap` (with its TLB flush on every core) came at
/// the start of every write transaction, under the write lock.
const SQLITE_PRAGMAS: &str = "PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000; \
                              PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                              PRAGMA cache_size = -65536;";

/// Opens connections of the backend the URL names, never falling back to another backend.
#[derive(Debug, Clone)]
pub struct Manager {
    url: DatabaseUrl,
}

impl Manager {
    pub fn new(url: DatabaseUrl) -> Self {
        Manager { url }
    }

    fn open(&self) -> std::result::Result<DbConn, ConnectionError> {
        match self.url.backend() {
            Backend::Postgres => PgConnection::establish(self.url.expose()).map(DbConn::Pg),
            Backend::Sqlite => {
                let mut conn = SqliteConnection::establish(self.url.sqlite_path())?;
                conn.batch_execute(SQLITE_PRAGMAS)
                    .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for Manager {
    type Connection = DbConn;
    type Error = ConnectionError;

    fn connect(&self) -> std::result::Result<DbConn, ConnectionError> {
        self.open()
    }

    fn is_valid(&self, conn: &mut DbConn) -> std::result::Result<(), ConnectionError> {
        conn.batch_execute("SELECT 1")
            .map_err(ConnectionError::CouldntSetupConfiguration)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        // A connection handed back inside a transaction, or whose transaction state is
        // broken (a failed rollback, or one marked by `checkout` after a failed check), is
        // closed rather than pooled. A dead PostgreSQL connection is caught by `checkout`.
        !matches!(in_transaction(conn), Ok(false))
    }
}

/// How long a PostgreSQL connection that just did its work is trusted without a check: a
/// connection busy under load is not tested on every checkout (a `SELECT 1` round trip each
/// time, four per score submission); one idle for longer is tested first. The same rule
/// as HikariCP's validation bypass window.
const TRUSTED_AFTER_USE: Duration = Duration::from_secs(1);

/// When a pooled connection last finished work without an error (kept in the pool's
/// per-connection extensions).
#[derive(Debug, Clone, Copy)]
struct LastGoodUse(std::time::Instant);

/// A pooled connection for the server's database work. A PostgreSQL connection not used
/// successfully within [`TRUSTED_AFTER_USE`] is tested with `SELECT 1` first; one that fails
/// the test is closed (not put back) and another taken, so that a database restart costs no
/// request more than the wait for a new connection. Call [`record_good_use`] when the work
/// succeeded: after an error the next checkout tests the connection again.
pub fn checkout(pool: &Pool) -> Result<PooledConn> {
    // Every pooled connection may be dead after a restart; one more try opens a new one.
    for _ in 0..=pool.max_size() {
        let mut conn = pool.get()?;
        if let DbConn::Sqlite(_) = &*conn {
            return Ok(conn);
        }
        let trusted = r2d2::PooledConnection::extensions(&conn)
            .get::<LastGoodUse>()
            .is_some_and(|used| used.0.elapsed() < TRUSTED_AFTER_USE);
        if trusted {
            r2d2::PooledConnection::extensions_mut(&mut conn).remove::<LastGoodUse>();
            return Ok(conn);
        }
        match conn.batch_execute("SELECT 1") {
            Ok(()) => return Ok(conn),
            Err(error) => {
                tracing::warn!(%error, "pooled database connection lost; opening another");
                // Marked broken, `has_broken` closes it when it is handed back.
                if let DbConn::Pg(pg) = &mut *conn {
                    AnsiTransactionManager::transaction_manager_status_mut(pg).set_in_error();
                }
            }
        }
    }
    Err(Error::Connect {
        url: "(pool)".into(),
        cause: "every pooled connection failed its check".into(),
    })
}

/// Marks a connection from [`checkout`] as having just finished its work without error.
pub fn record_good_use(conn: &mut PooledConn) {
    r2d2::PooledConnection::extensions_mut(conn).insert(LastGoodUse(std::time::Instant::now()));
}

/// Opens one connection first so that a wrong URL is reported with the real cause, then
/// builds the pool.
pub fn connect(url: &DatabaseUrl) -> Result<Pool> {
    let manager = Manager::new(url.clone());
    manager.open().map_err(|error| Error::Connect {
        url: url.masked(),
        cause: error.to_string().trim().to_string(),
    })?;
    let max_size = match url.backend() {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    };
    r2d2::Pool::builder()
        .max_size(max_size)
        // A PostgreSQL connection can die with its server or the network: `checkout` tests
        // it unless it has just been used; an SQLite connection is a file handle in this
        // process and cannot.
        .test_on_check_out(false)
        // No connection is kept open for its own sake: r2d2 opens a replacement in the
        // background whenever the last idle one is taken, and a command that exits while
        // that connection is still being set up (a TLS handshake) crashes in OpenSSL's exit
        // handler. Connections are opened as work asks for them and then reused.
        .min_idle(Some(0))
        .connection_timeout(Duration::from_secs(5))
        .build(manager)
        .map_err(Error::from)
}

/// Runs `work` in one transaction. On SQLite it starts with `BEGIN IMMEDIATE`, taking the
/// write lock up front: a deferred transaction that reads and then writes fails with
/// "database is locked" under concurrent writers instead of waiting for the busy timeout.
pub fn transaction<T, E, F>(conn: &mut DbConn, work: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConn) -> std::result::Result<T, E>,
    E: From<diesel::result::Error>,
{
    if in_transaction(conn).map_err(E::from)? {
        return conn.transaction(work);
    }
    if let DbConn::Pg(_) = conn {
        // Audit entries written by this transaction are sealed once it has committed (see
        // `audit::append`).
        let outcome = conn.transaction(work);
        if let Some(entry_id) = take_pending_seal(conn)
            && outcome.is_ok()
        {
            seal_or_defer(conn, entry_id);
        }
        return outcome;
    }
    // SQLite has one writer at a time. Writers of this process queue here, in arrival order,
    // rather than in SQLite's busy handler, which polls with sleeps of up to 100 ms: under a
    // burst of submissions that polling, not the writing, made the slowest requests slow.
    // The busy timeout still covers writers in other processes (a CLI command beside a
    // server). The lock is the process's, not the database's: writes to two SQLite databases
    // from one process (only tests do that) queue behind each other, which is harmless.
    let _writer = sqlite_writer_lock();
    if let DbConn::Sqlite(sqlite) = conn {
        AnsiTransactionManager::begin_transaction_sql(sqlite, "BEGIN IMMEDIATE")?;
    }
    let outcome = work(conn);
    let DbConn::Sqlite(sqlite) = conn else {
        return outcome;
    };
    match outcome {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(sqlite)?;
            Ok(value)
        }
        Err(error) => {
            AnsiTransactionManager::rollback_transaction(sqlite)?;
            Err(error)
        }
    }
}

/// Whether `conn` is inside a transaction.
fn in_transaction(conn: &mut DbConn) -> diesel::QueryResult<bool> {
    let depth = match conn {
        DbConn::Sqlite(sqlite) => {
            AnsiTransactionManager::transaction_manager_status_mut(sqlite).transaction_depth()?
        }
        DbConn::Pg(pg) => {
            AnsiTransactionManager::transaction_manager_status_mut(pg).transaction_depth()?
        }
    };
    Ok(depth.is_some())
}

/// Runs `work` in the caller's transaction when there is one (without a savepoint: an
/// error rolls the whole transaction back anyway), otherwise in a new one.
pub fn within_transaction<T, E, F>(conn: &mut DbConn, work: F) -> std::result::Result<T, E>
where
    F: FnOnce(&mut DbConn) -> std::result::Result<T, E>,
    E: From<diesel::result::Error>,
{
    if in_transaction(conn).map_err(E::from)? {
        work(conn)
    } else {
        transaction(conn, work)
    }
}

thread_local! {
    /// The PostgreSQL connection (by address) whose open transaction wrote audit entries
    /// that wait to be sealed when it commits, with the last entry's id. Database work runs
    /// on one thread from start to end, so the thread is where to keep it.
    static PENDING_SEAL: std::cell::Cell<Option<(usize, i64)>> = const { std::cell::Cell::new(None) };
}

fn connection_key(conn: &DbConn) -> usize {
    std::ptr::from_ref(conn) as usize
}

/// Called by `audit::append` on PostgreSQL with the entry it wrote: seal when the transaction
/// commits, or now when the entry was written outside one (it has committed already).
pub(crate) fn seal_after_commit(conn: &mut DbConn, entry_id: i64) {
    if matches!(in_transaction(conn), Ok(true)) {
        PENDING_SEAL.set(Some((connection_key(conn), entry_id)));
    } else {
        seal_or_defer(conn, entry_id);
    }
}

thread_local! {
    /// Set while [`deferring_seals`] runs: committed entries are left for the caller's
    /// sealer instead of being sealed on this connection.
    static SEALING_DEFERRED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
    /// Whether entries were committed unsealed while sealing was deferred.
    static SEALS_OWED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn seal_or_defer(conn: &mut DbConn, entry_id: i64) {
    if SEALING_DEFERRED.get() {
        SEALS_OWED.set(true);
    } else {
        crate::storage::audit::seal_pending(conn, entry_id);
    }
}

/// Runs `work` with the sealing of the PostgreSQL audit entries it commits left to the
/// caller, and says whether any were: the server hands them to its background sealer
/// (`audit::Sealer`), so that a request does not wait for a second transaction and its
/// flush to disk, and one sealing covers every entry committed meanwhile. The entries are
/// stored either way; sealing only gives them their place in the hash chain. On SQLite
/// entries are sealed inside their own transaction and nothing is ever owed.
pub fn deferring_seals<T>(work: impl FnOnce() -> T) -> (T, bool) {
    /// Puts the thread's state back even if `work` panics (the thread is a pooled one).
    struct Restore {
        deferred: bool,
        owed: bool,
    }
    impl Drop for Restore {
        fn drop(&mut self) {
            SEALING_DEFERRED.set(self.deferred);
            SEALS_OWED.set(self.owed);
        }
    }
    let _restore = Restore {
        deferred: SEALING_DEFERRED.replace(true),
        owed: SEALS_OWED.replace(false),
    };
    let value = work();
    (value, SEALS_OWED.get())
}

/// Takes the mark left by [`seal_after_commit`] for this connection: the entry to seal.
fn take_pending_seal(conn: &DbConn) -> Option<i64> {
    let key = connection_key(conn);
    match PENDING_SEAL.get() {
        Some((pending, entry_id)) if pending == key => {
            PENDING_SEAL.set(None);
            Some(entry_id)
        }
        _ => None,
    }
}

/// The process's SQLite write lock, held for the length of an outermost write transaction.
/// A panic inside a transaction leaves nothing to repair (SQLite rolled back), so a poisoned
/// lock is simply taken over.
fn sqlite_writer_lock() -> std::sync::MutexGuard<'static, ()> {
    static WRITER: std::sync::Mutex<()> = std::sync::Mutex::new(());
    WRITER
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// The current time as stored: UTC, truncated to microseconds (PostgreSQL's precision) so a
/// value reads back equal on both backends.
pub fn now() -> chrono::NaiveDateTime {
    use chrono::{SubsecRound, Utc};
    Utc::now().naive_utc().trunc_subsecs(6)
}

/// Today's date where the server runs (the bureau's local calendar), for issue dates and
/// deadlines.
pub fn today() -> chrono::NaiveDate {
    chrono::Local::now().date_naive()
}

/// Maps a unique-constraint violation to `Duplicate`, naming what was duplicated.
pub fn duplicate_as(what: &str) -> impl FnOnce(diesel::result::Error) -> Error + '_ {
    move |error| match error {
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => Error::Duplicate(what.to_string()),
        other => Error::Query(other),
    }
}

/// Fresh id for a new row: a time-ordered UUID (v7), so that new rows land at the end of the
/// primary-key B-tree instead of at random places (a 200,000-row import into SQLite spends
/// most of its time in random index inserts with v4 ids).
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

/// Parses a stored text id into its typed form, reporting corruption instead of panicking.
pub fn parse_id<T: std::str::FromStr>(text: &str) -> Result<T> {
    text.parse()
        .map_err(|_| Error::Corrupt(format!("invalid id {text}")))
}

/// An id read straight from a text column, parsed from the driver's bytes without an
/// intermediate `String`: for queries that read ids by the ten thousand. A value that does not
/// parse is a deserialisation error naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, diesel::deserialize::FromSqlRow)]
pub struct TextId<T>(pub T);

fn text_id<T: std::str::FromStr>(text: &str) -> diesel::deserialize::Result<TextId<T>> {
    text.parse()
        .map(TextId)
        .map_err(|_| format!("invalid id {text}").into())
}

impl<T: std::str::FromStr> diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::pg::Pg>
    for TextId<T>
{
    fn from_sql(value: diesel::pg::PgValue<'_>) -> diesel::deserialize::Result<Self> {
        text_id(std::str::from_utf8(value.as_bytes())?)
    }
}

impl<T: std::str::FromStr>
    diesel::deserialize::FromSql<diesel::sql_types::Text, diesel::sqlite::Sqlite> for TextId<T>
{
    fn from_sql(
        mut value: diesel::sqlite::SqliteValue<'_, '_, '_>,
    ) -> diesel::deserialize::Result<Self> {
        text_id(value.read_text())
    }
}

impl<T: std::str::FromStr> diesel::deserialize::FromSql<diesel::sql_types::Text, DbBackend>
    for TextId<T>
{
    fn from_sql(
        value: <DbBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> diesel::deserialize::Result<Self> {
        value.from_sql::<Self, diesel::sql_types::Text>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_is_chosen_from_the_scheme() {
        let pg = DatabaseUrl::parse("postgres://u:secret@localhost/db").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert_eq!(pg.masked(), "postgres://u:***@localhost/db");
        assert_eq!(
            DatabaseUrl::parse("postgresql://localhost/db")
                .unwrap()
                .backend(),
            Backend::Postgres
        );
        assert_eq!(
            DatabaseUrl::parse("pingcha.sqlite3").unwrap().backend(),
            Backend::Sqlite
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db")
                .unwrap()
                .sqlite_path(),
            "/tmp/x.db"
        );
        assert!(matches!(
            DatabaseUrl::parse("mysql://root:pw@localhost/x"),
            Err(Error::UnsupportedUrl { url }) if url == "mysql://root:***@localhost/x"
        ));
        assert!(DatabaseUrl::parse("").is_err());
    }

    #[test]
    fn password_parameters_are_masked() {
        assert_eq!(
            mask_password("postgres://localhost/db?user=a&password=hunter2&sslmode=require"),
            "postgres://localhost/db?user=a&password=***&sslmode=require"
        );
        assert_eq!(mask_password("postgres://u@h/db"), "postgres://u@h/db");
    }
}
