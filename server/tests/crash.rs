//! The real binary on `surrealkv://` under concurrent commands, killed with SIGKILL in the middle of
//! them and started again, several times. Afterwards: every answered command is in the log at the
//! positions it was answered with, and whole; positions run 1..N and each stream's versions 1..k;
//! a command sent again with its id answers its first answer (or, if it never landed, lands once);
//! and every social read model equals its rebuild from the log.

mod common;

use common::{client_at, Client, Process, ADMIN};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

const CYCLES: usize = 3;
const WRITERS: usize = 6;
/// How long the writers send before each kill.
const LOAD: Duration = Duration::from_millis(1500);

/// A command as sent: kept to send it again after the crash.
#[derive(Clone)]
struct Sent {
    command_id: Uuid,
    command_type: &'static str,
    payload: Value,
    writer: usize,
}

/// What the server answered to a command: where its events went.
struct Answered {
    sent: Sent,
    position: u64,
    events: Vec<Value>,
}

/// What one writer's load came to.
#[derive(Default)]
struct Load {
    answered: Vec<Answered>,
    /// Sent, and no answer came back (the kill): it may or may not be in the log.
    lost: Vec<Sent>,
}

async fn send(client: &Client, sent: &Sent) -> Result<(StatusCode, Value), reqwest::Error> {
    let body = json!({ "command_id": sent.command_id, "type": sent.command_type, "payload": sent.payload });
    let response = client
        .http
        .post(format!("{}/api/commands", client.base))
        .json(&body)
        .send()
        .await?;
    let status = response.status();
    Ok((status, response.json().await?))
}

fn handle(writer: usize) -> String {
    format!("crash{writer}")
}

/// The n-th command of a writer: posts (every other one a reply to its last post, each mentioning
/// the next writer and tagged), likes of its last post, and a follow of the next writer.
fn command(writer: usize, n: usize, last_post: Option<&str>) -> Sent {
    let next = handle((writer + 1) % WRITERS);
    let (command_type, payload) = match (n % 4, last_post) {
        (1, Some(post)) => ("LikePost", json!({ "post_id": post })),
        (3, _) => ("Follow", json!({ "handle": next })),
        (2, Some(post)) => (
            "CreatePost",
            json!({ "text": format!("reply {n} to @{next} #crash"), "reply_to": post }),
        ),
        _ => (
            "CreatePost",
            json!({ "text": format!("post {n} for @{next} #crash") }),
        ),
    };
    Sent {
        command_id: Uuid::now_v7(),
        command_type,
        payload,
        writer,
    }
}

/// One writer sending commands one after another until `stop`, or until the server is gone.
async fn write(client: Client, writer: usize, start: usize, stop: Arc<AtomicBool>) -> Load {
    let mut load = Load::default();
    let mut last_post: Option<String> = None;
    let mut n = start;
    while !stop.load(Ordering::SeqCst) {
        let sent = command(writer, n, last_post.as_deref());
        n += 1;
        match send(&client, &sent).await {
            Ok((StatusCode::OK, body)) => {
                if sent.command_type == "CreatePost" {
                    last_post = body["id"].as_str().map(str::to_owned);
                }
                load.answered.push(Answered {
                    sent,
                    position: body["position"].as_u64().unwrap(),
                    events: body["events"].as_array().unwrap().clone(),
                });
            }
            // A rule's refusal writes nothing and needs no check here (the API tests hold it).
            Ok((status, body)) if status.is_client_error() => {
                assert_ne!(body["error"]["code"], "internal", "{body}")
            }
            Ok((status, body)) => panic!("{status}: {body}"),
            Err(_) => {
                load.lost.push(sent);
                break;
            }
        }
    }
    load
}

