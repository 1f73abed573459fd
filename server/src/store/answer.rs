//! Answering the appends of a batch: each waiting command gets its outcome, duplicates of an
//! earlier append in the same batch get that append's record.

use super::writer::{Outcome, Pending};
use super::{Appended, CommandRecord, StoreError};

pub(super) fn answer(batch: Vec<Pending>, outcomes: Vec<Outcome>) {
    let mut results: Vec<Result<Appended, StoreError>> = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let result = match outcome {
            Outcome::Write(events) => {
                let position = events.last().map_or(0, |e| e.position);
                Ok(Appended::New(CommandRecord { position, events }))
            }
            Outcome::Answer(result) => result,
            Outcome::SameAs(first) => match results[first].clone_result() {
                Ok(Appended::New(record) | Appended::Duplicate(record)) => {
                    Ok(Appended::Duplicate(record))
                }
                Err(error) => Err(error),
            },
        };
        results.push(result);
    }
    for (pending, result) in batch.into_iter().zip(results) {
        let _ = pending.reply.send(result);
    }
}

pub(super) fn answer_all(batch: Vec<Pending>, result: impl Fn() -> Result<Appended, StoreError>) {
    for pending in batch {
        let _ = pending.reply.send(result());
    }
}

pub(super) trait CloneResult {
    fn clone_result(&self) -> Result<Appended, StoreError>;
}

impl CloneResult for Result<Appended, StoreError> {
    fn clone_result(&self) -> Result<Appended, StoreError> {
        match self {
            Ok(appended) => Ok(appended.clone()),
            Err(error) => Err(clone_error(error)),
        }
    }
}

pub(super) fn clone_error(error: &StoreError) -> StoreError {
    match error {
        StoreError::Conflict {
            stream,
            expected,
            actual,
        } => StoreError::Conflict {
            stream: stream.clone(),
            expected: *expected,
            actual: *actual,
        },
        StoreError::Database(error) => StoreError::Database(error.clone()),
        StoreError::Corrupt(message) => StoreError::Corrupt(message.clone()),
        StoreError::Closed => StoreError::Closed,
        StoreError::Unavailable(message) => StoreError::Unavailable(message.clone()),
        StoreError::Erased(subject) => StoreError::Erased(subject.clone()),
    }
}
