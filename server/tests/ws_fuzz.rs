//! Random and malformed frames at every WebSocket of the server (`/ws`, `/api/events/live`,
//! `/api/subscriptions/{name}`), from a fixed seed so a failure repeats: binary noise, text that is
//! not UTF-8, frames far over the limits, JSON nested deeper than any parser should follow, wrong
//! types, unknown ops and topics, control frames, floods. The real binary must answer with an error
//! frame or close with a code of RFC 6455 that says why, never fall over, not grow its memory with
//! each round, and keep every other socket's changes coming, in order.

mod common;

use common::frames::{describe, frame, Random};
use common::live::next_frame;
use common::{client_at, Client, Process, ADMIN};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Socket = common::Socket;

const SEED: u64 = 0x6167_6f72_6100_f022;
/// Sockets fuzzed at once, and frames each sends before it is done.
const SOCKETS: usize = 6;
const FRAMES: usize = 60;
/// Close codes a server may give a rule-breaking client (RFC 6455 §7.4.1): normal, going away,
/// protocol error, unsupported data, invalid payload (not UTF-8), policy violation, too big.
const ALLOWED_CLOSES: [u16; 7] = [1000, 1001, 1002, 1003, 1007, 1008, 1009];

/// The frame just sent, as a failure names it.
struct Sent {
    what: String,
    oversized: bool,
}

/// What the server did with a socket's frames.
#[derive(Default, Debug)]
struct Tally {
    sent: usize,
    errors: usize,
    closes: BTreeMap<u16, usize>,
    /// Sockets that ended without a close frame (the server must always say why).
    dropped: usize,
    /// Connections reset after a message over the limit: the server closes (1009) with the rest
    /// of it unread, and TCP may then reset the connection before the close frame is read.
    resets: usize,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.sent += other.sent;
        self.errors += other.errors;
        self.dropped += other.dropped;
        self.resets += other.resets;
        for (code, n) in other.closes {
            *self.closes.entry(code).or_default() += n;
        }
    }
}

async fn open(base: &str, path: &str, cookie: Option<&str>) -> Socket {
    let url = format!("{}{path}", base.replace("http://", "ws://"));
    let mut request = url.into_client_request().unwrap();
    if let Some(cookie) = cookie {
        request
            .headers_mut()
            .insert("cookie", cookie.parse().unwrap());
    }
    tokio_tungstenite::connect_async(request)
        .await
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .0
}

/// Reads what the server sent within `wait`; answers false once the socket is closed.
async fn drain(socket: &mut Socket, tally: &mut Tally, wait: Duration, after: &Sent) -> bool {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Err(_) => return true,
            Ok(Some(Ok(Message::Text(text)))) => {
                let frame: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
                    panic!("the server sent a frame that is not JSON ({e}): {text}")
                });
                if frame["op"] == "error" {
                    assert!(frame["code"].is_string(), "{frame}");
                    tally.errors += 1;
                }
            }
            Ok(Some(Ok(Message::Close(close)))) => {
                let code = close.map_or(1005, |c| u16::from(c.code));
                assert!(
                    ALLOWED_CLOSES.contains(&code),
                    "closed with {code} after {}",
                    after.what
                );
                *tally.closes.entry(code).or_default() += 1;
                return false;
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) if after.oversized => {
                tally.resets += 1;
                return false;
            }
            Ok(Some(Err(_)) | None) => {
                tally.dropped += 1;
                return false;
            }
        }
    }
}

/// One socket's share of the fuzz: opened again each time the server closes it.
async fn fuzz(base: String, path: String, cookie: Option<String>, seed: u64) -> Tally {
    let mut random = Random(seed);
    let mut tally = Tally::default();
    let mut socket = open(&base, &path, cookie.as_deref()).await;
    for _ in 0..FRAMES {
        let message = frame(&mut random);
        let sent = Sent {
            what: format!("{path}: {}", describe(&message)),
            oversized: message.len() > 64 * 1024,
        };
        tally.sent += 1;
        let open_still = socket.send(message).await.is_ok()
            && drain(&mut socket, &mut tally, Duration::from_millis(30), &sent).await;
        if !open_still {
            socket = open(&base, &path, cookie.as_deref()).await;
        }
    }
    let _ = socket.close(None).await;
    tally
}

/// A flood: frames as fast as the socket takes them, until the server closes it.
async fn flood(base: &str, cookie: Option<&str>) -> u16 {
    let mut socket = open(base, "/ws", cookie).await;
    let ping = json!({ "op": "ping" }).to_string();
    for _ in 0..500 {
        if socket
            .send(Message::Text(ping.clone().into()))
            .await
            .is_err()
        {
            break;
        }
    }
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Ok(Some(Ok(Message::Close(close)))) => return close.map_or(1005, |c| c.code.into()),
            Ok(Some(Ok(_))) => {}
            other => panic!("the flood was not closed: {other:?}"),
        }
    }
}

/// Messages of 1 MiB sent to each socket, one a connection: each is over every socket's limit.
const BIG_FRAMES: usize = 24;

