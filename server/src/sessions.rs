//! Sign-in sessions and password hashes. Sessions are not domain facts (they say who holds a
//! browser, not what happened in Agora), so they live in their own table, not in the event log.

use crate::db::{self, Db};
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::RngCore;
use serde_json::{json, Value};

pub const COOKIE: &str = "agora_session";
/// Thirty days.
pub const MAX_AGE_SECONDS: u64 = 30 * 24 * 3600;

#[derive(Clone)]
pub struct Sessions {
    db: Db,
}

impl Sessions {
    pub async fn open(db: Db) -> Result<Sessions, surrealdb::Error> {
        db::run(
            &db,
            "DEFINE TABLE IF NOT EXISTS session SCHEMALESS",
            Value::Null,
        )
        .await?;
        Ok(Sessions { db })
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

    pub async fn delete(&self, token: &str) -> Result<(), surrealdb::Error> {
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
