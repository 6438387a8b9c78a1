//! The loopback listener (`[server] listen`): `/healthz` for load balancers and the watchdog,
//! `/metrics` for Prometheus. Nothing else is served, and nothing here writes.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Serialize;

use super::health::Health;
use super::metrics::Metrics;
use crate::store::Store;

/// A store that does not answer within this is reported as down.
const STORE_CHECK_TIMEOUT: Duration = Duration::from_secs(5);

pub struct ServerState {
    pub metrics: Arc<Metrics>,
    pub health: Arc<Health>,
    /// A read-only connection of its own: a health check never waits on the writer.
    pub store: Mutex<Store>,
}

pub fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state)
}

/// The JSON `/healthz` answers with. Field names are an interface monitoring depends on.
#[derive(Debug, Serialize)]
pub struct HealthReport {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// `running`, `starting`, `stopping` or `stalled`.
    pub scheduler: &'static str,
    /// `ok`, or the error the store gave.
    pub store: String,
    pub last_poll: Option<String>,
}

impl HealthReport {
    pub fn healthy(&self) -> bool {
        self.status == "ok"
    }
}

/// Whether the scheduler runs and the store answers (within [`STORE_CHECK_TIMEOUT`]).
pub async fn check(state: Arc<ServerState>) -> HealthReport {
    let scheduler = state.health.scheduler_state();
    let query = tokio::task::spawn_blocking(move || {
        // A poisoned lock means a check panicked mid-query; the connection is still usable.
        let store = state.store.lock().unwrap_or_else(|p| p.into_inner());
        store.get_meta("last_poll").map_err(|e| e.to_string())
    });
    let (store, last_poll) = match tokio::time::timeout(STORE_CHECK_TIMEOUT, query).await {
        Ok(Ok(Ok(last_poll))) => ("ok".to_string(), last_poll),
        Ok(Ok(Err(e))) => (format!("error: {e}"), None),
        Ok(Err(join)) => (format!("error: the check failed: {join}"), None),
        Err(_) => (
            format!("error: no answer within {}s", STORE_CHECK_TIMEOUT.as_secs()),
            None,
        ),
    };
    let status = if scheduler == "running" && store == "ok" {
        "ok"
    } else {
        "unavailable"
    };
    HealthReport {
        status,
        scheduler,
        store,
        last_poll,
    }
}

async fn healthz(State(state): State<Arc<ServerState>>) -> Response {
    let report = check(state).await;
    let code = if report.healthy() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    // A struct of strings always serializes.
    let body = serde_json::to_string(&report).unwrap_or_default();
    (code, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn metrics(State(state): State<Arc<ServerState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(),
    )
        .into_response()
}
