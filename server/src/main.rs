use agora::cli::{Admin, Bench, Cli, Command};
use clap::Parser;
use tracing_subscriber::EnvFilter;

/// SurrealDB allocates for every value it touches and frees across threads: mimalloc spends much
/// less of the CPU on that than glibc's malloc (see docs/benchmarks.md). `--features
/// system-allocator` builds with glibc's instead, which heap profilers (heaptrack) can follow.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("info,surrealdb=warn,surrealkv=warn")),
        )
        // Logs go to standard error: standard output carries `export`'s NDJSON.
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Bench(bench)) => return run_bench(bench).await,
        Some(Command::Export { db, after }) => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let count = agora::ops::export(&agora::ops::open(db).await?, *after, &mut out).await?;
            std::io::Write::flush(&mut out)?;
            eprintln!("exported {count} events");
            return Ok(());
        }
        Some(Command::Import { db, file }) => {
            let text = if file == "-" {
                std::io::read_to_string(std::io::stdin())?
            } else {
                std::fs::read_to_string(file)?
            };
            let count = agora::ops::import(&agora::ops::open(db).await?, &text).await?;
            eprintln!("imported {count} events");
            return Ok(());
        }
        Some(Command::Rebuild { projector, db }) => {
            let store = agora::ops::open(db).await?;
            agora::ops::rebuild(&store, projector, &mut std::io::stderr()).await?;
            return Ok(());
        }
        Some(Command::Seed { db, users, posts }) => {
            let size = agora::social::seed::Size {
                users: *users,
                posts: *posts,
            };
            let seeded = agora::ops::seed(db, size, &mut std::io::stderr()).await?;
            eprintln!("seeded {}", serde_json::to_string(&seeded)?);
            return Ok(());
        }
        Some(Command::RewriteLog { db, into }) => {
            let report = agora::ops::rewrite_log(db, into, &mut std::io::stderr()).await?;
            eprintln!(
                "copied {} events ({} rewritten) into {into}, checked event by event",
                report.events, report.lifted
            );
            return Ok(());
        }
        Some(Command::Mailer { url, token, outbox }) => {
            let mailer = agora::wallet::mailer::Mailer {
                url: url.clone(),
                token: token.clone(),
                outbox: outbox.clone(),
            };
            return mailer.run().await;
        }
        Some(Command::Admin(Admin::Grant { handle, db })) => {
            let position = agora::ops::grant_admin(&agora::ops::open(db).await?, handle).await?;
            eprintln!("@{handle} is an admin (position {position})");
            return Ok(());
        }
        _ => {}
    }
    let Some(args) = cli.serve_args() else {
        return Ok(());
    };
    let mut options = leptos::prelude::get_configuration(None)?.leptos_options;
    options.site_addr = args.addr;
    let state = agora::start(&args.db, args.admins, options).await?;
    let listener = agora::http::listen(args.addr)?;
    tracing::info!("Agora is listening on http://{}", listener.local_addr()?);
    axum::serve(listener, agora::http::app(state.clone()))
        .with_graceful_shutdown(shutdown())
        .await?;
    // Not needed for correctness (each batch commits with its checkpoint), but a clean stop.
    state.projections.stop().await;
    state.policies.save_positions().await;
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}

fn sealing(plain: bool) -> agora::bench::Sealing {
    if plain {
        agora::bench::Sealing::Plain
    } else {
        agora::bench::Sealing::Sealed
    }
}

