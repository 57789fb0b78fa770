//! Fleet mode: one vendor session shared by many processes (and hosts) through a
//! [`SessionStore`].
//!
//! - **Shared session.** A process with a fleet uses the live session it finds in the store
//!   (token, cookies, sticky headers such as the MicroStrategy project, expiry) instead of
//!   logging in.
//! - **Fleet-wide single flight.** When the session must be renewed, one process takes the
//!   store's lock (`SET NX PX ttl`) with a fencing token (`INCR`), extends it every ttl/3
//!   while it logs in, and publishes the new session with a compare-and-set that refuses a
//!   stale fence or an older generation. The others poll every 50-75 ms (jittered) for the
//!   newer generation and replay their call once. A holder that dies loses the lock at its
//!   TTL and the next process takes over; the fleet's generation is the fencing token of the
//!   login that made the session.
//! - **Leases.** Each process holds a lease (renewed every lease/3). The shared session is
//!   logged out by [`Auth::close_fleet`] (CLI `logout`), or by the first process that joins
//!   after the last lease lapsed, never because one process exits.
//! - **Keep-alive** runs in at most one process per interval (a `SET NX PX` claim).
//! - **Store failures never fail calls.** A store that is down, slow (each operation is
//!   bounded by the store timeout) or flushed makes the process use a session of its own,
//!   with one warning; it rejoins at its next renewal once the store answers again. A
//!   process's own session is logged out at its close, as without a fleet.
//! - **Secrets at rest**: the session is sealed with XChaCha20-Poly1305 under a key from a
//!   credential source (see [`crate::auth::store::crypto`]).
//!
//! [`Auth::close_fleet`]: crate::auth::Auth::close_fleet

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant, SystemTime};

use tokio::sync::OnceCell;
use zeroize::Zeroize;

use crate::auth::core::{Auth, AuthInner, Ticket};
use crate::auth::session::Session;
use crate::auth::snapshot::SessionSnapshot;
use crate::auth::store::crypto::Sealer;
use crate::auth::store::{SessionStore, StoreOp, StoreReply, StoredSession};
use crate::auth::telemetry::LogoutReason;
use crate::credentials::Credential;
use crate::error::{Error, ErrorKind};

/// How a fleet behaves: its name (one name = one shared session), the renewal lock's TTL,
/// the process lease and the store timeout.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    name: String,
    lock_ttl: Duration,
    lease: Duration,
    store_timeout: Duration,
}

impl FleetConfig {
    /// A fleet named `name`: lock TTL 10 s, lease 60 s, store timeout 5 s. Processes that
    /// must share one session (same vendor, API root and user) use the same name.
    pub fn new(name: impl Into<String>) -> FleetConfig {
        FleetConfig {
            name: name.into(),
            lock_ttl: Duration::from_secs(10),
            lease: Duration::from_secs(60),
            store_timeout: Duration::from_secs(5),
        }
    }

    /// How long the renewal lock lives unless its holder extends it (a holder that dies
    /// blocks the fleet's renewal at most this long).
    pub fn lock_ttl(mut self, ttl: Duration) -> FleetConfig {
        self.lock_ttl = ttl.max(Duration::from_millis(100));
        self
    }

    /// How long a process's lease lives unless renewed; when the last one lapses the shared
    /// session is logged out by the next process that joins.
    pub fn lease(mut self, lease: Duration) -> FleetConfig {
        self.lease = lease.max(Duration::from_millis(100));
        self
    }

    /// The longest one store operation may take, and (plus the lock TTL) the longest a
    /// process waits for another's login, before it uses a session of its own.
    pub fn store_timeout(mut self, timeout: Duration) -> FleetConfig {
        self.store_timeout = timeout.max(Duration::from_millis(10));
        self
    }

    /// The fleet's name.
    pub fn name(&self) -> &str {
        &self.name
    }
}

