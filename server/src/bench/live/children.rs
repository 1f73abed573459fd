//! The processes `bench live` measures: Agora itself and the bare-broadcast ceiling, each a child
//! of the benchmark (so its memory is its own, and the load generator is outside it).

use std::net::SocketAddr;
use std::process::Stdio;
use std::time::{Duration, Instant};

pub struct Child {
    process: tokio::process::Child,
    pub addr: SocketAddr,
}

impl Child {
    /// Starts this executable with `args` and `--addr` on a free port; answers once it listens.
    pub async fn start(args: &[&str], log: &str) -> anyhow::Result<Child> {
        let addr: SocketAddr = {
            let probe = std::net::TcpListener::bind("127.0.0.1:0")?;
            probe.local_addr()?
        };
        let log = std::fs::File::create(log)?;
        let process = tokio::process::Command::new(std::env::current_exe()?)
            .args(args)
            .arg("--addr")
            .arg(addr.to_string())
            // `AGORA_BENCH_CHILD_LOG` sets the child's `RUST_LOG`, to see inside a run.
            .env(
                "RUST_LOG",
                std::env::var("AGORA_BENCH_CHILD_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()?;
        let started = Instant::now();
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            if started.elapsed() > Duration::from_secs(300) {
                anyhow::bail!("{args:?} did not listen within 300 s");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(Child { process, addr })
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn ws(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// The process's resident anonymous memory (its heap and stacks, not the database files it
    /// maps), in KiB (Linux).
    pub fn rss_kib(&self) -> u64 {
        let Some(pid) = self.process.id() else {
            return 0;
        };
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        status
            .lines()
            .find_map(|line| line.strip_prefix("RssAnon:"))
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|kib| kib.parse().ok())
            .unwrap_or(0)
    }
}
