//! The key store of crypto-shredding: one AES-256 key per person (a *subject*), kept outside the
//! log in `person_key`, so that forgetting a person is destroying one small row while the log stays
//! whole. A subject's key is created (durably, before the first event sealed with it is appended)
//! the first time they write personal data; erasure replaces it with a tombstone, which also refuses
//! any later key for that subject. Keys are cached in memory: a rebuild opens thousands of events
//! per person and reads each key once.
//!
//! One node's cache learns of an erasure at once; other nodes on the same database keep a key they
//! had read until they restart (docs/privacy.md).

use super::StoreError;
use crate::db::{self, Db};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::RwLock;
use tokio::sync::{broadcast, Mutex};

pub(super) const SCHEMA: &str = "DEFINE TABLE IF NOT EXISTS person_key SCHEMALESS;";

pub type KeyBytes = [u8; 32];

/// What the vault knows of one subject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    Live(KeyBytes),
    /// Erased: the key is gone, and stays gone.
    Erased,
    /// No key was ever stored: sealed data under this subject cannot be (a damaged key store).
    Missing,
}

pub struct Vault {
    db: Db,
    keys: RwLock<HashMap<String, Key>>,
    /// Key creation is rare (once per person) and must not race itself into two keys.
    creating: Mutex<()>,
    /// Each subject this node erases, for whoever must forget copies (sessions, the live journal).
    erasures: broadcast::Sender<String>,
    /// How many erasures this node has made: raised once a key is gone, so a copy of opened events
    /// taken under an older count may hold words that can no longer be opened (`recent.rs`).
    erased: AtomicU64,
}

impl Vault {
    pub async fn open(db: Db) -> Result<Vault, StoreError> {
        db::run(&db, SCHEMA, Value::Null).await?;
        Ok(Vault {
            db,
            keys: RwLock::default(),
            creating: Mutex::new(()),
            erasures: broadcast::channel(256).0,
            erased: AtomicU64::new(0),
        })
    }

    fn cached(&self, subject: &str) -> Option<Key> {
        self.keys.read().expect("vault cache").get(subject).copied()
    }

    /// Caches what was read of a subject. An erasure is never replaced: a read of the key that
    /// began before the erasure and ends after it must not bring the key back.
    fn remember(&self, subject: &str, key: Key) {
        let mut keys = self.keys.write().expect("vault cache");
        let known = keys.entry(subject.to_owned()).or_insert(key);
        if *known != Key::Erased {
            *known = key;
        }
    }

    /// The keys of these subjects, from the cache or in one read of the key store.
    pub async fn keys(&self, subjects: &[&str]) -> Result<HashMap<String, Key>, StoreError> {
        let mut found = HashMap::new();
        let mut missing = Vec::new();
        for subject in subjects {
            match self.cached(subject) {
                Some(key) => {
                    found.insert((*subject).to_owned(), key);
                }
                None => missing.push(*subject),
            }
        }
        if missing.is_empty() {
            return Ok(found);
        }
        // One lookup by record id per subject, in one round trip.
        let sql: String = (0..missing.len())
            .map(|i| format!("SELECT secret, erased_at FROM type::record('person_key', $s{i});"))
            .collect();
        let vars: serde_json::Map<String, Value> = missing
            .iter()
            .enumerate()
            .map(|(i, subject)| (format!("s{i}"), json!(subject)))
            .collect();
        let mut results = db::run(&self.db, sql, Value::Object(vars)).await?;
        for (i, subject) in missing.iter().enumerate() {
            let rows: Vec<Value> = results.take(i)?;
            let key = match rows.first() {
                Some(row) => stored_key(subject, row)?,
                None => Key::Missing,
            };
            if key != Key::Missing {
                self.remember(subject, key);
            }
            found.insert((*subject).to_owned(), key);
        }
        Ok(found)
    }

    pub async fn key(&self, subject: &str) -> Result<Key, StoreError> {
        Ok(self.keys(&[subject]).await?[subject])
    }

