//! The projector dashboard: position, head, lag, events/s, errors and parked events (with a retry
//! button) per projector, the same for policies and subscriptions, and a chart of events/s and lag
//! over the last two minutes. The projectors' rows are pushed (`admin:projections`, each change of
//! a row as an upsert); policies and subscriptions have no topic and are read every few seconds.

use crate::components::admin::AdminGate;
use crate::components::connection::{Connection, ConnectionBadge};
use crate::wire::{ProjectionRow, SubscriptionRow};
use leptos::prelude::*;
use std::collections::{HashMap, VecDeque};

/// Samples kept per projector (one a second).
const HISTORY: usize = 120;

#[component]
pub fn AdminProjectionsPage() -> impl IntoView {
    view! { <AdminGate><Dashboard/></AdminGate> }
}

/// What the dashboard shows, for the tasks that keep it current.
#[derive(Clone, Copy)]
struct Tables {
    rows: RwSignal<Vec<ProjectionRow>>,
    policies: RwSignal<Vec<ProjectionRow>>,
    subscriptions: RwSignal<Vec<SubscriptionRow>>,
    history: RwSignal<HashMap<String, VecDeque<(f64, u64)>>>,
    error: RwSignal<Option<String>>,
}

#[component]
fn Dashboard() -> impl IntoView {
    let tables = Tables {
        rows: RwSignal::new(Vec::new()),
        policies: RwSignal::new(Vec::new()),
        subscriptions: RwSignal::new(Vec::new()),
        history: RwSignal::new(HashMap::new()),
        error: RwSignal::new(None),
    };
    let Tables {
        rows,
        policies,
        subscriptions,
        history,
        error,
    } = tables;
    let connection = RwSignal::new(Connection::Connecting);
    Effect::new(move |_| {
        #[cfg(feature = "hydrate")]
        tables.keep_current(connection);
        #[cfg(not(feature = "hydrate"))]
        let _ = (tables, connection);
    });
    let charts = move || history.get().into_iter().collect::<Vec<_>>();
    view! {
        <section class="projectors">
            <h2>"Projectors"</h2>
            <div class="tail-bar"><ConnectionBadge connection/></div>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <table class="projector-table">
                <thead><tr>
                    <th>"Projector"</th><th>"Status"</th><th>"Position"</th><th>"Head"</th><th>"Lag"</th>
                    <th>"Events/s"</th><th>"Errors"</th><th>"Parked"</th><th></th>
                </tr></thead>
                <tbody>
                    <For each=move || rows.get() key=|row| format!("{row:?}") let:row>
                        <ProjectorRow row/>
                    </For>
                </tbody>
            </table>
            <h2>"Policies"</h2>
            <table class="policy-table">
                <thead><tr>
                    <th>"Policy"</th><th>"Status"</th><th>"Position"</th><th>"Lag"</th><th>"Errors"</th><th>"Parked"</th><th></th>
                </tr></thead>
                <tbody>
                    <For each=move || policies.get() key=|row| format!("{row:?}") let:row>
                        <PolicyRow row/>
                    </For>
                </tbody>
            </table>
            <h2>"Subscriptions"</h2>
            <table class="subscription-table">
                <thead><tr><th>"Subscription"</th><th>"Acknowledged"</th><th>"Head"</th><th>"Lag"</th><th>"Parked"</th><th></th></tr></thead>
                <tbody>
                    <For each=move || subscriptions.get() key=|row| format!("{row:?}") let:row>
                        <tr>
                            <td>{row.name.clone()}</td>
                            <td>{row.acked}</td>
                            <td>{row.head}</td>
                            <td>{row.lag}</td>
                            <td>{row.parked}</td>
                            <td>
                                {(row.parked > 0).then(|| {
                                    let url = format!("/api/admin/subscriptions/{}/parked/retry", row.name);
                                    view! { <button type="button" on:click=move |_| post_action(url.clone())>"Retry parked"</button> }
                                })}
                            </td>
                        </tr>
                    </For>
                </tbody>
            </table>
            <For each=charts key=|(name, samples)| (name.clone(), samples.len(), samples.back().map(|s| s.1)) let:entry>
                <Chart name=entry.0 samples=entry.1/>
            </For>
        </section>
    }
}