/// The whole log, through the NDJSON export.
async fn log(admin: &Client) -> Vec<Value> {
    let mut events = vec![];
    loop {
        let after = events.len();
        let response = admin
            .http
            .get(format!(
                "{}/api/events?after={after}&limit=10000",
                admin.base
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let text = response.text().await.unwrap();
        let page: Vec<Value> = text
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        if page.is_empty() {
            return events;
        }
        events.extend(page);
    }
}

/// What the social queries answer, positions taken out (a rebuilt read model is at another).
async fn answers(readers: &[Client]) -> Vec<Value> {
    let mut all = vec![];
    for (writer, reader) in readers.iter().enumerate() {
        let me = handle(writer);
        for path in [
            "/api/timeline/public?limit=100".to_owned(),
            "/api/timeline/home?limit=100".to_owned(),
            "/api/notifications?limit=100".to_owned(),
            "/api/tags/crash?limit=100".to_owned(),
            format!("/api/users/{me}"),
            format!("/api/users/{me}/posts?limit=100"),
            format!("/api/users/{me}/followers?limit=100"),
        ] {
            let (status, mut body) = reader.get(&path).await;
            assert_eq!(status, StatusCode::OK, "{path}: {body}");
            let object = body.as_object_mut().unwrap();
            object.remove("position");
            object.remove("stale");
            all.push(json!({ "path": path, "body": body }));
        }
    }
    all
}

#[tokio::test]
async fn a_server_killed_under_load_keeps_every_answer_whole_and_where_it_was_given() {
    let dir = std::env::temp_dir().join(format!("agora-crash-{}", Uuid::now_v7()));
    let db = format!("surrealkv://{}", dir.display());
    let mut server = Process::start(&db).await;
    let addr = server.addr();
    let base = format!("http://{addr}");
    let writers: Vec<Client> = (0..WRITERS).map(|_| client_at(base.clone())).collect();
    for (writer, client) in writers.iter().enumerate() {
        let (status, body) = client.signup(&handle(writer)).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let admin = client_at(base.clone());
    let (status, body) = admin.signup(ADMIN).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");

    let mut answered = vec![];
    let mut lost = vec![];
    for cycle in 0..CYCLES {
        let stop = Arc::new(AtomicBool::new(false));
        let tasks: Vec<_> = writers
            .iter()
            .enumerate()
            .map(|(writer, client)| {
                let start = cycle * 1_000_000;
                tokio::spawn(write(client.clone(), writer, start, stop.clone()))
            })
            .collect();
        tokio::time::sleep(LOAD).await;
        server.kill().await;
        stop.store(true, Ordering::SeqCst);
        for task in tasks {
            let load = task.await.unwrap();
            answered.extend(load.answered);
            lost.extend(load.lost);
        }
        server = Process::start_at(&db, addr).await;
    }
    // The same people (their cookies), on connections of the new server.
    let writers: Vec<Client> = writers.iter().map(reconnected).collect();
    let admin = reconnected(&admin);
    assert!(
        answered.len() >= 30 * CYCLES,
        "too little load to mean anything: {}",
        answered.len()
    );

    // Positions 1..N; each stream's versions 1..k; each command's events consecutive.
    let events = log(&admin).await;
    let mut versions: BTreeMap<&str, u64> = BTreeMap::new();
    let mut by_command: HashMap<&str, Vec<&Value>> = HashMap::new();
    for (index, event) in events.iter().enumerate() {
        assert_eq!(event["position"], json!(index + 1), "a gap or a repeat");
        let version = versions
            .entry(event["stream"].as_str().unwrap())
            .or_default();
        *version += 1;
        assert_eq!(event["version"], json!(*version), "{event}");
        if let Some(id) = event["metadata"]["command_id"].as_str() {
            by_command.entry(id).or_default().push(event);
        }
    }
    // Every answer is in the log, whole, at the positions it named.
    let in_log = |id: Uuid| -> Vec<Value> {
        by_command
            .get(id.to_string().as_str())
            .map(|events| {
                events
                    .iter()
                    .map(|e| json!([e["position"], e["stream"], e["version"], e["type"]]))
                    .collect()
            })
            .unwrap_or_default()
    };
    let shape = |events: &[Value]| -> Vec<Value> {
        events
            .iter()
            .map(|e| json!([e["position"], e["stream"], e["version"], e["type"]]))
            .collect()
    };
    for answer in &answered {
        let logged = in_log(answer.sent.command_id);
        assert_eq!(
            logged,
            shape(&answer.events),
            "{}",
            answer.sent.command_type
        );
        // A command that changed nothing (a second follow) answers the head it ran at.
        if let Some(last) = logged.last() {
            assert_eq!(last[0], json!(answer.position));
        }
    }
    // Sent again with its id: an answered command answers what it answered first.
    for answer in answered.iter().step_by(7) {
        let (status, again) = send(&writers[answer.sent.writer], &answer.sent)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{again}");
        assert_eq!(again["duplicate"], true, "{again}");
        assert_eq!(again["position"], json!(answer.position));
    }
    // A command whose answer the kill swallowed lands at most once: as a duplicate of what the
    // log holds, or now, and then never again.
    for sent in &lost {
        let logged = in_log(sent.command_id);
        let (status, first) = send(&writers[sent.writer], sent).await.unwrap();
        if status != StatusCode::OK {
            assert!(logged.is_empty(), "refused now, yet in the log: {first}");
            continue;
        }
        let events = first["events"].as_array().unwrap();
        if logged.is_empty() {
            // Not in the log, or a no-op (a second follow) whose record the kill left behind.
            let noop = events.is_empty();
            assert!(noop || first["duplicate"] == false, "{first}");
        } else {
            assert_eq!(first["duplicate"], true, "{first}");
            assert_eq!(shape(events), logged);
        }
        let (_, again) = send(&writers[sent.writer], sent).await.unwrap();
        assert_eq!(again["duplicate"], true, "{again}");
        assert_eq!(again["position"], first["position"]);
    }

    // Every social read model equals its rebuild from the log.
    let head = log(&admin).await.len() as u64;
    for reader in &writers {
        reader.read("/api/timeline/home", head).await;
        reader.read("/api/notifications", head).await;
    }
    writers[0].read("/api/users/crash0", head).await;
    writers[0].read("/api/search?q=crash", head).await;
    let live = answers(&writers).await;
    for projector in ["timeline", "people", "home", "notifications", "search"] {
        admin.rebuild(projector).await;
    }
    let rebuilt = answers(&writers).await;
    assert_eq!(live.len(), rebuilt.len());
    for (live, rebuilt) in live.iter().zip(&rebuilt) {
        assert_eq!(live, rebuilt);
    }
    println!(
        "crash: {CYCLES} kills under {WRITERS} writers, {} commands answered, {} lost to a kill and sent again, {} events checked",
        answered.len(),
        lost.len(),
        head
    );
    server.kill().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// The same browser on new connections: the old ones went with the killed server.
fn reconnected(client: &Client) -> Client {
    let http = reqwest::Client::builder()
        .cookie_provider(client.jar.clone())
        .build()
        .unwrap();
    Client {
        http,
        jar: client.jar.clone(),
        base: client.base.clone(),
    }
}
