//! Hostile WebSocket frames from a seed (`tests/ws_fuzz.rs`): the same frames every run, so a
//! failure repeats.

use serde_json::json;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::Message;

/// splitmix64: a fixed seed gives the same frames every run.
pub struct Random(pub u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    /// Below `max` random bytes.
    fn noise(&mut self, max: u64) -> Vec<u8> {
        let len = self.below(max) as usize;
        self.bytes(len)
    }

    fn pick<'a>(&mut self, options: &[&'a str]) -> &'a str {
        options[self.below(options.len() as u64) as usize]
    }
}

/// One frame of the fuzz: every kind of thing a broken or hostile client sends.
pub fn frame(random: &mut Random) -> Message {
    let topics = [
        "public",
        "home",
        "notifications",
        "user:",
        "user:crash",
        "post:",
        "post:0",
        "tag:",
        "tag:x",
        "wallet",
        "admin:events",
        "",
        "\u{0}",
        "🙂",
        "public ",
    ];
    let ops = ["subscribe", "unsubscribe", "ping", "dance", "", "SUBSCRIBE"];
    match random.below(12) {
        0 => Message::Binary(random.noise(2048).into()),
        1 => {
            // Text that is not UTF-8: a raw frame, since a `Message::Text` cannot hold it.
            let mut payload = random.noise(64);
            payload.push(0xff);
            Message::Frame(Frame::message(payload, OpCode::Data(Data::Text), true))
        }
        2 => {
            let len = 4097 + random.below(200_000) as usize;
            Message::Text("x".repeat(len).into())
        }
        3 => {
            let depth = 200 + random.below(1800) as usize;
            Message::Text(format!("{}{}", "[".repeat(depth), "]".repeat(depth)).into())
        }
        4 => {
            let depth = 100 + random.below(500) as usize;
            let nested = format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth));
            Message::Text(format!("{{\"op\":\"subscribe\",\"topic\":{nested}}}").into())
        }
        5 => {
            let wrong = [
                json!({ "op": 5 }),
                json!({ "op": "subscribe", "topic": 12 }),
                json!({ "op": "subscribe", "topic": "public", "after": "x" }),
                json!({ "op": "subscribe", "topic": "public", "after": -1 }),
                json!({ "op": "subscribe", "topic": "public", "after": 1e300 }),
                json!({ "op": "ack", "position": "soon" }),
                json!({ "op": "nack" }),
                json!(null),
                json!([]),
                json!("subscribe"),
            ];
            Message::Text(
                wrong[random.below(wrong.len() as u64) as usize]
                    .to_string()
                    .into(),
            )
        }
        6 | 7 => {
            let frame = json!({
                "op": random.pick(&ops),
                "topic": random.pick(&topics),
                "after": random.below(1 << 20),
            });
            Message::Text(frame.to_string().into())
        }
        8 => Message::Ping(random.noise(126).into()),
        9 => Message::Pong(random.noise(64).into()),
        10 => Message::Text(
            String::from_utf8_lossy(&random.bytes(64))
                .into_owned()
                .into(),
        ),
        _ => Message::Text(
            json!({ "op": "ack", "position": random.below(1000) })
                .to_string()
                .into(),
        ),
    }
}

/// A frame in a line, for a failure's message.
pub fn describe(message: &Message) -> String {
    match message {
        Message::Text(text) => format!("text of {} bytes: {:.60}", text.len(), text.as_str()),
        Message::Binary(bytes) => format!("binary of {} bytes", bytes.len()),
        Message::Frame(_) => "text that is not UTF-8".into(),
        other => format!("{other:?}"),
    }
}
