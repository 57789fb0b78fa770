//! The keep-alive task: extends the session before the server's idle timeout.
//!
//! It holds only a `Weak` reference to the core, so it never keeps a dropped client alive,
//! and stops when the client is closed or dropped (its handle is also aborted then).

use std::sync::atomic::Ordering;
use std::sync::Weak;
use std::time::Duration;

use crate::auth::core::{Auth, AuthInner};
use crate::auth::store::{StoreOp, StoreReply};

/// The shortest interval between two keep-alive calls.
const MIN_INTERVAL: Duration = Duration::from_millis(200);

/// How long before the idle timeout the session is extended: half of it.
pub fn interval_for(idle_timeout: Duration) -> Duration {
    (idle_timeout / 2).max(MIN_INTERVAL)
}

pub(crate) async fn run(inner: Weak<AuthInner>) {
    // The generation the server said is gone: not extended again (the next call renews it).
    let mut gone: Option<u64> = None;
    loop {
        let (interval, idle) = {
            let Some(strong) = inner.upgrade() else {
                return;
            };
            match Auth::current_session(&strong).and_then(|(_, s)| s.idle_timeout()) {
                Some(idle) => (interval_for(idle), idle),
                None => return,
            }
        };
        tokio::time::sleep(interval).await;
        let Some(strong) = inner.upgrade() else {
            return;
        };
        let Some((generation, session)) = Auth::current_session(&strong) else {
            return;
        };
        if gone == Some(generation) {
            continue;
        }
        // A fleet's session is extended by one process per interval: the one whose claim
        // succeeds (a store failure extends it here, as without a fleet).
        let fleet = strong
            .fleet
            .get()
            .filter(|_| Auth::is_shared(&strong, generation))
            .cloned();
        if let Some(fleet) = &fleet {
            if let Ok(StoreReply::Done(false)) =
                fleet.run(StoreOp::ClaimKeepAlive { interval }).await
            {
                continue;
            }
        }
        let Some(call) = strong.authenticator.keep_alive(&strong.ctx, &session) else {
            return;
        };
        match crate::auth::vendor::session_step("keep_alive", call).await {
            Ok(()) => {
                strong.keepalives.fetch_add(1, Ordering::Relaxed);
                if let Some(fleet) = &fleet {
                    // The store keeps the session as long as the server does.
                    let _ = fleet.run(StoreOp::Touch { ttl: idle }).await;
                }
                tracing::debug!(
                    target: "bi_rest::session",
                    event = "keep_alive",
                    reason = "idle timeout approaching",
                    generation,
                    "session extended"
                );
            }
            Err(e) if e.is_session_invalid() || e.is_session_expired() => {
                gone = Some(generation);
                tracing::debug!(
                    generation,
                    "keep-alive found the session gone; the next call renews it"
                );
            }
            Err(e) => tracing::warn!(error = %e, "keep-alive failed"),
        }
    }
}
