//! Upcasting: older stored shapes of an event are lifted to the current one on every read, so the log
//! never changes and code only ever sees current events. The store knows no event type: each
//! context hands it a pure function for its own types (see `crate::registry`).

use app::wire::Envelope;
use serde_json::Value;
use std::sync::Arc;

/// Lifts `(type, schema, data)` to the current schema of the type; leaves types it does not own alone.
pub type Upcaster = fn(&str, u32, Value) -> (u32, Value);

/// Every context's upcaster, applied in turn. Cheap to clone.
#[derive(Clone, Default)]
pub struct Upcasters(Arc<Vec<Upcaster>>);

impl Upcasters {
    pub fn new(upcasters: Vec<Upcaster>) -> Self {
        Upcasters(Arc::new(upcasters))
    }

    pub fn lift(&self, mut envelope: Envelope) -> Envelope {
        for upcast in self.0.iter() {
            let data = std::mem::take(&mut envelope.data);
            let (schema, data) = upcast(&envelope.event_type, envelope.schema, data);
            envelope.schema = schema;
            envelope.data = data;
        }
        envelope
    }

    pub fn lift_all(&self, envelopes: Vec<Envelope>) -> Vec<Envelope> {
        if self.0.is_empty() {
            return envelopes;
        }
        envelopes.into_iter().map(|e| self.lift(e)).collect()
    }
}
