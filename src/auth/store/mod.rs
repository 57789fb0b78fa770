//! Session stores for fleet mode: where many processes (and hosts) find the one vendor
//! session they share, the lock that makes a renewal single-flight across all of them, their
//! leases and the keep-alive claim.
//!
//! A store only keeps bytes: the session it holds is sealed by the fleet
//! ([`crate::auth::fleet`]) before it gets there (XChaCha20-Poly1305, see [`crypto`]). Three
//! backends:
//!
//! - [`MemoryStore`]: in this process only (clients of one process share one session);
//! - [`FileStore`]: a JSON file guarded by an advisory lock (`flock`), for the processes of
//!   one host;
//! - `RedisStore` (feature `redis`): a Redis server, for many hosts. Compare-and-set runs as a
//!   Lua script, so a stale process never overwrites a newer session.
//!
//! Every operation is one [`StoreOp`], answered by one [`StoreReply`]: a backend is one
//! method, [`SessionStore::run`].

pub mod crypto;
pub mod file;
pub mod memory;
#[cfg(feature = "redis")]
pub mod redis;
pub mod state;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;

use crate::error::{Error, ErrorKind};

pub use self::file::FileStore;
pub use self::memory::MemoryStore;
#[cfg(feature = "redis")]
pub use self::redis::RedisStore;

/// A sealed session as a store keeps it: its fleet generation (the fencing token of the
/// login that made it) and the ciphertext.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredSession {
    /// The fleet generation: grows with every fleet login, never reused.
    pub generation: u64,
    /// The sealed session (see [`crypto`]); never readable without the fleet's key.
    pub sealed: Vec<u8>,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("generation", &self.generation)
            .field("sealed_bytes", &self.sealed.len())
            .finish()
    }
}

/// One operation on a store. Times are durations from the store's "now".
#[derive(Debug, Clone)]
pub enum StoreOp {
    /// The current session, if any: [`StoreReply::Session`].
    Load,
    /// Takes the renewal lock for `ttl` if nobody holds it; the answer is the fencing token
    /// (a number that grows with every lock ever taken): [`StoreReply::Fence`].
    Lock {
        /// How long the lock lives unless extended.
        ttl: Duration,
    },
    /// Extends the lock held with `fence` to `ttl` from now: [`StoreReply::Done`] (false when
    /// the lock is no longer this holder's).
    ExtendLock {
        /// The holder's fencing token.
        fence: u64,
        /// The new time to live.
        ttl: Duration,
    },
    /// Releases the lock if `fence` still holds it: [`StoreReply::Done`].
    Unlock {
        /// The holder's fencing token.
        fence: u64,
    },
    /// Compare-and-set: stores `session` only if `fence` is still the newest fencing token
    /// and the stored generation is older; the session key lives `ttl`:
    /// [`StoreReply::Done`].
    Publish {
        /// The fencing token of the login that made the session.
        fence: u64,
        /// The session (its generation is `fence`).
        session: StoredSession,
        /// How long the store keeps it (follows the session's expiry).
        ttl: Duration,
    },
    /// Sets the stored session's time to live (after a keep-alive extended it):
    /// [`StoreReply::Done`].
    Touch {
        /// The new time to live.
        ttl: Duration,
    },
    /// Registers a process's lease. When no live lease was left, the stored session is an
    /// orphan (its last user went away): it is removed and handed back to be logged out:
    /// [`StoreReply::Session`].
    Join {
        /// The process's lease id.
        lease: String,
        /// How long the lease lives unless renewed.
        ttl: Duration,
    },
    /// Renews a lease: [`StoreReply::Done`].
    RenewLease {
        /// The process's lease id.
        lease: String,
        /// How long the lease lives unless renewed.
        ttl: Duration,
    },
    /// Claims this keep-alive interval (true for at most one process per interval):
    /// [`StoreReply::Done`].
    ClaimKeepAlive {
        /// The interval.
        interval: Duration,
    },
    /// Who holds the renewal lock: [`StoreReply::Fence`].
    Holder,
    /// Ends the fleet: removes the session, the leases, the lock and the keep-alive claim,
    /// handing back the session that was stored: [`StoreReply::Session`].
    Clear,
}

