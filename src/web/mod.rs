//! The web layer: actix-web + handlebars over `domain` and `storage`. `routes.rs` is the one
//! route table and says who may call every route.

pub mod auth;
pub mod body;
pub mod client_address;
pub mod confirm;
pub mod download;
pub mod error;
pub mod error_page;
pub mod handlers;
pub mod headers;
pub mod render;
pub mod round_guard;
pub mod routes;
pub mod trace;
pub mod upload;

use crate::documents::{FontSet, Fonts};
use crate::storage::{DbConn, Pool};
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{App, HttpMessage, HttpServer, web};
use error::WebError;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

/// Settings the web layer needs, checked by the CLI before they get here.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Mark cookies `Secure`: on when Pingcha is served over HTTPS (directly or via a proxy).
    pub secure_cookies: bool,
    /// How long a session lasts after sign-in.
    pub session_hours: i64,
    /// Proxies whose `X-Forwarded-For` names the client (none: the TCP peer is the client).
    pub trusted_proxies: client_address::TrustedProxies,
    /// Worker threads; None lets actix use one per core.
    pub workers: Option<usize>,
    /// The fonts documents are printed with (the shipped Noto Serif SC unless configured).
    pub fonts: FontSet,
    /// How many days an offline review packet stays valid after download.
    pub offline_packet_days: i64,
    /// Set when this process is `pingcha offline open`: the laptop's local server, limited to
    /// one packet and the offline route table.
    pub offline: Option<Arc<OfflineMode>>,
}

/// The local server of an opened offline packet.
#[derive(Debug)]
pub struct OfflineMode {
    pub packet_id: String,
    /// The reviewer's name, for the banner.
    pub reviewer: String,
    /// The packet's expiry as shown in the banner (local time).
    pub expires_at: String,
    /// SHA-256 of the one-time sign-in token printed on the terminal; taken when used.
    pub signin_token_hash: Mutex<Option<String>>,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            secure_cookies: false,
            session_hours: 12,
            trusted_proxies: client_address::TrustedProxies::default(),
            workers: None,
            fonts: FontSet::default(),
            offline_packet_days: crate::domain::offline::DEFAULT_VALID_DAYS,
            offline: None,
        }
    }
}

/// What every handler can reach. Nothing here is per-process state that another server on
/// the same database would lack: sessions, throttling and data all live in the database.
pub struct AppState {
    pub pool: Pool,
    pub config: WebConfig,
    /// Parsed on the first document asked for (about 30 ms a face), then shared.
    fonts: Mutex<Option<Arc<Fonts>>>,
    /// One permit per pooled connection: database work waits here, as a cheap future, for a
    /// connection to be free. Without it a burst of requests starts one blocking thread per
    /// request (hundreds, each with its own stack), all parked on the pool's condition
    /// variable and woken in turn.
    db_slots: tokio::sync::Semaphore,
    /// Does the score forms posted by all requests, those arriving together as one piece
    /// of work: their reads in a few queries, their saves in one transaction (dropped
    /// before the sealer, which it wakes).
    pub(crate) sheet_forms: crate::storage::combiner::Combiner<
        crate::app::score_forms::FormJob,
        crate::app::score_forms::FormReply,
    >,
    /// Seals the PostgreSQL audit entries that requests commit (none on SQLite, where
    /// entries are sealed inside their own transaction).
    sealer: Option<crate::storage::audit::Sealer>,
}