#[component]
fn ProjectorRow(row: ProjectionRow) -> impl IntoView {
    let retried = RwSignal::new(false);
    let name = row.name.clone();
    let retry = move |_| {
        retried.set(true);
        post_action(format!("/api/admin/projections/{name}/parked/retry"));
    };
    let name = row.name.clone();
    let rebuild = move |_| post_action(format!("/api/admin/projections/{name}/rebuild"));
    let rebuilding = row.rebuild.as_ref().is_some_and(|p| !p.finished);
    let progress = row.rebuild.clone();
    view! {
        <tr>
            <td>{row.name.clone()}</td>
            <td><span class="pill" data-state=row.status.clone()>{row.status.replace('_', " ")}</span></td>
            <td>{row.position}</td>
            <td>{row.head}</td>
            <td>{row.lag}</td>
            <td>{format!("{:.1}", row.events_per_s)}</td>
            <td title=row.last_error.clone().unwrap_or_default()>{row.errors}</td>
            <td>{row.parked}</td>
            <td class="actions">
                {(row.parked > 0).then(|| view! {
                    <button type="button" on:click=retry disabled=move || retried.get()>"Retry parked"</button>
                })}
                <button type="button" class="secondary" on:click=rebuild disabled=rebuilding>"Rebuild"</button>
            </td>
        </tr>
        {progress.map(|p| {
            let label = if p.finished {
                format!("Rebuilt generation {}: {} events", p.generation, p.done)
            } else {
                format!("Rebuilding generation {}: {} of {} events, {:.0}/s, about {:.0} s left", p.generation, p.done, p.total, p.events_per_s, p.eta_s)
            };
            view! {
                <tr class="rebuild-row">
                    <td colspan="9">
                        <progress max=p.total.max(1).to_string() value=p.done.to_string() aria-label="Rebuild progress"></progress>
                        " "<span class="rebuild-label">{label}</span>
                    </td>
                </tr>
            }
        })}
    }
}

/// A policy: where it is, what failed, and its parked events with a retry button.
#[component]
fn PolicyRow(row: ProjectionRow) -> impl IntoView {
    let retried = RwSignal::new(false);
    let url = format!("/api/admin/policies/{}/parked/retry", row.name);
    let retry = move |_| {
        retried.set(true);
        post_action(url.clone());
    };
    view! {
        <tr>
            <td>{row.name.clone()}</td>
            <td><span class="pill" data-state=row.status.clone()>{row.status.replace('_', " ")}</span></td>
            <td>{row.position}</td>
            <td>{row.lag}</td>
            <td title=row.last_error.clone().unwrap_or_default()>{row.errors}</td>
            <td>{row.parked}</td>
            <td class="actions">
                {(row.parked > 0).then(|| view! {
                    <button type="button" on:click=retry disabled=move || retried.get()>"Retry parked"</button>
                })}
            </td>
        </tr>
    }
}