async fn run_bench(bench: &Bench) -> anyhow::Result<()> {
    match bench {
        Bench::Rebuild {
            db,
            events,
            plain,
            json,
        } => {
            let report = agora::bench::rebuild::rebuild(db, *events, sealing(*plain)).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} events generated in {:.1} s",
                    report.events, report.generate_s
                );
                println!(
                    "raw read, position order: {:.0} events/s",
                    report.raw_read_events_per_s
                );
                println!(
                    "rebuild of every read model: {:.0} events/s",
                    report.rebuild_events_per_s
                );
                println!("rebuild / raw read: {:.0} %", report.ratio * 100.0);
                for projector in &report.per_projector {
                    println!(
                        "  {:>14} at the head after {:.1} s ({:.0} events/s)",
                        projector.name, projector.seconds, projector.events_per_s
                    );
                }
            }
            Ok(())
        }
        Bench::Queries {
            db,
            users,
            posts,
            rate,
            seconds,
            json,
        } => {
            let load = agora::bench::queries::Load {
                size: agora::social::seed::Size {
                    users: *users,
                    posts: *posts,
                },
                rate: *rate,
                seconds: *seconds,
            };
            let report = agora::bench::queries::queries(db, load).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "{} people, {} posts: seeded in {:.0} s, read models caught up in {:.0} s",
                    report.users, report.posts, report.seed_s, report.catch_up_s
                );
                for q in report.queries.iter().chain([&report.page]) {
                    println!(
                        "{:>14} at {}/s: p50 {:>6.2} ms  p99 {:>6.2} ms  ({} requests, {} errors); alone p50 {:.2} ms",
                        q.name, report.requests_per_s, q.p50_ms, q.p99_ms, q.requests, q.errors, q.alone_p50_ms
                    );
                }
                println!(
                    "fan-out: a post by the most-followed author ({} followers) in every home after {:.0} ms",
                    report.fanout_followers, report.fanout_ms
                );
            }
            Ok(())
        }
        Bench::Wallet {
            db,
            accounts,
            transfers,
            json,
        } => {
            let report = agora::bench::wallet::wallet(db, *accounts, *transfers).await?;
            match json {
                true => println!("{}", serde_json::to_string_pretty(&report)?),
                false => report.print(),
            }
            Ok(())
        }
        Bench::Live {
            db,
            sockets,
            rates,
            ceiling_rates,
            seconds,
            idle,
            cut_posts,
            json,
        } => {
            let args = agora::bench::live::LiveArgs {
                db: db.clone(),
                sockets: *sockets,
                rates: rates.clone(),
                ceiling_rates: ceiling_rates.clone(),
                seconds: *seconds,
                idle: *idle,
                cut_posts: cut_posts.clone(),
            };
            let report = agora::bench::live::live(args).await?;
            match json {
                true => println!("{}", serde_json::to_string_pretty(&report)?),
                false => report.print(),
            }
            Ok(())
        }
        Bench::SocialLive {
            db,
            users,
            posts,
            connected,
            rate,
            seconds,
            seeded,
            json,
        } => {
            let args = agora::bench::live::social::SocialArgs {
                db: db.clone(),
                users: *users,
                posts: *posts,
                connected: *connected,
                rate: *rate,
                seconds: *seconds,
                seeded: seeded.clone(),
            };
            let report = agora::bench::live::social::social_live(args).await?;
            match json {
                true => println!("{}", serde_json::to_string_pretty(&report)?),
                false => report.print(),
            }
            Ok(())
        }
        Bench::LiveCeiling { addr } => agora::bench::live::ceiling::serve(*addr).await,
        Bench::Erase {
            db,
            events,
            followers,
            json,
        } => {
            let report = agora::bench::erase::erase(db, *events, *followers).await?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!(
                    "erasing a person with {} events ({} followers, {} in the log):",
                    report.events_of_person, report.followers, report.events_in_log
                );
                println!("  answered after        {:>8.1} ms", report.answered_ms);
                println!("  every read model after {:>7.1} ms", report.read_models_ms);
                println!(
                    "  forgotten beside the log after {:.1} ms",
                    report.forgotten_ms
                );
            }
            Ok(())
        }
        Bench::Append {
            db,
            commands,
            plain,
            vs_messagedb,
            json,
        } => {
            let mut report = agora::bench::append::append(db, *commands, sealing(*plain)).await?;
            if let Some(script) = vs_messagedb {
                let versus = agora::bench::messagedb::compare(script, &report.runs).await?;
                report.vs_messagedb = Some(versus);
            }
            if *json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for run in &report.runs {
                    println!(
                        "{:>4} in flight: {:>8.0} events/s  p50 {:>6.2} ms  p99 {:>6.2} ms  ({} commands)",
                        run.in_flight, run.events_per_s, run.p50_ms, run.p99_ms, run.commands
                    );
                }
                for (n, trial) in report.trials.iter().enumerate() {
                    println!(
                        "trial {}: 256 in flight {:.0} events/s, ceiling {:.0} rows/s",
                        n + 1,
                        trial.events_per_s_at_256,
                        trial.ceiling_rows_per_s
                    );
                }
                println!(
                    "ceiling (raw INSERT, 256 rows/tx, median): {:.0} rows/s",
                    report.ceiling_rows_per_s
                );
                println!(
                    "256 in flight / ceiling (medians): {:.0} %",
                    report.ratio_at_256 * 100.0
                );
                for row in report.vs_messagedb.iter().flat_map(|v| &v.rows) {
                    println!(
                        "{:>4} in flight: Message DB {:>6.0}/s (p99 {:.1} ms), Agora / Message DB {:.2}x",
                        row.in_flight, row.messagedb_per_s, row.messagedb_p99_ms, row.ratio
                    );
                }
            }
            Ok(())
        }
    }
}
