//! One span per request: its id (the one a 500 page shows the user), the method, the matched
//! route *pattern* (`/rounds/{id}/files/{file}/sheet`, never the raw path or its query
//! string, which may carry names, search text or a sign-in token), the status and the time
//! taken. Logged at info when the answer is ready (warn for a 5xx), through the subscriber
//! `telemetry::init` installs. Log lines written while the request runs, on its own thread or
//! in its database work (`AppState::db`), carry the span's fields.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use tracing::Instrument;
use tracing::field::Empty;

thread_local! {
    /// The id of the request this thread is working for, while it is.
    static CURRENT: RefCell<Option<RequestId>> = const { RefCell::new(None) };
}

/// A request's id: 32 hexadecimal digits, fresh for every request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(Arc<str>);

impl RequestId {
    pub fn fresh() -> Self {
        RequestId(uuid::Uuid::new_v4().simple().to_string().into())
    }

    /// The id of the request being worked on by this thread, if any.
    pub fn current() -> Option<RequestId> {
        CURRENT.with(|current| current.borrow().clone())
    }

    /// Runs `work` as part of the request `id` (for work handed to another thread).
    pub fn scope<T>(id: Option<RequestId>, work: impl FnOnce() -> T) -> T {
        let previous = CURRENT.with(|current| current.replace(id));
        let outcome = work();
        CURRENT.with(|current| *current.borrow_mut() = previous);
        outcome
    }
}

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A future polled as part of one request: many requests share a worker thread, so the id is
/// set around each poll, not once.
struct Scoped<F> {
    id: RequestId,
    inner: Pin<Box<F>>,
}

impl<F: Future> Future for Scoped<F> {
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<F::Output> {
        let this = self.get_mut();
        RequestId::scope(Some(this.id.clone()), || this.inner.as_mut().poll(context))
    }
}

/// The middleware (`actix_web::middleware::from_fn`), outermost in `Application::build`.
pub async fn trace_request<B: MessageBody>(
    request: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, Error> {
    let id = RequestId::fresh();
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %request.method(),
        route = Empty,
        status = Empty,
        elapsed_ms = Empty,
    );
    let started = std::time::Instant::now();
    let outcome = Scoped {
        id,
        inner: Box::pin(next.call(request)),
    }
    .instrument(span.clone())
    .await;
    let (status, route) = match &outcome {
        Ok(response) => (response.status(), response.request().match_pattern()),
        Err(error) => (error.as_response_error().status_code(), None),
    };
    span.record(
        "route",
        tracing::field::display(route.as_deref().unwrap_or("-")),
    );
    span.record("status", status.as_u16());
    span.record(
        "elapsed_ms",
        u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    );
    let _entered = span.enter();
    if status.is_server_error() {
        tracing::warn!("request answered");
    } else {
        tracing::info!("request answered");
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::error::WebError;
    use actix_web::middleware::from_fn;
    use actix_web::test as actix_test;
    use actix_web::{App, HttpResponse, web};
    use std::sync::Mutex;

    /// What the subscriber wrote.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?
                .extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Captured {
            self.clone()
        }
    }

    impl Captured {
        fn text(&self) -> String {
            let bytes = self.0.lock().map(|bytes| bytes.clone()).unwrap_or_default();
            String::from_utf8_lossy(&bytes).into_owned()
        }
    }

    async fn failing() -> Result<HttpResponse, WebError> {
        Err(WebError::internal("the disk is full"))
    }

    #[actix_rt::test]
    async fn each_request_logs_its_route_pattern_status_and_time_but_not_its_path_or_query() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_ansi(false)
            .with_max_level(tracing::Level::INFO)
            .finish();
        let _default = tracing::subscriber::set_default(subscriber);
        let app = actix_test::init_service(
            App::new()
                .wrap(from_fn(trace_request))
                .service(
                    web::scope("/rounds")
                        .route("/{id}/files/{file}/sheet", web::get().to(|| async { "ok" })),
                )
                .route("/fails", web::get().to(failing)),
        )
        .await;

        let request = actix_test::TestRequest::get()
            .uri("/rounds/7/files/9/sheet?reviewer=%E5%BC%A0%E4%B8%89&token=s3cret")
            .to_request();
        assert!(
            actix_test::call_service(&app, request)
                .await
                .status()
                .is_success()
        );
        let text = captured.text();
        let line = text.lines().last().unwrap_or_default();
        assert!(line.contains(" INFO "), "{text}");
        assert!(line.contains("request_id="), "{text}");
        assert!(line.contains("method=GET"), "{text}");
        assert!(
            line.contains("route=/rounds/{id}/files/{file}/sheet"),
            "{text}"
        );
        assert!(line.contains("status=200"), "{text}");
        assert!(line.contains("elapsed_ms="), "{text}");
        for leak in [
            "reviewer",
            "s3cret",
            "token",
            "张三",
            "%E5",
            "/rounds/7",
            "?",
        ] {
            assert!(!text.contains(leak), "{leak} logged: {text}");
        }

        // A failure: warn, and the id the error page shows is the request's.
        let request = actix_test::TestRequest::get().uri("/fails").to_request();
        let response = actix_test::call_service(&app, request).await;
        assert_eq!(response.status().as_u16(), 500);
        let page = String::from_utf8_lossy(&actix_test::read_body(response).await).into_owned();
        let text = captured.text();
        let line = text.lines().last().unwrap_or_default();
        assert!(line.contains(" WARN "), "{text}");
        assert!(line.contains("route=/fails"), "{text}");
        assert!(line.contains("status=500"), "{text}");
        let id = line
            .split("request_id=")
            .nth(1)
            .and_then(|rest| rest.split([' ', '}']).next())
            .unwrap_or_default();
        assert_eq!(id.len(), 32, "{text}");
        assert!(
            page.contains(id),
            "the page shows another id than {id}: {page}"
        );
        assert!(
            text.lines()
                .any(|line| line.contains("request failed") && line.contains(id)),
            "{text}"
        );
    }

    #[test]
    fn work_handed_to_another_thread_keeps_the_request_id() {
        let id = RequestId::fresh();
        assert_eq!(RequestId::current(), None);
        let seen = RequestId::scope(Some(id.clone()), RequestId::current);
        assert_eq!(seen, Some(id));
        assert_eq!(RequestId::current(), None);
    }
}
