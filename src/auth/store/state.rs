//! The fleet's shared state as the memory and file stores keep it (the Redis store keeps the
//! same facts in its own keys): the session, the renewal lock and its fencing counter, the
//! leases and the keep-alive claim. [`Board::apply`] runs one [`StoreOp`] on it.

use std::collections::BTreeMap;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use super::{millis, StoreOp, StoreReply, StoredSession};

/// The state of one fleet. Times are Unix milliseconds.
#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct Board {
    /// The last fencing token handed out.
    #[serde(default)]
    pub fence: u64,
    /// The lock: its holder's fence and when it lapses.
    #[serde(default)]
    pub lock: Option<(u64, u64)>,
    /// The sealed session (hex), its generation, and when the store forgets it.
    #[serde(default)]
    pub session: Option<Slot>,
    /// Lease id -> when it lapses.
    #[serde(default)]
    pub leases: BTreeMap<String, u64>,
    /// When the current keep-alive claim lapses.
    #[serde(default)]
    pub keepalive_until: u64,
}

/// A stored session in a [`Board`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Slot {
    /// The fleet generation.
    pub generation: u64,
    /// The sealed bytes, hex.
    pub sealed: String,
    /// When the store forgets it (Unix ms).
    pub until: u64,
}

/// Now, in Unix milliseconds.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

impl Board {
    /// Runs `op` at `now` (Unix ms); lapsed entries are dropped first.
    pub fn apply(&mut self, op: StoreOp, now: u64) -> StoreReply {
        self.sweep(now);
        match op {
            StoreOp::Load => StoreReply::Session(self.session()),
            StoreOp::Lock { ttl } => StoreReply::Fence(if self.lock.is_some() {
                None
            } else {
                self.fence += 1;
                self.lock = Some((self.fence, now.saturating_add(millis(ttl))));
                Some(self.fence)
            }),
            StoreOp::ExtendLock { fence, ttl } => StoreReply::Done(match &mut self.lock {
                Some((held, until)) if *held == fence => {
                    *until = now.saturating_add(millis(ttl));
                    true
                }
                _ => false,
            }),
            StoreOp::Unlock { fence } => {
                let mine = matches!(self.lock, Some((held, _)) if held == fence);
                if mine {
                    self.lock = None;
                }
                StoreReply::Done(mine)
            }
            StoreOp::Publish {
                fence,
                session,
                ttl,
            } => {
                let newer = self
                    .session
                    .as_ref()
                    .is_none_or(|s| s.generation < session.generation);
                let ok = fence == self.fence && newer;
                if ok {
                    self.session = Some(Slot {
                        generation: session.generation,
                        sealed: hex(&session.sealed),
                        until: now.saturating_add(millis(ttl)),
                    });
                }
                StoreReply::Done(ok)
            }
            StoreOp::Touch { ttl } => StoreReply::Done(match &mut self.session {
                Some(slot) => {
                    slot.until = now.saturating_add(millis(ttl));
                    true
                }
                None => false,
            }),
            StoreOp::Join { lease, ttl } => {
                let orphan = if self.leases.is_empty() {
                    let orphan = self.session();
                    self.session = None;
                    orphan
                } else {
                    None
                };
                self.leases.insert(lease, now.saturating_add(millis(ttl)));
                StoreReply::Session(orphan)
            }
            StoreOp::RenewLease { lease, ttl } => {
                self.leases.insert(lease, now.saturating_add(millis(ttl)));
                StoreReply::Done(true)
            }
            StoreOp::ClaimKeepAlive { interval } => {
                let free = self.keepalive_until <= now;
                if free {
                    self.keepalive_until = now.saturating_add(millis(interval));
                }
                StoreReply::Done(free)
            }
            StoreOp::Holder => StoreReply::Fence(self.lock.map(|(fence, _)| fence)),
            StoreOp::Clear => {
                let old = self.session();
                self.session = None;
                self.leases.clear();
                self.lock = None;
                self.keepalive_until = 0;
                StoreReply::Session(old)
            }
        }
    }

    fn session(&self) -> Option<StoredSession> {
        let slot = self.session.as_ref()?;
        Some(StoredSession {
            generation: slot.generation,
            sealed: unhex(&slot.sealed)?,
        })
    }

    fn sweep(&mut self, now: u64) {
        if self.lock.is_some_and(|(_, until)| until <= now) {
            self.lock = None;
        }
        if self.session.as_ref().is_some_and(|s| s.until <= now) {
            self.session = None;
        }
        self.leases.retain(|_, until| *until > now);
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Hex back to bytes; `None` for anything that is not even-length hex.
fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn stored(generation: u64) -> StoredSession {
        StoredSession {
            generation,
            sealed: vec![1, 2, 255],
        }
    }

    #[test]
    fn lock_fences_and_compare_and_set() {
        let mut b = Board::default();
        let ttl = Duration::from_secs(1);
        let StoreReply::Fence(Some(f1)) = b.apply(StoreOp::Lock { ttl }, 0) else {
            panic!("first lock is free")
        };
        assert_eq!(b.apply(StoreOp::Lock { ttl }, 10), StoreReply::Fence(None));
        // The holder dies: the lock lapses, the next holder gets a newer fence.
        let StoreReply::Fence(Some(f2)) = b.apply(StoreOp::Lock { ttl }, 2_000) else {
            panic!("lapsed lock is free")
        };
        assert!(f2 > f1);
        // The stale holder cannot publish; the new one can.
        let publish = |fence, generation| StoreOp::Publish {
            fence,
            session: stored(generation),
            ttl,
        };
        assert_eq!(b.apply(publish(f1, f1), 2_001), StoreReply::Done(false));
        assert_eq!(b.apply(publish(f2, f2), 2_002), StoreReply::Done(true));
        assert_eq!(
            b.apply(StoreOp::Load, 2_003),
            StoreReply::Session(Some(stored(f2)))
        );
        assert_eq!(b.apply(StoreOp::Load, 9_000), StoreReply::Session(None));
    }

    #[test]
    fn last_lease_gone_hands_the_session_back() {
        let mut b = Board::default();
        let ttl = Duration::from_secs(1);
        b.apply(
            StoreOp::Join {
                lease: "a".into(),
                ttl,
            },
            0,
        );
        let StoreReply::Fence(Some(f)) = b.apply(StoreOp::Lock { ttl }, 0) else {
            panic!("lock")
        };
        b.apply(
            StoreOp::Publish {
                fence: f,
                session: stored(f),
                ttl: Duration::from_secs(60),
            },
            1,
        );
        let join = |lease: &str| StoreOp::Join {
            lease: lease.into(),
            ttl,
        };
        assert_eq!(b.apply(join("b"), 500), StoreReply::Session(None));
        assert_eq!(
            b.apply(join("c"), 5_000),
            StoreReply::Session(Some(stored(f)))
        );
        assert_eq!(b.apply(StoreOp::Load, 5_001), StoreReply::Session(None));
    }

    #[test]
    fn hex_round_trip_and_garbage() {
        assert_eq!(unhex(&hex(&[0, 15, 16, 255])), Some(vec![0, 15, 16, 255]));
        assert_eq!(unhex("abc"), None);
        assert_eq!(unhex("zz"), None);
    }
}