/// Events/s (solid) and lag (dashed) over the kept samples, each scaled to its own maximum.
#[component]
fn Chart(name: String, samples: VecDeque<(f64, u64)>) -> impl IntoView {
    let (width, height) = (600.0, 120.0);
    let max_rate = samples.iter().map(|s| s.0).fold(1.0, f64::max);
    let max_lag = samples.iter().map(|s| s.1).max().unwrap_or(0).max(1) as f64;
    let line = |value: &dyn Fn(&(f64, u64)) -> f64, max: f64| {
        samples
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let x = i as f64 * width / (HISTORY - 1) as f64;
                let y = height - value(s) / max * (height - 8.0) - 4.0;
                format!("{x:.1},{y:.1}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    };
    let rate = line(&|s| s.0, max_rate);
    let lag = line(&|s| s.1 as f64, max_lag);
    view! {
        <figure class="chart">
            <figcaption>
                {format!("{name}: events/s (max {max_rate:.0})")}
                <span class="legend-lag">{format!(" · lag (max {max_lag:.0})")}</span>
            </figcaption>
            <svg viewBox=format!("0 0 {width} {height}") role="img" aria-label=format!("{name} events per second and lag")>
                <rect x="0" y="0" width=width height=height class="chart-bg"/>
                <polyline points=rate class="chart-rate"/>
                <polyline points=lag class="chart-lag"/>
            </svg>
        </figure>
    }
}

/// Sends an admin action (202 answers); the live topic (or the next read) shows its effect.
fn post_action(url: String) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        let _ = crate::client::post::<_, ()>(&url, &()).await;
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

#[cfg(feature = "hydrate")]
impl Tables {
    /// For as long as the page lives: the projectors' rows read once and then pushed (read again
    /// on a resync), a chart sample each second; policies and subscriptions are pushed on the same topic.
    fn keep_current(self, connection: RwSignal<Connection>) {
        use crate::wire::{ChangeKind, ServerFrame};
        use std::time::Duration;
        leptos::task::spawn_local(self.read_projectors());
        crate::client::follow_states("admin:projections".to_owned(), connection, move |frame| {
            match frame {
                ServerFrame::Change {
                    kind: ChangeKind::Upsert,
                    data,
                    ..
                } => {
                    if let Ok(row) = serde_json::from_value::<ProjectionRow>(data.clone()) {
                        self.put(row);
                    } else if let Ok(row) = serde_json::from_value::<SubscriptionRow>(data) {
                        self.put_subscription(row);
                    }
                }
                ServerFrame::Resync { .. } => {
                    leptos::task::spawn_local(self.read_projectors());
                    leptos::task::spawn_local(self.read_others());
                }
                _ => {}
            }
        });
        leptos::task::spawn_local(self.read_others());
        crate::client::every(Duration::from_secs(1), move || self.sample());
    }

    /// A pushed subscription row replaces the one of the same name.
    fn put_subscription(self, row: SubscriptionRow) {
        self.subscriptions
            .update(|rows| match rows.iter_mut().find(|r| r.name == row.name) {
                Some(known) => *known = row,
                None => rows.push(row),
            });
    }

    async fn read_projectors(self) {
        match crate::client::get::<Vec<ProjectionRow>>("/api/admin/projections").await {
            Ok(now) => {
                self.rows.set(now);
                self.error.set(None);
            }
            Err(failure) => self.error.set(Some(failure.message)),
        }
    }

    async fn read_others(self) {
        if let Ok(now) = crate::client::get::<Vec<ProjectionRow>>("/api/admin/policies").await {
            self.policies.set(now);
        }
        let url = "/api/admin/subscriptions";
        if let Ok(now) = crate::client::get::<Vec<SubscriptionRow>>(url).await {
            self.subscriptions.set(now);
        }
    }

    /// A pushed row replaces the projector's (or policy's) row of the same name; a name not seen
    /// yet is a projector the first read did not list.
    fn put(self, row: ProjectionRow) {
        let replace = |list: RwSignal<Vec<ProjectionRow>>, row: &ProjectionRow| {
            list.try_update(|list| match list.iter_mut().find(|r| r.name == row.name) {
                Some(known) => {
                    *known = row.clone();
                    true
                }
                None => false,
            })
            .unwrap_or(true)
        };
        if !replace(self.rows, &row) && !replace(self.policies, &row) {
            self.rows.update(|rows| rows.push(row));
        }
    }

    /// One chart sample per projector of what its row says now.
    fn sample(self) {
        let Some(now) = self.rows.try_get_untracked() else {
            return;
        };
        self.history.update(|history| {
            for row in &now {
                let samples = history.entry(row.name.clone()).or_default();
                samples.push_back((row.events_per_s, row.lag));
                if samples.len() > HISTORY {
                    samples.pop_front();
                }
            }
        });
    }
}