impl AppState {
    /// Runs blocking database work on the thread pool with a pooled connection.
    pub async fn db<T, F>(&self, work: F) -> Result<T, WebError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, WebError> + Send + 'static,
        T: Send + 'static,
    {
        let _slot = self
            .db_slots
            .acquire()
            .await
            .map_err(|_| WebError::Unavailable)?;
        let pool = self.pool.clone();
        let sealer = self
            .sealer
            .as_ref()
            .map(crate::storage::audit::Sealer::waker);
        // The work is part of the request: its log lines and errors carry the request's id.
        let span = tracing::Span::current();
        let request_id = trace::RequestId::current();
        web::block(move || {
            let _span = span.enter();
            trace::RequestId::scope(request_id, || {
                let mut conn = crate::storage::checkout(&pool).map_err(|error| {
                    tracing::warn!(%error, "no database connection");
                    WebError::Unavailable
                })?;
                let (outcome, owed) = crate::storage::deferring_seals(|| work(&mut conn));
                if outcome.is_ok() {
                    crate::storage::record_good_use(&mut conn);
                }
                drop(conn);
                if owed && let Some(sealer) = &sealer {
                    sealer.wake();
                }
                outcome
            })
        })
        .await?
    }

    /// [`AppState::db`] for work that fails with its own error type (a use case's), turned
    /// into a `WebError` by its `From` conversion.
    pub async fn run<T, E, F>(&self, work: F) -> Result<T, WebError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, E> + Send + 'static,
        E: Into<WebError>,
        T: Send + 'static,
    {
        self.db(move |conn| work(conn).map_err(Into::into)).await
    }

    /// The parsed document fonts.
    pub fn fonts(&self) -> Result<Arc<Fonts>, WebError> {
        let mut slot = self.fonts.lock().map_err(|_| WebError::Unavailable)?;
        if let Some(fonts) = slot.as_ref() {
            return Ok(fonts.clone());
        }
        let fonts = Arc::new(Fonts::load(&self.config.fonts).map_err(WebError::internal)?);
        *slot = Some(fonts.clone());
        Ok(fonts)
    }
}

/// The end of the middlewares at each route's door (`auth::access_control`,
/// `round_guard::guard`): the refusal is the answer if there is one, else the request goes on.
pub(crate) async fn pass_unless<B: MessageBody>(
    refusal: Option<actix_web::HttpResponse>,
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    match refusal {
        Some(response) => Ok(request.into_response(response).map_into_right_body()),
        None => next
            .call(request)
            .await
            .map(ServiceResponse::map_into_left_body),
    }
}

/// An extractor's error: whether it is a body over the route's limit.
trait InputError: std::fmt::Display {
    fn too_large(&self) -> bool;
}

impl InputError for actix_web::error::UrlencodedError {
    fn too_large(&self) -> bool {
        use actix_web::error::{PayloadError, UrlencodedError};
        matches!(
            self,
            UrlencodedError::Overflow { .. } | UrlencodedError::Payload(PayloadError::Overflow)
        )
    }
}

impl InputError for actix_web::error::JsonPayloadError {
    fn too_large(&self) -> bool {
        use actix_web::error::{JsonPayloadError, PayloadError};
        matches!(
            self,
            JsonPayloadError::Overflow { .. }
                | JsonPayloadError::OverflowKnownLength { .. }
                | JsonPayloadError::Payload(PayloadError::Overflow)
        )
    }
}

impl InputError for actix_web::error::QueryPayloadError {
    fn too_large(&self) -> bool {
        false
    }
}

/// Malformed forms, JSON or query strings: a 400 in the caller's format, saying what was wrong
/// (a 413 for a body over the route's limit, which `body` counts as it streams in).
fn bad_input(error: &impl InputError, request: &actix_web::HttpRequest) -> actix_web::Error {
    let error = if error.too_large() {
        let limit = request
            .extensions()
            .get::<body::BodyLimit>()
            .copied()
            .unwrap_or(body::FORM);
        WebError::PayloadTooLarge(body::too_large(limit))
    } else {
        tracing::info!(%error, "request input refused");
        WebError::BadRequest(format!(
            "{}{}",
            crate::app::messages::BAD_INPUT,
            crate::app::messages::frame::input_problem(&error.to_string())
        ))
    };
    if auth::is_api(request.path()) {
        error::ApiError(error).into()
    } else {
        error.into()
    }
}

