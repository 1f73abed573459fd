//! Work that must not share the request workers: the store's writer and each projector's reader run
//! on a thread and a (single-threaded) tokio runtime of their own.
//!
//! Why: SurrealDB's embedded engine runs a query inside the caller's task, and a commit does not
//! yield for tens of milliseconds. A task woken by another (a reader by the runner taking a page, the
//! writer by a command) lands in that worker's LIFO slot, which other workers cannot steal from, and
//! waits behind the non-yielding work: on two cores the work took turns instead of running side by
//! side. Measured: a catch-up used ~100 % CPU and reached 40 % of the raw read rate; with the reader
//! on its own thread, ~170 % and 70 %. Appends at 256 in flight went from 74 % to 92 % of the raw
//! INSERT ceiling with the writer on its own thread (docs/benchmarks.md).

use std::future::Future;

/// Runs `work` to completion on a new thread named `name`, with its own runtime.
pub fn spawn<F>(name: &str, work: F) -> std::io::Result<()>
where
    F: Future<Output = ()> + Send + 'static,
{
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    std::thread::Builder::new()
        .name(name.to_owned())
        .spawn(move || runtime.block_on(work))?;
    Ok(())
}
