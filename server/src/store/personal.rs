//! Personal data in an immutable log, by crypto-shredding. Each context names the fields of its
//! events that are personal and whose they are (a pure function, registered like an upcaster); the
//! store seals those fields on append with the subject's key from the [`Vault`] and opens them on
//! every read. Erasing a person destroys their key: from then on every read — projectors, rebuilds,
//! exports, the feeds, time travel — gets their events without those fields, while positions,
//! versions, ids and causation stay whole.
//!
//! Stored shape: the sealed fields leave `data`, and `data._sealed` holds
//! `{subject, fields, box}`, `box` being base64 of a 96-bit nonce and the AES-256-GCM ciphertext of
//! the fields as a JSON object, authenticated with the event's id (a box moved to another event does
//! not open). An erased event read back has `metadata.personal = {subject, fields, erased: true}`.

use super::vault::{Key, KeyBytes, Vault};
use super::{NewEvent, StoreError};
use app::wire::{Envelope, PersonalMark};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use ring::rand::{SecureRandom, SystemRandom};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;

/// Where sealed fields are kept in a stored event's data.
pub const SEALED: &str = "_sealed";

/// The personal fields of one event, and the person they belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Personal {
    pub subject: String,
    pub fields: &'static [&'static str],
}

/// A context's answer to "which fields of this `(type, data)` are personal, and whose?".
pub type PersonalFields = fn(&str, &Value) -> Option<Personal>;

/// Every context's [`PersonalFields`]. Cheap to clone.
#[derive(Clone, Default)]
pub struct PersonalData(Arc<Vec<PersonalFields>>);

impl PersonalData {
    pub fn new(contexts: Vec<PersonalFields>) -> Self {
        PersonalData(Arc::new(contexts))
    }

    fn of(&self, event_type: &str, data: &Value) -> Option<Personal> {
        self.0
            .iter()
            .find_map(|personal| personal(event_type, data))
    }

    /// Moves the event's personal fields into a sealed box (a no-op for events without any).
    pub(super) async fn seal(&self, vault: &Vault, event: &mut NewEvent) -> Result<(), StoreError> {
        let Some(personal) = self.of(&event.event_type, &event.data) else {
            return Ok(());
        };
        let key = vault.key_for_writing(&personal.subject).await?;
        seal_data(&key, event.event_id, &personal, &mut event.data)
    }

    /// The same for an imported event, which arrives open (an export) or already erased.
    pub(super) async fn seal_envelope(
        &self,
        vault: &Vault,
        event: &mut Envelope,
    ) -> Result<(), StoreError> {
        if event.data.get(SEALED).is_some() {
            // Copied as stored (a rewrite of the log): sealed already, the keys come along.
            return Ok(());
        }
        if let Some(mark) = event.metadata.personal.take().filter(|mark| mark.erased) {
            let sealed = json!({ "subject": mark.subject, "fields": mark.fields });
            object(&mut event.data)?.insert(SEALED.into(), sealed);
            return Ok(());
        }
        let Some(personal) = self.of(&event.event_type, &event.data) else {
            return Ok(());
        };
        if vault.key(&personal.subject).await? == Key::Erased {
            // Written in the open before sealing, by a person erased since: the copy forgets it.
            let data = object(&mut event.data)?;
            personal.fields.iter().for_each(|field| {
                data.remove(*field);
            });
            let sealed = json!({ "subject": personal.subject, "fields": personal.fields });
            data.insert(SEALED.into(), sealed);
            return Ok(());
        }
        let key = vault.key_for_writing(&personal.subject).await?;
        seal_data(&key, event.event_id, &personal, &mut event.data)
    }
}

fn object(data: &mut Value) -> Result<&mut Map<String, Value>, StoreError> {
    data.as_object_mut()
        .ok_or_else(|| StoreError::Corrupt("an event's data is not an object".into()))
}

fn cipher(key: &KeyBytes) -> LessSafeKey {
    LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).expect("a 256-bit key"))
}

fn seal_data(
    key: &KeyBytes,
    event_id: Uuid,
    personal: &Personal,
    data: &mut Value,
) -> Result<(), StoreError> {
    let fields = object(data)?;
    let taken: Map<String, Value> = personal
        .fields
        .iter()
        .filter_map(|field| Some(((*field).to_owned(), fields.remove(*field)?)))
        .collect();
    let mut nonce = [0u8; NONCE_LEN];
    SystemRandom::new()
        .fill(&mut nonce)
        .map_err(|_| StoreError::Unavailable("the system's random source failed".into()))?;
    let mut sealed = serde_json::to_vec(&taken).expect("JSON values serialise");
    cipher(key)
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(event_id.as_bytes()),
            &mut sealed,
        )
        .map_err(|_| StoreError::Unavailable("sealing failed".into()))?;
    let mut boxed = nonce.to_vec();
    boxed.extend_from_slice(&sealed);
    let names: Vec<&str> = taken.keys().map(String::as_str).collect();
    let sealed =
        json!({ "subject": personal.subject, "fields": names, "box": BASE64.encode(boxed) });
    fields.insert(SEALED.into(), sealed);
    Ok(())
}