impl StoreOp {
    /// The operation's name, for errors and logs.
    pub fn name(&self) -> &'static str {
        match self {
            StoreOp::Load => "load",
            StoreOp::Lock { .. } => "lock",
            StoreOp::ExtendLock { .. } => "extend lock",
            StoreOp::Unlock { .. } => "unlock",
            StoreOp::Publish { .. } => "publish",
            StoreOp::Touch { .. } => "touch",
            StoreOp::Join { .. } => "join",
            StoreOp::RenewLease { .. } => "renew lease",
            StoreOp::ClaimKeepAlive { .. } => "claim keep-alive",
            StoreOp::Holder => "holder",
            StoreOp::Clear => "clear",
        }
    }
}

/// A store's answer to a [`StoreOp`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreReply {
    /// A session, or none.
    Session(Option<StoredSession>),
    /// A fencing token, or none.
    Fence(Option<u64>),
    /// Whether the operation took effect.
    Done(bool),
}

/// Why a store operation failed (never contains a secret).
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// The store could not be reached or answered with an error.
    #[error("session store {store}: {op} failed: {reason}")]
    Backend {
        /// The store's description (no password).
        store: String,
        /// The operation.
        op: &'static str,
        /// What went wrong.
        reason: String,
    },
    /// The store did not answer in time.
    #[error("session store {store}: {op} did not answer within {timeout:?}")]
    Timeout {
        /// The store's description (no password).
        store: String,
        /// The operation.
        op: &'static str,
        /// The time allowed.
        timeout: Duration,
    },
    /// The store answered something the operation cannot mean.
    #[error("session store {store}: unexpected answer to {op}")]
    Unexpected {
        /// The store's description (no password).
        store: String,
        /// The operation.
        op: &'static str,
    },
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Error {
        Error::new(ErrorKind::Store, e.to_string()).with_source(e)
    }
}

/// A backend of fleet mode. Implementations must make each operation atomic with respect to
/// every other process using the same store.
pub trait SessionStore: Send + Sync + fmt::Debug {
    /// Runs one operation.
    fn run(&self, op: StoreOp) -> BoxFuture<'_, Result<StoreReply, StoreError>>;

    /// A description for logs and errors (a URL without its password, a path).
    fn describe(&self) -> String;
}

/// Opens the store of fleet `name` from a CLI-style spec: `memory`, `file:PATH`,
/// `redis://[USER:PASS@]HOST:PORT/DB` or `rediss://...` (TLS; feature `redis`).
pub fn open(spec: &str, name: &str) -> Result<Arc<dyn SessionStore>, Error> {
    open_with_ca_cert(spec, name, None)
}

/// [`open`], verifying a `rediss://` store against the CA certificates in `ca_pem` (PEM)
/// instead of the system's roots. A CA certificate with any other kind of store is an error.
pub fn open_with_ca_cert(
    spec: &str,
    name: &str,
    ca_pem: Option<&[u8]>,
) -> Result<Arc<dyn SessionStore>, Error> {
    if ca_pem.is_some() && !spec.starts_with("rediss://") {
        return Err(Error::new(
            ErrorKind::Config,
            "a session store CA certificate applies to rediss:// (TLS) stores only",
        ));
    }
    if spec == "memory" {
        return Ok(Arc::new(MemoryStore::new()));
    }
    if let Some(path) = spec.strip_prefix("file:") {
        if path.is_empty() {
            return Err(Error::new(
                ErrorKind::Config,
                "session store file: needs a path (file:PATH)",
            ));
        }
        return Ok(Arc::new(FileStore::new(path)));
    }
    if spec.starts_with("redis://") || spec.starts_with("rediss://") {
        #[cfg(feature = "redis")]
        {
            let store = RedisStore::open(spec)?.named(name);
            let store = match ca_pem {
                Some(pem) => store.with_ca_cert(pem)?,
                None => store,
            };
            return Ok(Arc::new(store));
        }
        #[cfg(not(feature = "redis"))]
        {
            let _ = (name, ca_pem);
            return Err(Error::new(
                ErrorKind::Config,
                "this build has no Redis session store (cargo feature `redis`)",
            ));
        }
    }
    Err(Error::new(
        ErrorKind::Config,
        "session store must be memory, file:PATH, redis://HOST:PORT/DB or rediss://HOST:PORT/DB",
    ))
}

/// Milliseconds of a duration for a store (at least 1: a zero TTL means "forever" to some).
pub(crate) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}
