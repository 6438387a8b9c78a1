//! The listener that may face the internet (`[server] public_listen`): one-click unsubscribe
//! and nothing else. `POST /unsubscribe?t=TOKEN` is what mail providers call (RFC 8058) and
//! what the page's button sends; `GET` only shows the page with that button, because link
//! scanners and previews fetch every URL in a message and must not unsubscribe anybody.
//!
//! Every answer is a small self-contained page that loads nothing and may not be framed; the
//! token is never logged and, through `Referrer-Policy`, never leaves in a Referer header.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, RawQuery, State};
use axum::http::{HeaderName, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;

use super::metrics::Metrics;
use crate::digest::render::escape;
use crate::store::{Store, Via};
use crate::unsubscribe::{Key, PATH, TokenError};

/// Bodies are a form field or two; anything bigger is not from a mail provider or our page.
const MAX_BODY_BYTES: usize = 1024;
/// The form field the page's button sends, telling a person's click from a provider's POST.
const CONFIRM_FIELD: &str = "confirm";

pub struct PublicState {
    pub key: Key,
    /// A read-write connection of its own; SQLite serializes it with the daemon's writer.
    pub store: Mutex<Store>,
    pub metrics: Arc<Metrics>,
}

/// Serves `/unsubscribe`, and the same under the path of `public_url` when it has one (a
/// reverse proxy may pass the prefix through or strip it).
pub fn router(state: Arc<PublicState>, public_url: &url::Url) -> Router {
    let route = get(page).post(unsubscribe);
    let mut router = Router::new().route(&format!("/{PATH}"), route.clone());
    let prefix = public_url.path().trim_end_matches('/');
    if !prefix.is_empty() {
        router = router.route(&format!("{prefix}/{PATH}"), route);
    }
    router
        .fallback(not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The subscription the token in the query names.
fn claim(state: &PublicState, query: Option<&str>) -> Result<i64, TokenError> {
    let token = query
        .into_iter()
        .flat_map(|q| url::form_urlencoded::parse(q.as_bytes()))
        .find(|(k, _)| k == "t")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    state
        .key
        .verify(&token, Utc::now())
        .map(|claim| claim.subscription_id)
}

/// The page that says why a link cannot be used.
fn refused(e: TokenError) -> Response {
    let (status, title) = match e {
        TokenError::Invalid => (StatusCode::BAD_REQUEST, "Link not valid"),
        TokenError::Expired => (StatusCode::GONE, "Link expired"),
    };
    html(
        status,
        title,
        &format!(
            "<p>{e}. Use the unsubscribe link in your most recent digest, or reply to it and ask \
             to be removed.</p>"
        ),
    )
}

async fn page(State(state): State<Arc<PublicState>>, RawQuery(query): RawQuery) -> Response {
    let id = match claim(&state, query.as_deref()) {
        Ok(id) => id,
        Err(e) => return refused(e),
    };
    let found = blocking(&state, move |store| store.subscription_email(id)).await;
    match found {
        Err(Unavailable) => unavailable(),
        Ok(None) => already_gone(),
        Ok(Some(email)) => {
            // The token goes back in the form's action, exactly as it came (already checked).
            let action = format!("?{}", query.as_deref().unwrap_or_default());
            html(
                StatusCode::OK,
                "Unsubscribe",
                &format!(
                    "<p>Stop sending govwatch digests to <strong>{}</strong>?</p>\
                     <form method=\"post\" action=\"{}\">\
                     <input type=\"hidden\" name=\"{CONFIRM_FIELD}\" value=\"1\">\
                     <button type=\"submit\">Unsubscribe</button></form>\
                     <p class=\"small\">Nothing changes until you press the button.</p>",
                    escape(&email),
                    escape(&action)
                ),
            )
        }
    }
}

async fn unsubscribe(
    State(state): State<Arc<PublicState>>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let id = match claim(&state, query.as_deref()) {
        Ok(id) => id,
        Err(e) => return refused(e),
    };
    let confirmed = url::form_urlencoded::parse(&body).any(|(k, _)| k == CONFIRM_FIELD);
    let via = if confirmed { Via::Page } else { Via::OneClick };
    let done = blocking(&state, move |store| store.unsubscribe(id, via, Utc::now())).await;
    match done {
        Err(Unavailable) => unavailable(),
        Ok(None) => already_gone(),
        Ok(Some(email)) => {
            state.metrics.unsubscribes.inc();
            tracing::info!(subscription = id, via = via.as_str(), "unsubscribed");
            html(
                StatusCode::OK,
                "Unsubscribed",
                &format!(
                    "<p><strong>{}</strong> will get no more govwatch digests.</p>",
                    escape(&email)
                ),
            )
        }
    }
}

fn already_gone() -> Response {
    html(
        StatusCode::OK,
        "Already unsubscribed",
        "<p>This address gets no govwatch digests: it was unsubscribed already.</p>",
    )
}

async fn not_found() -> Response {
    html(StatusCode::NOT_FOUND, "Not found", "<p>Nothing here.</p>")
}

/// A store call failed (logged); nothing was changed.
struct Unavailable;

/// Runs a store call off the async threads. A failure is logged, without the token, and
/// answered with [`unavailable`]: the mail provider or the person tries again.
async fn blocking<T: Send + 'static>(
    state: &Arc<PublicState>,
    call: impl FnOnce(&mut Store) -> Result<T, crate::store::StoreError> + Send + 'static,
) -> Result<T, Unavailable> {
    let state = Arc::clone(state);
    let result = tokio::task::spawn_blocking(move || {
        let mut store = state.store.lock().unwrap_or_else(|p| p.into_inner());
        call(&mut store)
    })
    .await;
    let error = match result {
        Ok(Ok(value)) => return Ok(value),
        Ok(Err(e)) => e.to_string(),
        Err(join) => join.to_string(),
    };
    tracing::error!(%error, "unsubscribe request failed");
    Err(Unavailable)
}

fn unavailable() -> Response {
    html(
        StatusCode::SERVICE_UNAVAILABLE,
        "Try again",
        "<p>Something went wrong on our side; nothing was changed. Please try again in a few \
         minutes.</p>",
    )
}

fn html(status: StatusCode, title: &str, body: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} · govwatch</title><style>\
         body{{font:16px/1.5 system-ui,sans-serif;margin:0;padding:2rem 1rem;color:#1a1a1a}}\
         main{{max-width:32rem;margin:0 auto}}h1{{font-size:1.4rem}}\
         button{{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:4px;\
         background:#1d4ed8;color:#fff;cursor:pointer}}.small{{color:#555;font-size:.9rem}}\
         </style></head><body><main><h1>{title}</h1>{body}</main></body></html>\n"
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; \
                 frame-ancestors 'none'; base-uri 'none'",
            ),
            (HeaderName::from_static("x-robots-tag"), "noindex"),
        ],
        page,
    )
        .into_response()
}
