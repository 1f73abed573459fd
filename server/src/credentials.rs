//! Secrets: password hashes, sign-in sessions and machine tokens. None of them is a domain fact, and a
//! log that other systems read must never carry one, so they live in their own tables beside the
//! event log, never exported, fed or shown. A password hash is keyed by the person's user id (not the
//! handle), so sign-up can store it before the registration event is appended: a crash between the two
//! leaves an unused row, never a person without a password or a password without its person.

use crate::db::{self, Db};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use serde_json::{json, Value};
use uuid::Uuid;

/// The tables of secrets.
const TABLES: &[&str] = &[
    "credential",
    "session",
    "machine_token",
    "credential_migration",
];

pub const COOKIE: &str = "agora_session";
/// Thirty days.
pub const MAX_AGE_SECONDS: u64 = 30 * 24 * 3600;

#[derive(Clone)]
pub struct Credentials {
    db: Db,
}

impl Credentials {
    pub async fn open(db: Db) -> Result<Credentials, surrealdb::Error> {
        db::run(
            &db,
            "DEFINE TABLE IF NOT EXISTS session SCHEMALESS;
             DEFINE TABLE IF NOT EXISTS machine_token SCHEMALESS;
             DEFINE TABLE IF NOT EXISTS credential SCHEMALESS;
             DEFINE TABLE IF NOT EXISTS credential_migration SCHEMALESS;",
            Value::Null,
        )
        .await?;
        Ok(Credentials { db })
    }

    /// Sets (or replaces) the password hash of a person.
    pub async fn set_password(
        &self,
        user_id: Uuid,
        password_hash: &str,
    ) -> Result<(), surrealdb::Error> {
        let sql = "UPSERT type::record('credential', $user_id) SET password_hash = $hash, updated_at = time::now() RETURN NONE";
        let vars = json!({ "user_id": user_id.to_string(), "hash": password_hash });
        db::run(&self.db, sql, vars).await?;
        Ok(())
    }

    /// Keeps a hash found in an old event, unless the person has one already (a later change wins).
    pub async fn keep_password_if_none(
        &self,
        user_id: Uuid,
        password_hash: &str,
    ) -> Result<(), surrealdb::Error> {
        let sql = "UPSERT type::record('credential', $user_id) SET password_hash = password_hash ?? $hash, updated_at = updated_at ?? time::now() RETURN NONE";
        let vars = json!({ "user_id": user_id.to_string(), "hash": password_hash });
        db::run(&self.db, sql, vars).await?;
        Ok(())
    }

    pub async fn password_hash(&self, user_id: Uuid) -> Result<Option<String>, surrealdb::Error> {
        let sql = "SELECT VALUE password_hash FROM type::record('credential', $user_id)";
        let rows = db::rows(&self.db, sql, json!({ "user_id": user_id.to_string() })).await?;
        Ok(rows.first().and_then(Value::as_str).map(str::to_owned))
    }

    /// Drops a hash stored for a sign-up that was then refused.
    pub async fn forget_password(&self, user_id: Uuid) -> Result<(), surrealdb::Error> {
        let sql = "DELETE type::record('credential', $user_id)";
        db::run(&self.db, sql, json!({ "user_id": user_id.to_string() })).await?;
        Ok(())
    }

    /// Whether a one-time step (by name) has run on this database.
    pub async fn step_done(&self, step: &str) -> Result<bool, surrealdb::Error> {
        let sql = "SELECT VALUE id FROM type::record('credential_migration', $step)";
        Ok(!db::rows(&self.db, sql, json!({ "step": step }))
            .await?
            .is_empty())
    }

    pub async fn mark_step_done(&self, step: &str) -> Result<(), surrealdb::Error> {
        let sql =
            "UPSERT type::record('credential_migration', $step) SET at = time::now() RETURN NONE";
        db::run(&self.db, sql, json!({ "step": step })).await?;
        Ok(())
    }

    /// Every row of the secret tables, for a copy into another database (`agora migrate`).
    pub async fn dump(&self) -> Result<Value, surrealdb::Error> {
        let mut dump = serde_json::Map::new();
        for table in TABLES {
            // The key as it is (not the record id's text), so a restore writes the same keys.
            let sql = format!("SELECT record::id(id) AS key, * OMIT id FROM {table}");
            let rows = db::rows(&self.db, sql, Value::Null).await?;
            dump.insert((*table).to_owned(), Value::Array(rows));
        }
        Ok(Value::Object(dump))
    }

