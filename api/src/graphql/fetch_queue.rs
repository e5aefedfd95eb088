//! The queue of a request's DataLoader fetches: the loaders put their fetches here instead of
//! spawning them, and the request executor (`super::executor`) starts them once the execution
//! is idle. It knows neither the loaders nor the schema.

use std::sync::{Arc, Mutex};

use async_graphql::futures_util::future::BoxFuture;

/// The loaders' fetches waiting to be started by the request's executor.
#[derive(Clone, Default)]
pub struct FetchQueue(Arc<Mutex<Vec<BoxFuture<'static, ()>>>>);

impl FetchQueue {
    /// Queues a fetch (the DataLoaders' spawner).
    pub fn spawn(&self, fetch: BoxFuture<'static, ()>) {
        if let Ok(mut queue) = self.0.lock() {
            queue.push(fetch);
        }
    }

    /// Takes the queued fetches, leaving the queue empty.
    pub(super) fn take(&self) -> Vec<BoxFuture<'static, ()>> {
        self.0
            .lock()
            .map(|mut queue| std::mem::take(&mut *queue))
            .unwrap_or_default()
    }

    /// Whether no fetch is queued.
    pub(super) fn is_empty(&self) -> bool {
        self.0.lock().map(|queue| queue.is_empty()).unwrap_or(true)
    }
}