/// How many connections may wait to be accepted (the kernel caps it at `somaxconn`). The
/// standard library's `TcpListener::bind` listens with 128: three hundred reviewers
/// connecting at once then overflow the queue, and the kernel drops the rest of the
/// connection attempts, which the browsers retry only after a second. Actix's own default.
const LISTEN_BACKLOG: i32 = 2048;

/// Binds the server's listening socket (`address`: `host:port`; port 0 for any free port),
/// with room for a crowd of connections arriving together ([`LISTEN_BACKLOG`]).
pub fn bind(address: impl std::net::ToSocketAddrs) -> std::io::Result<TcpListener> {
    let mut last = None;
    for address in address.to_socket_addrs()? {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(address),
            socket2::Type::STREAM,
            Some(socket2::Protocol::TCP),
        )?;
        // As the standard library does: a restarted server rebinds its port at once.
        socket.set_reuse_address(true)?;
        match socket
            .bind(&address.into())
            .and_then(|()| socket.listen(LISTEN_BACKLOG))
        {
            Ok(()) => return Ok(socket.into()),
            Err(error) => last = Some(error),
        }
    }
    Err(last.unwrap_or_else(|| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the address resolves to nothing",
        )
    }))
}

/// A bound, not yet running server. Binding happens in `build` so port 0 works and `port`
/// reports the real port (tests rely on this).
pub struct Application {
    port: u16,
    server: Server,
}

impl Application {
    pub fn build(listener: TcpListener, pool: Pool, config: WebConfig) -> std::io::Result<Self> {
        render::check().map_err(std::io::Error::other)?;
        handlers::rectification::check_notice_templates().map_err(std::io::Error::other)?;
        let port = listener.local_addr()?.port();
        let workers = config.workers;
        let offline = config.offline.is_some();
        // The form combiner, and on PostgreSQL the sealer, keep one pooled connection each
        // for themselves.
        let postgres = matches!(
            &*pool.get().map_err(std::io::Error::other)?,
            crate::storage::DbConn::Pg(_)
        );
        let (sealer, slots) = if postgres {
            (
                Some(crate::storage::audit::Sealer::start(pool.clone())?),
                pool.max_size().saturating_sub(2).max(1),
            )
        } else {
            (None, pool.max_size().saturating_sub(1).max(1))
        };
        let sheet_forms = crate::storage::combiner::Combiner::start(
            "score-forms",
            pool.clone(),
            sealer.as_ref().map(crate::storage::audit::Sealer::waker),
            crate::app::score_forms::do_forms,
            |error| {
                tracing::warn!(%error, "score forms not done");
                Err(crate::app::score_forms::Error::Unavailable)
            },
        )?;
        let state = web::Data::new(AppState {
            db_slots: tokio::sync::Semaphore::new(slots as usize),
            sheet_forms,
            sealer,
            pool,
            config,
            fonts: Mutex::new(None),
        });
        let mut server = HttpServer::new(move || {
            App::new()
                .app_data(state.clone())
                // Error answers in Chinese, with the signed-in user's navigation.
                .wrap(actix_web::middleware::from_fn(error_page::complete))
                .wrap(headers::security_headers())
                // Outermost: the span covers everything the request does.
                .wrap(actix_web::middleware::from_fn(trace::trace_request))
                // The route's own limit (`body`) is applied before these read anything.
                .app_data(
                    web::FormConfig::default()
                        .limit(body::FORM.total)
                        .error_handler(|error, request| bad_input(&error, request)),
                )
                .app_data(
                    web::JsonConfig::default()
                        .limit(body::FORM.total)
                        .error_handler(|error, request| bad_input(&error, request)),
                )
                .app_data(
                    web::QueryConfig::default()
                        .error_handler(|error, request| bad_input(&error, request)),
                )
                .configure(move |services| {
                    let table = if offline {
                        routes::offline_table()
                    } else {
                        routes::table()
                    };
                    routes::configure_table(services, table)
                })
                .default_service(web::to(handlers::not_found))
        })
        .shutdown_timeout(10);
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        let server = server.listen(listener)?.run();
        Ok(Application { port, server })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server from another task (tests, signals).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}
