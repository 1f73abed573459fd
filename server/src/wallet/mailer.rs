//! `agora mailer`: the thank-you handler, another system beside the server. It reads the named
//! subscription `thankyou` over the store's subscription socket (`GET /api/subscriptions/{name}`
//! with a machine token), writes one email per deposit into a person's account and acknowledges.
//!
//! An email is a file named after the deposit's event id, written to a temporary name and renamed
//! into place, so a redelivery (a crash after writing, before the acknowledgement reached the
//! server) overwrites the same file instead of sending a second email; the acknowledgement is sent
//! only once the file is in place, so a crash before it means the event comes again.

use crate::aggregate::decode;
use crate::wallet::domain::{Event, FUND};
use anyhow::Context;
use app::wire::Envelope;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

/// The subscription the mailer reads.
pub const SUBSCRIPTION: &str = "thankyou";

pub struct Mailer {
    /// The server's base URL (`http://host:port`).
    pub url: String,
    pub token: String,
    pub outbox: PathBuf,
}

/// The email a deposit deserves, if it deserves one: deposits into a person's account, not the
/// fund's bonus.
pub fn email_for(event: &Envelope) -> anyhow::Result<Option<String>> {
    let Some(Event::MoneyDeposited {
        handle,
        amount,
        balance,
        bonus_for: None,
        ..
    }) = decode::<Event>(event)?
    else {
        return Ok(None);
    };
    if handle == FUND {
        return Ok(None);
    }
    Ok(Some(format!(
        "To: @{handle}\nSubject: Thank you for your top-up\nMessage-Id: <{id}@agora>\n\n\
         Thank you, @{handle}: {amount} coins arrived in your wallet on {at}.\n\
         Your balance is now {balance} coins.\n",
        id = event.event_id,
        at = event.metadata.at,
    )))
}

impl Mailer {
    /// Runs until stopped: connects, mails, acknowledges, and reconnects with backoff when the
    /// connection drops.
    pub async fn run(&self) -> anyhow::Result<()> {
        tokio::fs::create_dir_all(&self.outbox)
            .await
            .with_context(|| format!("creating {}", self.outbox.display()))?;
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.session().await {
                Ok(()) => backoff = Duration::from_millis(200),
                Err(error) => tracing::warn!(error = format!("{error:#}"), "mailer disconnected"),
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_secs(10));
        }
    }

    /// One connection: every event frame is mailed (when it is a deposit) and acknowledged.
    async fn session(&self) -> anyhow::Result<()> {
        let base = self.url.trim_end_matches('/');
        let socket_url = match base.split_once("://") {
            Some(("https", rest)) => format!("wss://{rest}"),
            Some((_, rest)) => format!("ws://{rest}"),
            None => format!("ws://{base}"),
        };
        let mut request =
            format!("{socket_url}/api/subscriptions/{SUBSCRIPTION}").into_client_request()?;
        request
            .headers_mut()
            .insert("authorization", format!("Bearer {}", self.token).parse()?);
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        tracing::info!(subscription = SUBSCRIPTION, "mailer connected");
        let (mut sink, mut stream) = socket.split();
        while let Some(message) = stream.next().await {
            let Message::Text(text) = message? else {
                continue;
            };
            let frame: Value = serde_json::from_str(text.as_str())?;
            if frame["op"] != "event" {
                continue;
            }
            let position = frame["event"]["position"].as_u64().unwrap_or(0);
            let email = serde_json::from_value::<Envelope>(frame["event"].clone())
                .map_err(anyhow::Error::from)
                .and_then(|event| Ok((email_for(&event)?, event)));
            let answer = match email {
                // An event this mailer cannot read is refused: after a few nacks the server
                // parks it for an operator, instead of sending it again for ever.
                Err(error) => {
                    json!({ "op": "nack", "position": position, "error": format!("{error:#}") })
                }
                Ok((None, _)) => json!({ "op": "ack", "position": position }),
                // A failed write ends the session before anything later is acknowledged (an
                // acknowledgement covers every position below it): the server sends this event
                // again when the mailer reconnects.
                Ok((Some(email), event)) => {
                    write_once(&self.outbox, &format!("{}.eml", event.event_id), &email)
                        .await
                        .with_context(|| format!("writing the email of position {position}"))?;
                    json!({ "op": "ack", "position": position })
                }
            };
            sink.send(Message::Text(answer.to_string().into())).await?;
        }
        Ok(())
    }
}

/// Writes `name` in `dir` whole or not at all: a temporary file, synced, renamed into place.
async fn write_once(dir: &Path, name: &str, text: &str) -> anyhow::Result<()> {
    use tokio::io::AsyncWriteExt;
    let (temporary, path) = (dir.join(format!(".{name}.tmp")), dir.join(name));
    let mut file = tokio::fs::File::create(&temporary).await?;
    file.write_all(text.as_bytes()).await?;
    file.sync_all().await?;
    tokio::fs::rename(&temporary, &path).await?;
    // The rename is durable only once the folder is: before that, a power cut could undo it after
    // the acknowledgement went out.
    tokio::fs::File::open(dir).await?.sync_all().await?;
    Ok(())
}
