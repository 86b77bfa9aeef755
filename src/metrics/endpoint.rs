//! The HTTP endpoint: `GET /metrics` on `metrics-port` (off by default), on the
//! `metrics-bind` addresses (default: `bind`'s), served with hyper.
//!
//! A scrape never waits for the core task: it reads the read model (asking for a fresh one
//! when the one published is older than the read model period, as SENTINEL MASTERS does) and
//! the recorder's atomic counters, and encodes them with prometheus-client. The Prometheus
//! text format (0.0.4) is the default; a scraper that accepts OpenMetrics
//! (`Accept: application/openmetrics-text`, as Prometheus itself sends) gets OpenMetrics.

use std::convert::Infallible;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{HeaderValue, ACCEPT, ALLOW, CONTENT_TYPE};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use prometheus_client::registry::Registry;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::exporter::SentinelView;
use super::recorder::Recorder;
use crate::config::model::ServerConfig;
use crate::handle::Handle;

/// The one path served.
pub const PATH: &str = "/metrics";

/// How long a client may take to send its request headers (a stalled client holds nothing
/// longer than this).
const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// How long one connection may last: scrapers keep their connection alive between scrapes,
/// and hyper has no idle timeout of its own, so an idle connection is closed after this (the
/// scraper simply reconnects).
const CONNECTION_LIFETIME: Duration = Duration::from_secs(300);

/// Connections served at once; more are closed at once, so idle clients cannot hold every
/// file descriptor.
const MAX_CONNECTIONS: usize = 64;

const OPENMETRICS: &str = "application/openmetrics-text";
const OPENMETRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The two exposition formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Prometheus text format 0.0.4 (`text/plain; version=0.0.4`).
    Text,
    /// OpenMetrics 1.0 text.
    OpenMetrics,
}

impl Format {
    /// OpenMetrics when the request's `Accept` header names it, else the Prometheus text format.
    fn negotiate(accept: Option<&HeaderValue>) -> Format {
        match accept.and_then(|v| v.to_str().ok()) {
            Some(a) if a.contains(OPENMETRICS) => Format::OpenMetrics,
            _ => Format::Text,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Text => prometheus_client::encoding::prometheus_text::CONTENT_TYPE,
            Format::OpenMetrics => OPENMETRICS_CONTENT_TYPE,
        }
    }
}

/// Open the endpoint's listeners, or `None` when `metrics-port` is 0. An address that cannot
/// be bound (a port in use) is an error at start, worded like the server's own listeners'.
pub async fn bind(cfg: &ServerConfig) -> std::io::Result<Option<Vec<TcpListener>>> {
    if cfg.metrics_port == 0 {
        return Ok(None);
    }
    let addrs = if cfg.metrics_bind.is_empty() { &cfg.bind } else { &cfg.metrics_bind };
    crate::server::listen_on_all(addrs, cfg.metrics_port, "metrics").await.map(Some)
}

/// Serve scrapes on every listener until the process shuts down.
pub async fn serve(h: Handle, listeners: Vec<TcpListener>) {
    for listener in listeners {
        tokio::spawn(accept_loop(h.clone(), listener));
    }
}

async fn accept_loop(h: Handle, listener: TcpListener) {
    let mut shutdown = h.0.shutdown.subscribe();
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        tokio::select! {
            _ = shutdown.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let Ok(slot) = slots.clone().try_acquire_owned() else {
                        tracing::debug!("metrics endpoint: {} connections open, closing the one from {}", MAX_CONNECTIONS, peer);
                        continue;
                    };
                    let h = h.clone();
                    tokio::spawn(async move {
                        let _ = tokio::time::timeout(CONNECTION_LIFETIME, connection(h, stream)).await;
                        drop(slot);
                    });
                }
                Err(e) => {
                    // Out of file descriptors and the like: try again shortly.
                    tracing::debug!("metrics endpoint: accept failed: {}", e);
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
}

async fn connection(h: Handle, stream: TcpStream) {
    let service = hyper::service::service_fn(move |req| {
        let h = h.clone();
        async move { Ok::<_, Infallible>(respond(&h, req).await) }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(e) = served {
        tracing::debug!("metrics endpoint: connection ended: {}", e);
    }
}

fn plain(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from_static(body.as_bytes())));
    *r.status_mut() = status;
    r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

/// The error response a request gets, or `None` if it may be answered with the metrics.
pub(super) fn refusal(method: &Method, path: &str) -> Option<Response<Full<Bytes>>> {
    if path != PATH {
        return Some(plain(StatusCode::NOT_FOUND, "Not Found: the metrics are at /metrics\n"));
    }
    if method != Method::GET && method != Method::HEAD {
        let mut r = plain(StatusCode::METHOD_NOT_ALLOWED, "Method Not Allowed\n");
        r.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(r);
    }
    None
}

async fn respond(h: &Handle, req: Request<Incoming>) -> Response<Full<Bytes>> {
    if let Some(r) = refusal(req.method(), req.uri().path()) {
        return r;
    }
    let format = Format::negotiate(req.headers().get(ACCEPT));
    h.ensure_current(true).await;
    let view = h.read_core(SentinelView::read);
    let writes =
        (h.0.config_writes.load(Ordering::Relaxed), h.0.config_write_failures.load(Ordering::Relaxed));
    match render(&h.0.metrics, view, writes, format) {
        Ok(text) => {
            let mut r = Response::new(Full::new(Bytes::from(text)));
            r.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static(format.content_type()));
            r
        }
        Err(_) => plain(StatusCode::INTERNAL_SERVER_ERROR, "Could not encode the metrics\n"),
    }
}

/// The exposition: the read model's view, the config writes (`(written, failed)`) and the
/// recorder's metrics.
pub fn render(
    rec: &Recorder,
    view: SentinelView,
    writes: (u64, u64),
    format: Format,
) -> Result<String, std::fmt::Error> {
    let mut registry = Registry::default();
    registry.register_collector(Box::new(view));
    let written = prometheus_client::metrics::counter::ConstCounter::new(writes.0);
    let failed = prometheus_client::metrics::counter::ConstCounter::new(writes.1);
    registry.register("rsentinel_config_writes", "Config rewrites that reached the disk", written);
    registry.register("rsentinel_config_write_failures", "Config rewrites that failed", failed);
    rec.register(&mut registry);
    let mut out = String::new();
    match format {
        Format::Text => prometheus_client::encoding::prometheus_text::encode(&mut out, &registry)?,
        Format::OpenMetrics => prometheus_client::encoding::text::encode(&mut out, &registry)?,
    }
    Ok(out)
}