/// A fleet: its configuration, its store and the key its session is sealed with. Attach it
/// with [`AuthBuilder::session_store`](crate::auth::AuthBuilder::session_store) or
/// [`Auth::use_session_store`](crate::auth::Auth::use_session_store).
pub struct Fleet {
    config: FleetConfig,
    store: Arc<dyn SessionStore>,
    key: Credential,
    sealer: OnceCell<Sealer>,
    lease_id: String,
    joined: AtomicBool,
    degraded: AtomicBool,
}

impl fmt::Debug for Fleet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Fleet")
            .field("config", &self.config)
            .field("store", &self.store.describe())
            .field("key", &self.key.describe())
            .field("lease_id", &self.lease_id)
            .finish()
    }
}

impl Fleet {
    /// A fleet over `store`, its session sealed with a key derived from `key` (resolved once,
    /// at first use).
    pub fn new(config: FleetConfig, store: Arc<dyn SessionStore>, key: Credential) -> Fleet {
        let lease_id = format!(
            "{}-{}-{:016x}",
            hostname(),
            std::process::id(),
            fastrand::u64(..)
        );
        Fleet {
            config,
            store,
            key,
            sealer: OnceCell::new(),
            lease_id,
            joined: AtomicBool::new(false),
            degraded: AtomicBool::new(false),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &FleetConfig {
        &self.config
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn SessionStore> {
        &self.store
    }

    /// This process's lease id.
    pub fn lease_id(&self) -> &str {
        &self.lease_id
    }

    /// Runs one store operation, bounded by the store timeout.
    pub async fn run(&self, op: StoreOp) -> Result<StoreReply, Error> {
        let name = op.name();
        match tokio::time::timeout(self.config.store_timeout, self.store.run(op)).await {
            Ok(reply) => Ok(reply?),
            Err(_) => Err(crate::auth::store::StoreError::Timeout {
                store: self.store.describe(),
                op: name,
                timeout: self.config.store_timeout,
            }
            .into()),
        }
    }

    async fn sealer(&self) -> Result<&Sealer, Error> {
        self.sealer
            .get_or_try_init(|| async {
                let secret = self.key.resolve().await.map_err(|e| {
                    Error::new(
                        ErrorKind::Credential,
                        format!("cannot read the fleet's store key: {e}"),
                    )
                    .with_source(e)
                })?;
                Sealer::new(&secret, &self.config.name)
            })
            .await
    }

    /// Seals a snapshot for the store.
    pub(crate) async fn seal(&self, snapshot: &SessionSnapshot) -> Result<Vec<u8>, Error> {
        let mut json = serde_json::to_vec(snapshot).map_err(|e| {
            Error::new(
                ErrorKind::Other,
                format!("cannot serialise the session: {e}"),
            )
        })?;
        let sealed = self.sealer().await?.seal(&json);
        json.zeroize();
        sealed
    }

    /// Opens a stored session.
    pub async fn open(&self, stored: &StoredSession) -> Result<SessionSnapshot, Error> {
        let mut plain = self.sealer().await?.open(&stored.sealed)?;
        let snapshot = SessionSnapshot::from_slice(&plain).map_err(|e| {
            Error::new(
                ErrorKind::Store,
                format!("the fleet's stored session is not a bi-rest session: {e}"),
            )
        });
        plain.zeroize();
        snapshot
    }

    /// A store failure: one warning until the store answers again.
    pub(crate) fn note_failure(&self, err: &Error) {
        if !self.degraded.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                target: "bi_rest::session",
                event = "fleet_store_failed",
                fleet = %self.config.name,
                error = %err,
                "session store unavailable; this process uses a session of its own until it answers again"
            );
        }
    }

    /// A store success: after a failure, says the fleet is rejoined.
    pub(crate) fn note_success(&self) {
        if self.degraded.swap(false, Ordering::Relaxed) {
            tracing::info!(
                target: "bi_rest::session",
                event = "fleet_store_back",
                fleet = %self.config.name,
                "session store answers again; rejoining the fleet"
            );
        }
    }
}

fn hostname() -> String {
    std::env::var("HOSTNAME")
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "host".to_string())
}

