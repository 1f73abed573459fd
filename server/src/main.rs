use agora::cli::Cli;
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,surrealdb=warn")))
        .init();
    let cli = Cli::parse();
    let Some(args) = cli.serve_args() else { return Ok(()) };
    let mut options = leptos::prelude::get_configuration(None)?.leptos_options;
    options.site_addr = args.addr;
    let state = agora::start(&args.db, args.admins, options).await?;
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    tracing::info!("Agora is listening on http://{}", listener.local_addr()?);
    axum::serve(listener, agora::http::app(state)).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let _ = tokio::signal::ctrl_c().await;
    tracing::info!("shutting down");
}
