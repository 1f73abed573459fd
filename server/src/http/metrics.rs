//! `GET /metrics`: the store's head and each projector's and policy's position, lag, rate, errors and
//! parked events, in Prometheus' text format.

use crate::state::AppState;
use app::wire::ProjectionRow;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use std::fmt::Write;

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus' text format", content_type = "text/plain",
        body = String)))]
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
    let workers = [
        ("projector", state.projections.statuses(head)),
        ("policy", state.policies.statuses(head)),
    ];
    for (kind, statuses) in &workers {
        let rows = |value: &dyn Fn(&ProjectionRow) -> String| {
            statuses
                .iter()
                .map(|s| (format!("{{{kind}=\"{}\"}}", s.name), value(s)))
                .collect::<Vec<_>>()
        };
        let family = |what: &str| format!("agora_{kind}_{what}");
        gauge(
            &family("position"),
            &format!("Position a {kind} has reached."),
            "gauge",
            rows(&|s| s.position.to_string()),
        );
        gauge(
            &family("lag"),
            &format!("Events a {kind} is behind the head."),
            "gauge",
            rows(&|s| s.lag.to_string()),
        );
        gauge(
            &family("events_per_second"),
            &format!("Events a {kind} handled per second lately."),
            "gauge",
            rows(&|s| format!("{:.1}", s.events_per_s)),
        );
        gauge(
            &family("errors_total"),
            &format!("Failed tries of a {kind}."),
            "counter",
            rows(&|s| s.errors.to_string()),
        );
        gauge(
            &family("parked"),
            &format!("Events a {kind} parked."),
            "gauge",
            rows(&|s| s.parked.to_string()),
        );
    }
    let loads = state.bus.state_loads();
    gauge(
        "agora_state_loads_total",
        "Aggregate states the command bus decided on: from its memory, by reading the log, or guessed from an append still queued.",
        "counter",
        vec![
            ("{from=\"memory\"}".into(), loads.from_memory.to_string()),
            ("{from=\"log\"}".into(), loads.from_log.to_string()),
            ("{from=\"guess\"}".into(), loads.from_guess.to_string()),
        ],
    );
    crate::metrics::METRICS.render(&mut out);
    ([(CONTENT_TYPE, "text/plain; version=0.0.4")], out)
}