/// Opens the sealed fields of these events (read as stored) with their subjects' keys, in place.
/// An erased subject's fields stay out and the event is marked; a missing or wrong key is an error
/// that names the person.
pub(super) async fn open_all(vault: &Vault, events: &mut [Envelope]) -> Result<(), StoreError> {
    let subjects: Vec<String> = events
        .iter()
        .filter_map(|e| {
            e.data
                .get(SEALED)?
                .get("subject")?
                .as_str()
                .map(str::to_owned)
        })
        .collect();
    if subjects.is_empty() {
        return Ok(());
    }
    let mut unique: Vec<&str> = subjects.iter().map(String::as_str).collect();
    unique.sort_unstable();
    unique.dedup();
    let keys = vault.keys(&unique).await?;
    for event in events.iter_mut() {
        open(&keys, event)?;
    }
    Ok(())
}

fn open(keys: &HashMap<String, Key>, event: &mut Envelope) -> Result<(), StoreError> {
    let Some(sealed) = event.data.as_object_mut().and_then(|o| o.remove(SEALED)) else {
        return Ok(());
    };
    let subject = sealed["subject"].as_str().unwrap_or_default().to_owned();
    let fields: Vec<String> = serde_json::from_value(sealed["fields"].clone()).unwrap_or_default();
    let boxed = sealed["box"].as_str();
    let key = keys.get(&subject).copied().unwrap_or(Key::Missing);
    let position = event.position;
    let key = match (boxed, key) {
        (None, _) | (_, Key::Erased) => {
            event.metadata.personal = Some(PersonalMark {
                subject,
                fields,
                erased: true,
            });
            return Ok(());
        }
        (Some(_), Key::Missing) => {
            return Err(StoreError::Corrupt(format!(
                "there is no key for the personal data of {subject} (event at position {position})"
            )))
        }
        (Some(_), Key::Live(key)) => key,
    };
    let wrong_key = || {
        StoreError::Corrupt(format!(
            "the personal data of {subject} (event at position {position}) does not open with their key"
        ))
    };
    let mut bytes = BASE64
        .decode(boxed.unwrap_or_default())
        .map_err(|_| wrong_key())?;
    if bytes.len() < NONCE_LEN {
        return Err(wrong_key());
    }
    let mut ciphertext = bytes.split_off(NONCE_LEN);
    let nonce = Nonce::try_assume_unique_for_key(&bytes).map_err(|_| wrong_key())?;
    let plain = cipher(&key)
        .open_in_place(nonce, Aad::from(event.event_id.as_bytes()), &mut ciphertext)
        .map_err(|_| wrong_key())?;
    let opened: Map<String, Value> = serde_json::from_slice(plain).map_err(|_| wrong_key())?;
    object(&mut event.data)?.extend(opened);
    event.metadata.personal = Some(PersonalMark {
        subject,
        fields,
        erased: false,
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(event_id: Uuid) -> (Personal, Value) {
        let personal = Personal {
            subject: "ann".into(),
            fields: &["text"],
        };
        (personal, json!({ "post_id": event_id, "text": "hello" }))
    }

    fn envelope(event_id: Uuid, data: Value) -> Envelope {
        Envelope {
            event_id,
            position: 7,
            data,
            ..Envelope::default()
        }
    }

    #[test]
    fn a_sealed_field_leaves_the_data_and_opens_with_its_key() {
        let (key, id) = ([7u8; 32], Uuid::now_v7());
        let (personal, mut data) = post(id);
        seal_data(&key, id, &personal, &mut data).unwrap();
        assert!(data.get("text").is_none());
        assert!(!data.to_string().contains("hello"));
        let mut event = envelope(id, data);
        let keys = HashMap::from([("ann".to_owned(), Key::Live(key))]);
        open(&keys, &mut event).unwrap();
        assert_eq!(event.data["text"], "hello");
        assert!(event.data.get(SEALED).is_none());
        assert!(!event.metadata.personal.unwrap().erased);
    }

    #[test]
    fn an_erased_subject_reads_without_the_fields() {
        let id = Uuid::now_v7();
        let (personal, mut data) = post(id);
        seal_data(&[1; 32], id, &personal, &mut data).unwrap();
        let mut event = envelope(id, data);
        open(
            &HashMap::from([("ann".to_owned(), Key::Erased)]),
            &mut event,
        )
        .unwrap();
        assert!(event.data.get("text").is_none());
        let mark = event.metadata.personal.unwrap();
        assert!(mark.erased);
        assert_eq!(mark.fields, vec!["text"]);
    }

    #[test]
    fn a_wrong_or_missing_key_is_an_error_naming_the_person() {
        let id = Uuid::now_v7();
        let (personal, mut data) = post(id);
        seal_data(&[1; 32], id, &personal, &mut data).unwrap();
        for key in [Key::Live([2; 32]), Key::Missing] {
            let mut event = envelope(id, data.clone());
            let error = open(&HashMap::from([("ann".to_owned(), key)]), &mut event).unwrap_err();
            assert!(error.to_string().contains("ann"), "{error}");
        }
    }

    #[test]
    fn a_box_moved_to_another_event_does_not_open() {
        let id = Uuid::now_v7();
        let (personal, mut data) = post(id);
        seal_data(&[1; 32], id, &personal, &mut data).unwrap();
        let mut moved = envelope(Uuid::now_v7(), data);
        let keys = HashMap::from([("ann".to_owned(), Key::Live([1; 32]))]);
        assert!(open(&keys, &mut moved).is_err());
    }
}