    /// Writes rows taken by [`Credentials::dump`].
    pub async fn restore(&self, dump: &Value) -> Result<(), surrealdb::Error> {
        for table in TABLES {
            let dumped = dump.get(*table).and_then(Value::as_array).cloned();
            let rows = db::keys_as_ids(dumped.unwrap_or_default());
            if !rows.is_empty() {
                let sql = format!("INSERT INTO {table} $rows RETURN NONE");
                db::run(&self.db, sql, json!({ "rows": rows })).await?;
            }
        }
        Ok(())
    }

    /// A new session for `handle`; the token is 256 random bits.
    pub async fn create(&self, handle: &str) -> Result<String, surrealdb::Error> {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let sql = "CREATE type::record('session', $session_key) SET handle = $handle, created_at = time::now()";
        db::run(
            &self.db,
            sql,
            json!({ "session_key": token, "handle": handle }),
        )
        .await?;
        Ok(token)
    }

    /// The handle signed in with this token, if the session exists.
    pub async fn handle(&self, token: &str) -> Result<Option<String>, surrealdb::Error> {
        if !well_formed(token) {
            return Ok(None);
        }
        let rows = db::rows(
            &self.db,
            "SELECT VALUE handle FROM type::record('session', $session_key)",
            json!({ "session_key": token }),
        )
        .await?;
        Ok(rows.first().and_then(Value::as_str).map(str::to_owned))
    }

    /// A token for a machine client (a mailer, a search cluster) that reads the store as its source.
    pub async fn issue_machine_token(
        &self,
        name: &str,
        issued_by: &str,
    ) -> Result<String, surrealdb::Error> {
        let token = random_token();
        let sql = "CREATE type::record('machine_token', $session_key) SET name = $name, issued_by = $by, created_at = time::now()";
        db::run(
            &self.db,
            sql,
            json!({ "session_key": token, "name": name, "by": issued_by }),
        )
        .await?;
        Ok(token)
    }

    /// The name of the machine client holding this token, if it is one that was issued.
    pub async fn machine(&self, token: &str) -> Result<Option<String>, surrealdb::Error> {
        if !well_formed(token) {
            return Ok(None);
        }
        let sql = "SELECT VALUE name FROM type::record('machine_token', $session_key)";
        let rows = db::rows(&self.db, sql, json!({ "session_key": token })).await?;
        Ok(rows.first().and_then(Value::as_str).map(str::to_owned))
    }

    /// Ends every session of a person (erased: nobody signs in as them again).
    pub async fn end_sessions(&self, handle: &str) -> Result<(), surrealdb::Error> {
        let sql = "DELETE session WHERE handle = $handle";
        db::run(&self.db, sql, json!({ "handle": handle })).await?;
        Ok(())
    }

    pub async fn delete(&self, token: &str) -> Result<(), surrealdb::Error> {
        // Nothing this server issued: no session to end (and no record id to build from it).
        if !well_formed(token) {
            return Ok(());
        }
        db::run(
            &self.db,
            "DELETE type::record('session', $session_key)",
            json!({ "session_key": token }),
        )
        .await?;
        Ok(())
    }
}

/// 256 random bits, hex-encoded.
fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// An argon2id hash in PHC format. Slow on purpose: call it off the async threads.
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

pub fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// The `Set-Cookie` value that opens (or, with an empty token, closes) a session.
pub fn cookie(token: &str) -> String {
    let max_age = if token.is_empty() { 0 } else { MAX_AGE_SECONDS };
    format!("{COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age}")
}

/// The session token in a `Cookie` header, if any.
pub fn token_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_password_verifies_against_its_hash_only() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password(&hash, "correct horse"));
        assert!(!verify_password(&hash, "wrong horse"));
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        assert_eq!(
            token_from_cookies("a=1; agora_session=abc; b=2"),
            Some("abc")
        );
        assert_eq!(token_from_cookies("a=1"), None);
    }
}
