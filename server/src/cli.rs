//! The `agora` command line. With no subcommand it serves (cargo-leptos starts it without arguments).

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;

#[derive(Debug, Parser)]
#[command(name = "agora", version, about = "Agora: an event-sourced social network", args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub serve: ServeArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site, the API and the live socket (the default).
    Serve(ServeArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "AGORA_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// The database: `surrealkv://PATH` (embedded, durable), `mem://` (embedded, gone at exit) or
    /// `ws://HOST:PORT` (a SurrealDB server; set AGORA_DB_USER and AGORA_DB_PASS to sign in as root).
    /// One SurrealKV folder can be opened by one process at a time.
    #[arg(long, env = "AGORA_DB", default_value = "surrealkv://./data/agora")]
    pub db: String,

    /// Makes this handle an admin when it signs up or in (repeat for several, or comma-separate in
    /// AGORA_ADMINS). Meant for development, tests and the first set-up; the grant is recorded as an
    /// event, so it stays after the flag is gone.
    #[arg(long = "admin", env = "AGORA_ADMINS", value_delimiter = ',')]
    pub admins: Vec<String>,
}

impl Cli {
    /// The serve arguments, whether given after `serve` or alone.
    pub fn serve_args(self) -> Option<ServeArgs> {
        match self.command {
            None => Some(self.serve),
            Some(Command::Serve(args)) => Some(args),
        }
    }
}
