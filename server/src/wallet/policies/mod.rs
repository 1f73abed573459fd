//! The wallet's policies: the transfer process, and the bonus into the community fund. Both are
//! pure functions of one wallet event; `react_with` reads the envelope for them.

pub mod bonus;
pub mod transfers;

use crate::commands::CommandError;
use crate::policies::Issue;
use crate::store::StoreError;
use crate::wallet::domain::Event;
use app::wire::Envelope;

/// The commands `reaction` asks for a wallet event (none for another context's event).
fn react_with(
    envelope: &Envelope,
    reaction: fn(&Event) -> Option<Issue>,
) -> Result<Vec<Issue>, CommandError> {
    let event = crate::aggregate::decode::<Event>(envelope)
        .map_err(|e| StoreError::Corrupt(format!("position {}: {e}", envelope.position)))?;
    Ok(event.as_ref().and_then(reaction).into_iter().collect())
}