/// Sends `count` messages of 1 MiB, reconnecting after each: the server must refuse each at its
/// header (1009), not read it into memory.
async fn big_frames(base: &str, path: &str, cookie: &str, count: usize) {
    let big = "y".repeat(1 << 20);
    for _ in 0..count {
        let mut socket = open(base, path, Some(cookie)).await;
        let _ = socket.send(Message::Text(big.clone().into())).await;
        while let Ok(Some(Ok(message))) =
            tokio::time::timeout(Duration::from_secs(5), socket.next()).await
        {
            if let Message::Close(close) = message {
                let code = close.map_or(1005, |c| u16::from(c.code));
                assert_eq!(code, 1009, "{path}");
                break;
            }
        }
    }
}

/// The server's resident memory, from the kernel.
fn resident_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

/// Every public post change a calm socket receives until `count` arrived.
async fn public_posts(socket: &mut Socket, count: usize) -> Vec<Value> {
    let mut posts = vec![];
    while posts.len() < count {
        let frame = next_frame(socket).await;
        if frame["op"] == "change" && frame["kind"] == "upsert" {
            posts.push(frame["data"]["id"].clone());
        }
    }
    posts
}

async fn round(base: &str, cookie: &str, seed: u64, subscription: &str) -> Tally {
    let paths = [
        "/ws",
        "/ws",
        "/ws",
        "/api/events/live?after=0",
        subscription,
        "/ws",
    ];
    let tasks: Vec<_> = (0..SOCKETS)
        .map(|n| {
            let path = paths[n % paths.len()].to_owned();
            // Half of the /ws sockets are signed in, half anonymous; the sources need the admin.
            let cookie = (n % 2 == 0 || !path.starts_with("/ws")).then(|| cookie.to_owned());
            tokio::spawn(fuzz(base.to_owned(), path, cookie, seed + n as u64))
        })
        .collect();
    let mut tally = Tally::default();
    for task in tasks {
        tally.add(task.await.unwrap());
    }
    tally
}

#[tokio::test]
async fn hostile_frames_at_every_socket_are_answered_or_closed_and_hurt_no_one_else() {
    let dir = std::env::temp_dir().join(format!("agora-fuzz-{}", uuid::Uuid::now_v7()));
    let server = Process::start(&format!("surrealkv://{}", dir.display())).await;
    let base = format!("http://{}", server.addr());
    let admin = client_at(base.clone());
    assert_eq!(admin.signup(ADMIN).await.0, reqwest::StatusCode::CREATED);
    let writer = client_at(base.clone());
    assert_eq!(writer.signup("calm").await.0, reqwest::StatusCode::CREATED);
    let cookie = admin.cookies().unwrap();
    let subscription = "/api/subscriptions/fuzzed?ack_timeout_ms=100";

    // A calm socket on the public timeline, and the posts made while the fuzz runs.
    let mut calm = open(&base, "/ws", None).await;
    calm.send(Message::Text(
        json!({ "op": "subscribe", "topic": "public" })
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    while next_frame(&mut calm).await["op"] != "subscribed" {}
    let posting = tokio::spawn(post_during(writer, 30));

    let mut tally = round(&base, &cookie, SEED, subscription).await;
    let after_first = resident_kib(server.pid());
    for n in 1..=2 {
        tally.add(round(&base, &cookie, SEED + 1000 * n, subscription).await);
    }
    for path in ["/ws", "/api/events/live?after=0", subscription] {
        big_frames(&base, path, &cookie, BIG_FRAMES).await;
    }
    let after_third = resident_kib(server.pid());
    let flood_close = flood(&base, None).await;
    let posted = posting.await.unwrap();

    assert_eq!(flood_close, 1008, "a flood is a policy violation");
    assert_eq!(
        public_posts(&mut calm, posted.len()).await,
        posted,
        "every change, in order"
    );
    let (status, _) = admin.get("/healthz").await;
    assert_eq!(status, reqwest::StatusCode::OK, "the server still serves");
    assert!(tally.errors > 0, "{tally:?}");
    // Text that is not UTF-8 closes with 1007, a message over the limit with 1009: each close
    // says why, and none is a bare drop.
    let codes: Vec<u16> = tally.closes.keys().copied().collect();
    assert_eq!(codes, [1007, 1009], "{tally:?}");
    assert_eq!(tally.dropped, 0, "{tally:?}");
    // The first round grows the heap to its working size; more rounds, and 3 × 24 messages of
    // 1 MiB that must never be buffered, must not keep growing it.
    let growth = after_third.saturating_sub(after_first);
    assert!(
        growth < 32 * 1024,
        "memory grew {growth} KiB over two more rounds"
    );
    println!(
        "fuzz: {} frames a round from {} sockets, 3 rounds: {} error frames, closes {:?}, {} dropped; resident {} → {} KiB",
        tally.sent / 3,
        SOCKETS,
        tally.errors,
        tally.closes,
        tally.dropped,
        after_first,
        after_third
    );
    server.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Posts `count` times while the fuzz runs; answers the post ids newest last.
async fn post_during(writer: Client, count: usize) -> Vec<Value> {
    let mut ids = vec![];
    for n in 0..count {
        let body = writer.create_post(&format!("calm post {n}")).await;
        ids.push(body["id"].clone());
        tokio::time::sleep(Duration::from_millis(40)).await;
    }
    ids
}