/// What the store offered a process that must renew.
enum Acquired {
    /// A newer live session: use it.
    Adopt(u64, Box<SessionSnapshot>),
    /// The lock (with its fence): log in for the fleet.
    Lock(u64),
}

/// Renews the session of `auth` through its fleet (called in the login task, holding the
/// process's login lock): adopt a newer session, or log in as the lock holder and publish,
/// or (store failure) log in for this process alone.
pub(crate) async fn renew(
    auth: &Auth,
    fleet: &Arc<Fleet>,
    attempt: u64,
    seen: u64,
    started: impl FnOnce(),
) -> Result<Ticket, Error> {
    match acquire(auth, fleet, seen).await {
        Ok(Acquired::Adopt(generation, snapshot)) => {
            fleet.note_success();
            auth.adopt_fleet_session(generation, *snapshot)
        }
        Ok(Acquired::Lock(fence)) => {
            fleet.note_success();
            started();
            login_as_holder(auth, fleet, attempt, fence).await
        }
        Err(e) => {
            fleet.note_failure(&e);
            started();
            let result = auth.login_once().await;
            auth.record_login(attempt, result)
        }
    }
}

async fn acquire(auth: &Auth, fleet: &Arc<Fleet>, seen: u64) -> Result<Acquired, Error> {
    join(auth, fleet).await?;
    let deadline = Instant::now() + fleet.config.lock_ttl + fleet.config.store_timeout;
    loop {
        if let Some((generation, snapshot)) = usable(auth, fleet, seen).await? {
            return Ok(Acquired::Adopt(generation, snapshot));
        }
        let ttl = fleet.config.lock_ttl;
        if let StoreReply::Fence(Some(fence)) = fleet.run(StoreOp::Lock { ttl }).await? {
            // Someone may have published between the load and the lock.
            return match usable(auth, fleet, seen).await {
                Ok(Some((generation, snapshot))) => {
                    let _ = fleet.run(StoreOp::Unlock { fence }).await;
                    Ok(Acquired::Adopt(generation, snapshot))
                }
                Ok(None) => Ok(Acquired::Lock(fence)),
                Err(e) => {
                    let _ = fleet.run(StoreOp::Unlock { fence }).await;
                    Err(e)
                }
            };
        }
        if Instant::now() >= deadline {
            return Err(Error::new(
                ErrorKind::Store,
                format!(
                    "fleet {}: no new session from the process holding the lock within {:?}",
                    fleet.config.name,
                    fleet.config.lock_ttl + fleet.config.store_timeout
                ),
            ));
        }
        tokio::time::sleep(Duration::from_millis(fastrand::u64(50..=75))).await;
    }
}

/// The stored session, when it is newer than `seen`, for this client's vendor and API root,
/// and not about to expire.
async fn usable(
    auth: &Auth,
    fleet: &Fleet,
    seen: u64,
) -> Result<Option<(u64, Box<SessionSnapshot>)>, Error> {
    let StoreReply::Session(Some(stored)) = fleet.run(StoreOp::Load).await? else {
        return Ok(None);
    };
    if stored.generation <= seen {
        return Ok(None);
    }
    let snapshot = fleet.open(&stored).await?;
    if !auth.accepts_fleet_session(&snapshot)? {
        return Ok(None);
    }
    Ok(Some((stored.generation, Box::new(snapshot))))
}

