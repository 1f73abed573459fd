//! Reads shared by everyone who asks the same at once: the first asker reads, the others wait for
//! its answer, and the answer is kept a while for those who ask next.
//!
//! Two uses: the journal's resumes (a thousand clients resuming one topic from one position after
//! a restart or a network blip), and a search read model's hits (hundreds of people a second
//! looking for one popular word, whose full-text cost grows with the posts that hold it). Each
//! answer belongs to an *epoch*, such as the position its read model had reached: asking with a
//! newer epoch drops the older answers, so nothing is answered from a state the asker has passed.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::OnceCell;

pub struct SharedReads<K, V, E = ()> {
    entries: Mutex<Entries<K, V, E>>,
    keep_for: Duration,
    most: usize,
}

struct Entries<K, V, E> {
    epoch: E,
    reads: HashMap<K, (Instant, Arc<OnceCell<V>>)>,
    /// When answers older than `keep_for` were last swept out (not on every ask: a hot path).
    swept: Instant,
}

impl<K: Hash + Eq, V: Clone, E: Ord + Copy + Default> SharedReads<K, V, E> {
    /// Answers kept for `keep_for`, at most `most` of them (past that, a new question reads alone).
    pub fn new(keep_for: Duration, most: usize) -> Self {
        SharedReads {
            entries: Mutex::new(Entries {
                epoch: E::default(),
                reads: HashMap::new(),
                swept: Instant::now(),
            }),
            keep_for,
            most,
        }
    }

    /// The answer to `key` at `epoch`: shared with whoever asked it at that epoch, or read now by
    /// `read`. A failed read is not kept; the next asker reads again.
    pub async fn read<F, Fut, Error>(&self, epoch: E, key: K, read: F) -> Result<V, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, Error>>,
    {
        let cell = {
            let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
            if epoch > entries.epoch {
                entries.epoch = epoch;
                entries.reads.clear();
            }
            let keep_for = self.keep_for;
            if entries.swept.elapsed() >= keep_for {
                entries.reads.retain(|_, (at, _)| at.elapsed() < keep_for);
                entries.swept = Instant::now();
            }
            if entries
                .reads
                .get(&key)
                .is_some_and(|(at, _)| at.elapsed() >= keep_for)
            {
                entries.reads.remove(&key);
            }
            // An asker behind the kept epoch (it read its epoch just before another moved it)
            // reads alone: the answers kept are of a newer state than it asked about.
            let behind = epoch < entries.epoch;
            let full = entries.reads.len() >= self.most && !entries.reads.contains_key(&key);
            if behind || full {
                None
            } else {
                let (_, cell) = entries
                    .reads
                    .entry(key)
                    .or_insert_with(|| (Instant::now(), Arc::default()));
                Some(cell.clone())
            }
        };
        match cell {
            Some(cell) => cell.get_or_try_init(read).await.cloned(),
            None => read().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn askers_at_one_epoch_share_one_read_and_a_newer_epoch_reads_again() {
        let shared: SharedReads<&str, usize, u64> = SharedReads::new(Duration::from_secs(60), 8);
        let reads = AtomicUsize::new(0);
        let read = || async {
            let n = reads.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(10)).await;
            Ok::<_, ()>(n)
        };
        let together = futures::future::join_all((0..50).map(|_| shared.read(1, "word", read)));
        assert!(together.await.iter().all(|answer| *answer == Ok(0)));
        assert_eq!(shared.read(1, "word", read).await, Ok(0), "kept");
        assert_eq!(shared.read(2, "word", read).await, Ok(1), "a newer epoch");
        assert_eq!(shared.read(1, "word", read).await, Ok(2), "behind: alone");
        assert_eq!(shared.read(2, "word", read).await, Ok(1), "still kept");
        assert_eq!(reads.load(Ordering::SeqCst), 3);
    }

    #[tokio::test]
    async fn a_failed_read_is_not_kept_and_a_full_memo_reads_alone() {
        let shared: SharedReads<usize, usize, u64> = SharedReads::new(Duration::from_secs(60), 2);
        // (key, what a read would answer now, what is answered): room for two keys.
        let asks = [
            (0, Err("down"), Err("down")),
            (0, Ok(7), Ok(7)),
            (1, Ok(8), Ok(8)),
            (2, Ok(9), Ok(9)),
            (2, Ok(10), Ok(10)),
            (0, Ok(11), Ok(7)),
        ];
        for (key, now, answered) in asks {
            assert_eq!(
                shared.read(1, key, || async { now }).await,
                answered,
                "{key}"
            );
        }
    }

    #[tokio::test]
    async fn an_answer_is_kept_no_longer_than_it_was_asked_to_be() {
        let shared: SharedReads<&str, usize, u64> = SharedReads::new(Duration::from_secs(1), 8);
        assert_eq!(
            shared.read(1, "word", || async { Ok::<_, ()>(1) }).await,
            Ok(1)
        );
        assert_eq!(
            shared.read(1, "word", || async { Ok::<_, ()>(2) }).await,
            Ok(1)
        );
        tokio::time::sleep(Duration::from_millis(1100)).await;
        assert_eq!(
            shared.read(1, "word", || async { Ok::<_, ()>(3) }).await,
            Ok(3)
        );
    }
}
