//! `GET /metrics`: the store's head and each projector's position, lag, rate, errors and parked
//! events, in Prometheus' text format.

use crate::state::AppState;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use std::fmt::Write;

pub async fn prometheus(State(state): State<AppState>) -> impl IntoResponse {
    let head = state.store.head();
    let mut out = String::new();
    let mut gauge = |name: &str, help: &str, kind: &str, rows: Vec<(String, String)>| {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
        for (labels, value) in rows {
            let _ = writeln!(out, "{name}{labels} {value}");
        }
    };
    gauge(
        "agora_events_head",
        "Position of the last durable event.",
        "gauge",
        vec![(String::new(), head.to_string())],
    );
    let statuses = state.projections.statuses(head);
    let per_projector = |value: &dyn Fn(&app::wire::ProjectionRow) -> String| {
        statuses
            .iter()
            .map(|s| (format!("{{projector=\"{}\"}}", s.name), value(s)))
            .collect::<Vec<_>>()
    };
    gauge(
        "agora_projector_position",
        "Position a projector has reached.",
        "gauge",
        per_projector(&|s| s.position.to_string()),
    );
    gauge(
        "agora_projector_lag",
        "Events a projector is behind the head.",
        "gauge",
        per_projector(&|s| s.lag.to_string()),
    );
    gauge(
        "agora_projector_events_per_second",
        "Events a projector applied per second lately.",
        "gauge",
        per_projector(&|s| format!("{:.1}", s.events_per_s)),
    );
    gauge(
        "agora_projector_errors_total",
        "Failed tries of a projector's batches.",
        "counter",
        per_projector(&|s| s.errors.to_string()),
    );
    gauge(
        "agora_projector_parked",
        "Events a projector parked.",
        "gauge",
        per_projector(&|s| s.parked.to_string()),
    );
    crate::metrics::METRICS.render(&mut out);
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