/// Registers this process's lease (once; again after a failure). A session whose last lease
/// had lapsed is logged out here.
async fn join(auth: &Auth, fleet: &Arc<Fleet>) -> Result<(), Error> {
    if fleet.joined.load(Ordering::Relaxed) {
        return Ok(());
    }
    let reply = fleet
        .run(StoreOp::Join {
            lease: fleet.lease_id.clone(),
            ttl: fleet.config.lease,
        })
        .await?;
    fleet.joined.store(true, Ordering::Relaxed);
    auth.start_lease_task(fleet);
    if let StoreReply::Session(Some(orphan)) = reply {
        match fleet.open(&orphan).await {
            Ok(snapshot) => {
                tracing::info!(
                    target: "bi_rest::session",
                    event = "fleet_orphan",
                    fleet = %fleet.config.name,
                    generation = orphan.generation,
                    "the fleet's last lease lapsed; logging its session out"
                );
                // A failure is reported by the logout itself (event `logout_failed`).
                let _ = auth
                    .logout_snapshot(snapshot, LogoutReason::LeasesLapsed)
                    .await;
            }
            Err(e) => fleet.note_failure(&e),
        }
    }
    Ok(())
}

/// Renews this process's lease every lease/3 while the client lives.
pub(crate) async fn lease_loop(inner: Weak<AuthInner>, fleet: Arc<Fleet>) {
    let every = fleet.config.lease / 3;
    loop {
        tokio::time::sleep(every).await;
        if inner.strong_count() == 0 {
            return;
        }
        let renewed = fleet
            .run(StoreOp::RenewLease {
                lease: fleet.lease_id.clone(),
                ttl: fleet.config.lease,
            })
            .await;
        match renewed {
            Ok(_) => fleet.note_success(),
            Err(e) => {
                fleet.note_failure(&e);
                // The lease may have lapsed meanwhile: join again at the next renewal.
                fleet.joined.store(false, Ordering::Relaxed);
            }
        }
    }
}

async fn login_as_holder(
    auth: &Auth,
    fleet: &Arc<Fleet>,
    attempt: u64,
    fence: u64,
) -> Result<Ticket, Error> {
    let extender = tokio::spawn(extend_lock(fleet.clone(), fence));
    let result = auth.login_once().await;
    let ticket = auth.record_login(attempt, result);
    extender.abort();
    if let Ok(ticket) = &ticket {
        match publish(auth, fleet, fence, &ticket.session).await {
            Ok(true) => auth.mark_shared(ticket.generation, fence),
            Ok(false) => tracing::warn!(
                target: "bi_rest::session",
                event = "fleet_publish_refused",
                fleet = %fleet.config.name,
                fence,
                "the fleet has a newer session than this login's; this process keeps its own"
            ),
            Err(e) => fleet.note_failure(&e),
        }
    }
    let _ = fleet.run(StoreOp::Unlock { fence }).await;
    ticket
}

/// Keeps the lock while the login runs: extends it every ttl/3 until it is lost.
async fn extend_lock(fleet: Arc<Fleet>, fence: u64) {
    let ttl = fleet.config.lock_ttl;
    loop {
        tokio::time::sleep(ttl / 3).await;
        match fleet.run(StoreOp::ExtendLock { fence, ttl }).await {
            Ok(StoreReply::Done(true)) => {}
            _ => return,
        }
    }
}

async fn publish(auth: &Auth, fleet: &Fleet, fence: u64, session: &Session) -> Result<bool, Error> {
    let snapshot = auth.snapshot()?;
    let sealed = fleet.seal(&snapshot).await?;
    let reply = fleet
        .run(StoreOp::Publish {
            fence,
            session: StoredSession {
                generation: fence,
                sealed,
            },
            ttl: stored_ttl(session, fleet.config.lease),
        })
        .await?;
    Ok(matches!(reply, StoreReply::Done(true)))
}

/// How long the store keeps a session: until its expiry, else its idle timeout (the
/// keep-alive extends it), else an hour (a rejected call renews it anyway).
pub(crate) fn stored_ttl(session: &Session, lease: Duration) -> Duration {
    let ttl = match (session.expires_at(), session.idle_timeout()) {
        (Some(at), _) => at
            .duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
        (None, Some(idle)) => idle,
        (None, None) => Duration::from_secs(3600),
    };
    ttl.max(lease.min(Duration::from_secs(1)))
}