    /// The key to seal a subject's new personal data with, created on first use. An erased subject
    /// has none: what they would write is refused.
    pub async fn key_for_writing(&self, subject: &str) -> Result<KeyBytes, StoreError> {
        if let Some(key) = self.writable(subject).await? {
            return Ok(key);
        }
        let _one_at_a_time = self.creating.lock().await;
        // Made while this waited for the lock (a missing key is never cached, so this reads).
        if let Some(key) = self.writable(subject).await? {
            return Ok(key);
        }
        let mut key = [0u8; 32];
        SystemRandom::new()
            .fill(&mut key)
            .map_err(|_| StoreError::Unavailable("the system's random source failed".into()))?;
        // CREATE fails when another node created the key meanwhile: then theirs is the key.
        let sql = "CREATE type::record('person_key', $subject) SET secret = $secret, created_at = time::now()";
        let vars = json!({ "subject": subject, "secret": BASE64.encode(key) });
        if let Err(error) = db::run(&self.db, sql, vars).await {
            return self.writable(subject).await?.ok_or(error.into());
        }
        self.remember(subject, Key::Live(key));
        Ok(key)
    }

    /// The subject's key if they have one, `None` if they have none yet; an erased subject's
    /// writes are refused.
    async fn writable(&self, subject: &str) -> Result<Option<KeyBytes>, StoreError> {
        match self.key(subject).await? {
            Key::Live(key) => Ok(Some(key)),
            Key::Erased => Err(StoreError::Erased(subject.to_owned())),
            Key::Missing => Ok(None),
        }
    }

    /// Destroys the subject's key for good (a tombstone takes its place). Idempotent.
    pub async fn erase(&self, subject: &str) -> Result<(), StoreError> {
        let sql = "UPSERT type::record('person_key', $subject) SET secret = NONE,
                   erased_at = erased_at ?? time::now()";
        db::run(&self.db, sql, json!({ "subject": subject })).await?;
        self.remember(subject, Key::Erased);
        self.erased.fetch_add(1, Ordering::SeqCst);
        // Nobody listening (a one-shot command) is not an error.
        let _ = self.erasures.send(subject.to_owned());
        Ok(())
    }

    /// Records that what the runtime kept of an erased subject beside the log is forgotten too.
    pub async fn mark_forgotten(&self, subject: &str) -> Result<(), StoreError> {
        let sql = "UPDATE type::record('person_key', $subject) SET forgotten = true RETURN NONE";
        db::run(&self.db, sql, json!({ "subject": subject })).await?;
        Ok(())
    }

    /// The subjects erased whose copies beside the log are not yet known to be forgotten (a crash
    /// came between): few, so a start goes over them all.
    pub async fn unforgotten(&self) -> Result<Vec<String>, StoreError> {
        let sql = "SELECT VALUE record::id(id) FROM person_key WHERE erased_at != NONE AND forgotten != true";
        let rows = db::rows(&self.db, sql, Value::Null).await?;
        Ok(rows
            .iter()
            .filter_map(|row| row.as_str().map(str::to_owned))
            .collect())
    }

    /// How many erasures this node has made (see [`Vault::erased`]'s field).
    pub fn erasure_count(&self) -> u64 {
        self.erased.load(Ordering::SeqCst)
    }

    /// Hears of each subject this node erases from now on.
    pub fn erasures(&self) -> broadcast::Receiver<String> {
        self.erasures.subscribe()
    }

    /// Every stored row, as it is: for a copy of the log into another database.
    pub(super) async fn rows(&self) -> Result<Vec<Value>, StoreError> {
        let sql = "SELECT record::id(id) AS key, * OMIT id FROM person_key";
        Ok(db::keys_as_ids(db::rows(&self.db, sql, Value::Null).await?))
    }
}

fn stored_key(subject: &str, row: &Value) -> Result<Key, StoreError> {
    if !row["erased_at"].is_null() {
        return Ok(Key::Erased);
    }
    let Some(encoded) = row["secret"].as_str() else {
        return Ok(Key::Missing);
    };
    BASE64
        .decode(encoded)
        .ok()
        .and_then(|bytes| KeyBytes::try_from(bytes).ok())
        .map(Key::Live)
        .ok_or_else(|| StoreError::Corrupt(format!("the key of {subject} is damaged")))
}
