//! One harness for every integration test: the real app on port 0 against its own `mem://` database.
#![allow(dead_code)]

use agora::state::AppState;
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::net::SocketAddr;
use uuid::Uuid;

pub mod frames;
pub mod live;
pub mod store;

pub const ADMIN: &str = "root_admin";
pub const PASSWORD: &str = "correct horse battery";

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub struct TestApp {
    pub addr: SocketAddr,
    pub state: AppState,
}

/// Starts the app on a fresh in-memory database.
pub async fn spawn() -> TestApp {
    let db = agora::db::connect("mem://").await.expect("mem:// opens");
    spawn_on(db).await
}

/// Starts the app on an open database handle (two apps on one handle act as two nodes).
pub async fn spawn_on(db: agora::db::Db) -> TestApp {
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_test_writer()
        .with_env_filter(filter)
        .try_init();
    let options = leptos::prelude::get_configuration(None)
        .expect("leptos options")
        .leptos_options;
    let state = agora::start_on(db, vec![ADMIN.to_owned()], options)
        .await
        .expect("the app starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = agora::http::app(state.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    TestApp { addr, state }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A client with its own cookie jar (one browser).
    pub fn client(&self) -> Client {
        client_at(format!("http://{}", self.addr))
    }

    /// A signed-up client.
    pub async fn user(&self, handle: &str) -> Client {
        let client = self.client();
        let (status, body) = client.signup(handle).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        client
    }

    /// The admin client and a machine token it issued.
    pub async fn admin_with_token(&self, name: &str) -> (Client, String) {
        let admin = self.user(ADMIN).await;
        let (status, body) = admin
            .post("/api/admin/tokens", json!({ "name": name }))
            .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let token = body["token"].as_str().unwrap().to_owned();
        (admin, token)
    }

    /// A WebSocket to `path` as the machine client holding `token`.
    pub async fn bearer_socket(&self, path: &str, token: &str) -> Socket {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = format!("ws://{}{path}", self.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {token}").parse().unwrap());
        tokio_tungstenite::connect_async(request).await.unwrap().0
    }

    pub fn head(&self) -> u64 {
        self.state.store.head()
    }

    /// Many signed-up clients at once (sign-ups run concurrently).
    pub async fn users(&self, prefix: &str, count: usize) -> Vec<Client> {
        let handles: Vec<String> = (0..count).map(|n| format!("{prefix}{n}")).collect();
        futures::future::join_all(handles.iter().map(|handle| self.user(handle))).await
    }
}

#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    /// Its cookies, so a WebSocket can be opened as the same browser.
    pub jar: std::sync::Arc<reqwest::cookie::Jar>,
    pub base: String,
}

impl Client {
    /// The `Cookie` header this browser sends (its session), if any.
    pub fn cookies(&self) -> Option<String> {
        use reqwest::cookie::CookieStore;
        let url = self.base.parse().unwrap();
        self.jar
            .cookies(&url)
            .map(|value| value.to_str().unwrap().to_owned())
    }

    /// The row named `name` of an admin list (`/api/admin/projections`, `/api/admin/policies`).
    pub async fn admin_row(&self, list: &str, name: &str) -> Value {
        let (status, rows) = self.get(list).await;
        assert_eq!(status, StatusCode::OK, "{rows}");
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no {name} in {list}: {rows}"))
    }

    /// Rebuilds a projector from the first event (as an admin) and waits until it serves again.
    pub async fn rebuild(&self, projector: &str) {
        let path = format!("/api/admin/projections/{projector}/rebuild");
        let (status, body) = self.post(&path, json!(null)).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{projector}: {body}");
        self.wait_for_row("/api/admin/projections", projector, |row| {
            row["rebuild"]["finished"] == true
        })
        .await;
    }

    /// Polls that row until `done` holds (at most 10 s) and returns it.
    pub async fn wait_for_row(
        &self,
        list: &str,
        name: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        for _ in 0..200 {
            let row = self.admin_row(list, name).await;
            if done(&row) {
                return row;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!(
            "{name} never got there: {}",
            self.admin_row(list, name).await
        );
    }

    pub async fn signup(&self, handle: &str) -> (StatusCode, Value) {
        self.post("/api/auth/signup", json!({ "handle": handle, "password": PASSWORD, "display_name": handle.to_uppercase() }))
            .await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        answer(
            self.http
                .get(format!("{}{path}", self.base))
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// A GET with these headers (a machine client's bearer token).
    pub async fn get_with(&self, path: &str, headers: &[(&str, &str)]) -> (StatusCode, Value) {
        let mut request = self.http.get(format!("{}{path}", self.base));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await.unwrap()).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        answer(
            self.http
                .post(format!("{}{path}", self.base))
                .json(&body)
                .send()
                .await
                .unwrap(),
        )
        .await
    }

    /// Sends a raw body (for malformed input).
    pub async fn post_raw(
        &self,
        path: &str,
        body: &str,
        headers: &[(&str, &str)],
    ) -> (StatusCode, Value) {
        let mut request = self
            .http
            .post(format!("{}{path}", self.base))
            .body(body.to_owned());
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        answer(request.send().await.unwrap()).await
    }

    pub async fn command(&self, command_type: &str, payload: Value) -> (StatusCode, Value) {
        self.command_with(Uuid::now_v7(), command_type, payload, None)
            .await
    }

    pub async fn command_with(
        &self,
        command_id: Uuid,
        command_type: &str,
        payload: Value,
        expected_version: Option<u64>,
    ) -> (StatusCode, Value) {
        let mut body =
            json!({ "command_id": command_id, "type": command_type, "payload": payload });
        if let Some(version) = expected_version {
            body["expected_version"] = json!(version);
        }
        self.post("/api/commands", body).await
    }

    /// Runs a command that must succeed and answers its position.
    pub async fn act(&self, command_type: &str, payload: Value) -> u64 {
        let (status, body) = self.command(command_type, payload).await;
        assert_eq!(status, StatusCode::OK, "{command_type}: {body}");
        body["position"].as_u64().unwrap()
    }

    /// A query once its read model has reached `position` (read-your-writes).
    pub async fn read(&self, path: &str, position: u64) -> Value {
        let join = if path.contains('?') { '&' } else { '?' };
        let (status, body) = self
            .get(&format!("{path}{join}min_position={position}&wait_ms=5000"))
            .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(body["stale"], false, "{path}: {body}");
        body
    }

    /// Creates a post and answers its id and position.
    pub async fn post_text(&self, text: &str) -> (String, u64) {
        let body = self.create_post(text).await;
        (
            body["id"].as_str().unwrap().to_owned(),
            body["position"].as_u64().unwrap(),
        )
    }

    /// Creates a post from a whole payload (a reply, a chosen id) and returns the answer.
    pub async fn create_post_with(&self, payload: Value) -> Value {
        let (status, body) = self.command("CreatePost", payload).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// Creates a post and returns the command's answer.
    pub async fn create_post(&self, text: &str) -> Value {
        let (status, body) = self.command("CreatePost", json!({ "text": text })).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }
}

/// A client of the server at `base`, with its own cookie jar (one browser).
pub fn client_at(base: String) -> Client {
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let http = reqwest::Client::builder()
        .cookie_provider(jar.clone())
        .build()
        .unwrap();
    Client { http, jar, base }
}

/// The real `agora` binary serving a database, as an operator runs it (for what only a process
/// shows: a kill -9).
pub struct Process {
    child: tokio::process::Child,
    addr: SocketAddr,
}

impl Process {
    pub async fn start(db: &str) -> Process {
        let addr = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        Process::start_at(db, addr).await
    }

    /// On a given address: a server started again where its clients (and their cookies) are.
    /// `ADMIN` is its admin, as in the in-process harness.
    pub async fn start_at(db: &str, addr: SocketAddr) -> Process {
        let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_agora"))
            .args(["serve", "--db", db, "--addr", &addr.to_string()])
            .args(["--admin", ADMIN])
            .env("RUST_LOG", "warn")
            .kill_on_drop(true)
            .spawn()
            .expect("agora starts");
        let started = std::time::Instant::now();
        while tokio::net::TcpStream::connect(addr).await.is_err() {
            assert!(started.elapsed().as_secs() < 60, "agora did not listen");
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        Process { child, addr }
    }

    pub fn client(&self) -> Client {
        client_at(format!("http://{}", self.addr))
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// SIGKILL, as `kill -9`: no shutdown runs.
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }
}

async fn answer(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    (status, body)
}

/// Asserts the contract's error shape and code.
#[track_caller]
pub fn assert_error(status: StatusCode, body: &Value, expected: StatusCode, code: &str) {
    assert_eq!(status, expected, "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
}
