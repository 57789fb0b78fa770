//! The in-process store: clients of one process share one session through it (clone the
//! `Arc` you put it in). Nothing outlives the process.

use std::sync::Mutex;

use futures::future::{self, BoxFuture, FutureExt};

use super::state::{now_ms, Board};
use super::{SessionStore, StoreError, StoreOp, StoreReply};

/// A session store in this process's memory.
#[derive(Debug, Default)]
pub struct MemoryStore {
    board: Mutex<Board>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }
}

impl SessionStore for MemoryStore {
    fn run(&self, op: StoreOp) -> BoxFuture<'_, Result<StoreReply, StoreError>> {
        let reply = self
            .board
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .apply(op, now_ms());
        future::ready(Ok(reply)).boxed()
    }

    fn describe(&self) -> String {
        "memory".to_string()
    }
}
