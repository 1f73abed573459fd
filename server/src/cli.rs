//! The `agora` command line. With no subcommand it serves (cargo-leptos starts it without arguments).

use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;

#[derive(Debug, Parser)]
#[command(
    name = "agora",
    version,
    about = "Agora: an event-sourced social network",
    args_conflicts_with_subcommands = true
)]
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
    /// Benchmarks that print numbers.
    #[command(subcommand)]
    Bench(Bench),
    /// Print the events after a position as NDJSON (one envelope a line) on standard output.
    Export {
        #[arg(long, env = "AGORA_DB", default_value = DEFAULT_DB)]
        db: String,
        #[arg(long, default_value_t = 0)]
        after: u64,
    },
    /// Append an NDJSON log (from `export`) read from a file or `-` (standard input). The whole file is
    /// checked first (order, versions, ids); a broken file is refused with its line number and
    /// nothing is written.
    Import {
        #[arg(long, env = "AGORA_DB", default_value = DEFAULT_DB)]
        db: String,
        file: String,
    },
    /// Rebuild a read model from the first event into a new generation of its tables, with a
    /// progress bar. Run it while the server is stopped (one process per SurrealKV folder).
    Rebuild {
        projector: String,
        #[arg(long, env = "AGORA_DB", default_value = DEFAULT_DB)]
        db: String,
    },
    /// The wallet's thank-you mailer, another system: reads the subscription `thankyou` from a
    /// running server with a machine token and writes one email per deposit into the outbox.
    Mailer {
        /// The server's base URL.
        #[arg(long, env = "AGORA_URL", default_value = "http://127.0.0.1:3000")]
        url: String,
        /// A machine token (`POST /api/admin/tokens`).
        #[arg(long, env = "AGORA_TOKEN")]
        token: String,
        /// The folder emails are written to, one file per deposit.
        #[arg(long, env = "AGORA_OUTBOX", default_value = "outbox")]
        outbox: std::path::PathBuf,
    },
    /// Administration.
    #[command(subcommand)]
    Admin(Admin),
    /// Fill a database with demo data through the real command path: people with a power-law follow
    /// graph, posts with replies, mentions and tags, likes and reposts (every password is
    /// `agora-demo`); then build every read model, with progress bars.
    Seed {
        #[arg(long, env = "AGORA_DB", default_value = DEFAULT_DB)]
        db: String,
        #[arg(long, default_value_t = 1000)]
        users: usize,
        #[arg(long, default_value_t = 10_000)]
        posts: usize,
    },
    /// Copy the whole log into a new, empty database with every event at its current schema (an old
    /// `UserRegistered` loses its password hash), check it event by event, and copy the credentials.
    /// Run it with the server stopped, then put the new database in the old one's place.
    RewriteLog {
        #[arg(long, env = "AGORA_DB", default_value = DEFAULT_DB)]
        db: String,
        /// The new database; it must hold no events.
        #[arg(long)]
        into: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum Admin {
    /// Make a registered user an admin (recorded as an AdminGranted event).
    Grant {
        handle: String,
        #[arg(long, env = "AGORA_DB", default_value = DEFAULT_DB)]
        db: String,
    },
}

const DEFAULT_DB: &str = "surrealkv://./data/agora";

#[derive(Debug, Subcommand)]
pub enum Bench {
    /// Transfers settled end to end at 32 and 256 in flight (uniform and one hot account) beside
    /// `bench append` at the same concurrency, then year-end statements from the log and precomputed.
    Wallet {
        #[arg(long, default_value = "surrealkv:///tmp/agora-bench")]
        db: String,
        #[arg(long, default_value_t = 1000)]
        accounts: usize,
        /// Transfers in each of the four runs (and commands in each append baseline).
        #[arg(long, default_value_t = 4000)]
        transfers: usize,
        #[arg(long)]
        json: bool,
    },
    /// Durable single-event commands at 1, 32 and 256 in flight, against the raw INSERT ceiling.
    Append {
        /// Where to create the benchmark's fresh databases (each run gets its own folder).
        #[arg(long, default_value = "surrealkv:///tmp/agora-bench")]
        db: String,
        /// Commands at 256 in flight (a quarter of that at 32, 300 at 1).
        #[arg(long, default_value_t = 20_000)]
        commands: usize,
        /// Seal no personal data (the cost of sealing is the difference from a run without it).
        #[arg(long)]
        plain: bool,
        /// Then run PostgreSQL's Message DB benchmark at this path (`../shared/peers/messagedb/run.sh`)
        /// and print the ratios per concurrency.
        #[arg(long, value_name = "RUN_SH")]
        vs_messagedb: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The time for an erasure to reach every read model of a person with many events.
    Erase {
        #[arg(long, default_value = "surrealkv:///tmp/agora-bench")]
        db: String,
        /// The person's posts.
        #[arg(long, default_value_t = 10_000)]
        events: usize,
        #[arg(long, default_value_t = 100)]
        followers: usize,
        #[arg(long)]
        json: bool,
    },
    /// A seeded social network over HTTP: p50/p99 of home, thread, tag, notifications and search at
    /// a fixed rate, of a server-rendered page, and the most-followed author's fan-out.
    Queries {
        #[arg(long, default_value = "surrealkv:///tmp/agora-bench")]
        db: String,
        #[arg(long, default_value_t = 10_000)]
        users: usize,
        #[arg(long, default_value_t = 200_000)]
        posts: usize,
        /// Requests a second of each kind.
        #[arg(long, default_value_t = 500)]
        rate: u64,
        /// Seconds of load of each kind.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long)]
        json: bool,
    },
    /// `/ws` fan-out at stepped post rates against a bare broadcast of the same frames, sockets cut
    /// and resumed, and idle sockets' memory (Agora runs as a child process).
    Live {
        #[arg(long, default_value = "surrealkv:///tmp/agora-bench")]
        db: String,
        /// Sockets on `public`.
        #[arg(long, default_value_t = 1000)]
        sockets: usize,
        /// Posts a second, one step each.
        #[arg(long, value_delimiter = ',', default_value = "100,200,500")]
        rates: Vec<u64>,
        /// Further steps for the ceiling alone (it goes past what the write side can post).
        #[arg(long, value_delimiter = ',', default_value = "1000,2000,4000")]
        ceiling_rates: Vec<u64>,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Idle sockets for the memory measure.
        #[arg(long, default_value_t = 10_000)]
        idle: usize,
        /// Posts made while every socket is cut (one resume each): within the hub's ring, past it.
        #[arg(long, value_delimiter = ',', default_value = "300,1500")]
        cut_posts: Vec<usize>,
        #[arg(long)]
        json: bool,
    },
    /// Live push shaped as a social network: a seeded network, some of its people on one socket
    /// each (home and notifications), acting at a rate (posts, replies, mentions, likes, follows);
    /// each change's latency from its command's answer, duplicates, order, and missed items.
    SocialLive {
        #[arg(long, default_value = "surrealkv:///tmp/agora-bench")]
        db: String,
        #[arg(long, default_value_t = 10_000)]
        users: usize,
        #[arg(long, default_value_t = 20_000)]
        posts: usize,
        /// People connected, one socket each.
        #[arg(long, default_value_t = 1000)]
        connected: usize,
        /// Commands a second.
        #[arg(long, default_value_t = 1000)]
        rate: u64,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// A folder an earlier run seeded with the same --users (left under --db): copied and used
        /// as it is instead of seeding again (a 10,000-person seed takes ~11 minutes).
        #[arg(long)]
        seeded: Option<std::path::PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// The bare broadcast `bench live` compares against (run by it as a child process).
    #[command(hide = true)]
    LiveCeiling {
        #[arg(long)]
        addr: std::net::SocketAddr,
    },
    /// Generate a realistic log, rebuild every read model from zero, against the raw read rate.
    Rebuild {
        #[arg(long, default_value = "surrealkv:///tmp/agora-bench")]
        db: String,
        #[arg(long, default_value_t = 1_000_000)]
        events: u64,
        /// Seal no personal data (the cost of sealing is the difference from a run without it).
        #[arg(long)]
        plain: bool,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "AGORA_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// The database: `surrealkv://PATH` (embedded, durable), `mem://` (embedded, gone at exit) or
    /// `ws://HOST:PORT` (a SurrealDB server; set AGORA_DB_USER and AGORA_DB_PASS to sign in as root).
    /// One SurrealKV folder can be opened by one process at a time.
    #[arg(long, env = "AGORA_DB", default_value = DEFAULT_DB)]
    pub db: String,

    /// Makes this handle an admin when it signs up or in (repeat for several, or comma-separate in
    /// AGORA_ADMINS). Meant for development, tests and the first set-up; the grant is recorded as an
    /// event, so it stays after the flag is gone.
    #[arg(long = "admin", env = "AGORA_ADMINS", value_delimiter = ',')]
    pub admins: Vec<String>,
}

impl Cli {
    /// The serve arguments, whether given after `serve` or alone.
    pub fn serve_args(&self) -> Option<ServeArgs> {
        match &self.command {
            None => Some(self.serve.clone()),
            Some(Command::Serve(args)) => Some(args.clone()),
            Some(_) => None,
        }
    }
}
