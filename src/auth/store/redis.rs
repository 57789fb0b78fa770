//! The Redis store (feature `redis`): one fleet's state in five keys sharing the hash tag
//! `{NAME}` (so a cluster keeps them on one shard):
//!
//! | key | type | holds |
//! |---|---|---|
//! | `{NAME}:session` | hash `gen`, `sealed` | the sealed session; its TTL follows the session's expiry |
//! | `{NAME}:lock` | string, `PX` TTL | the fencing token of the process renewing the session |
//! | `{NAME}:fence` | counter | the last fencing token handed out (`INCR`) |
//! | `{NAME}:leases` | sorted set | process lease id -> lapse time (Unix ms) |
//! | `{NAME}:keepalive` | string, `PX` TTL | this interval's keep-alive claim |
//!
//! Every operation that reads and writes runs as one Lua script, so it is atomic. URLs:
//! `redis://[USER[:PASSWORD]@]HOST:PORT/DB` (ACL user and password) and `rediss://...`
//! (TLS through rustls, verified against the system's roots, or against the CA certificates
//! given to [`RedisStore::with_ca_cert`] / the CLI's `--store-ca-cert`).

use std::fmt;

use futures::future::{BoxFuture, FutureExt};
use redis::aio::MultiplexedConnection;
use redis::Script;
use tokio::sync::Mutex;

use super::state::now_ms;
use super::{millis, SessionStore, StoreError, StoreOp, StoreReply, StoredSession};
use crate::error::{Error, ErrorKind};

/// A session store on a Redis server, shared by every process and host that reaches it.
pub struct RedisStore {
    client: redis::Client,
    described: String,
    connection: Mutex<Option<MultiplexedConnection>>,
    name: String,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("url", &self.described)
            .field("name", &self.name)
            .finish()
    }
}

const LOCK: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
return fence";

const EXTEND: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0";

const UNLOCK: &str = r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0";

const PUBLISH: &str = r"
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
local gen = tonumber(redis.call('HGET', KEYS[1], 'gen') or '0')
if gen >= tonumber(ARGV[2]) then return 0 end
redis.call('HSET', KEYS[1], 'gen', ARGV[2], 'sealed', ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1";

const JOIN: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local orphan = {}
if redis.call('ZCARD', KEYS[1]) == 0 then
  orphan = redis.call('HMGET', KEYS[2], 'gen', 'sealed')
  redis.call('DEL', KEYS[2])
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return orphan";

const RENEW_LEASE: &str = r"
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return 1";

const CLEAR: &str = r"
local old = redis.call('HMGET', KEYS[1], 'gen', 'sealed')
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4])
return old";

impl RedisStore {
    /// A store at `url` for fleet keys under `{bi-rest}` until [`RedisStore::named`] sets the
    /// fleet's name. Nothing is connected until the first operation.
    pub fn open(url: &str) -> Result<RedisStore, Error> {
        let described = describe_url(url);
        let client = redis::Client::open(url).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("invalid session store URL {described}: {e}"),
            )
        })?;
        Ok(RedisStore {
            client,
            described,
            connection: Mutex::new(None),
            name: "bi-rest".to_string(),
        })
    }

    /// Verifies a `rediss://` server against the CA certificates in `pem` (one or more PEM
    /// certificates) instead of the system's roots, e.g. a private CA of the Redis fleet.
    /// An error for a `redis://` URL (no TLS to verify) or a PEM without a usable certificate.
    pub fn with_ca_cert(mut self, pem: &[u8]) -> Result<RedisStore, Error> {
        let info = self.client.get_connection_info().clone();
        if !matches!(info.addr(), redis::ConnectionAddr::TcpTls { .. }) {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "session store {}: a CA certificate applies to rediss:// (TLS) URLs only",
                    self.described
                ),
            ));
        }
        let usable = reqwest::Certificate::from_pem_bundle(pem).is_ok_and(|c| !c.is_empty());
        if !usable {
            return Err(Error::new(
                ErrorKind::Config,
                format!(
                    "session store {}: the CA certificate file holds no PEM certificate",
                    self.described
                ),
            ));
        }
        let certs = redis::TlsCertificates {
            client_tls: None,
            root_cert: Some(pem.to_vec()),
        };
        self.client = redis::Client::build_with_tls(info, certs).map_err(|e| {
            Error::new(
                ErrorKind::Config,
                format!("session store {}: CA certificate: {e}", self.described),
            )
        })?;
        Ok(self)
    }

    /// Uses the keys of fleet `name` (`{name}:session`, ...).
    pub fn named(mut self, name: &str) -> RedisStore {
        self.name = name.to_string();
        self
    }

    fn key(&self, what: &str) -> String {
        format!("{{{}}}:{what}", self.name)
    }

    fn fail(&self, op: &'static str, e: &redis::RedisError) -> StoreError {
        // The error's text never carries the URL's password (the crate does not echo it).
        StoreError::Backend {
            store: self.described.clone(),
            op,
            reason: e.to_string(),
        }
    }

    async fn connection(&self, op: &'static str) -> Result<MultiplexedConnection, StoreError> {
        let mut slot = self.connection.lock().await;
        if let Some(c) = slot.as_ref() {
            return Ok(c.clone());
        }
        let c = self
            .client
            .get_multiplexed_async_connection()
            .await
            .map_err(|e| self.fail(op, &e))?;
        *slot = Some(c.clone());
        Ok(c)
    }

    async fn run_op(&self, op: StoreOp) -> Result<StoreReply, StoreError> {
        let name = op.name();
        let mut con = self.connection(name).await?;
        let result = self.exec(&mut con, op).await;
        if result.is_err() {
            // A broken connection is not reused: the next operation connects again.
            *self.connection.lock().await = None;
        }
        result.map_err(|e| self.fail(name, &e))
    }

    async fn exec(
        &self,
        con: &mut MultiplexedConnection,
        op: StoreOp,
    ) -> redis::RedisResult<StoreReply> {
        let session = self.key("session");
        let lock = self.key("lock");
        let fence_key = self.key("fence");
        let leases = self.key("leases");
        let keepalive = self.key("keepalive");
        let now = now_ms();
        Ok(match op {
            StoreOp::Load => {
                let (gen, sealed): (Option<u64>, Option<Vec<u8>>) = redis::cmd("HMGET")
                    .arg(&session)
                    .arg("gen")
                    .arg("sealed")
                    .query_async(con)
                    .await?;
                StoreReply::Session(stored(gen, sealed))
            }
            StoreOp::Lock { ttl } => {
                let fence: u64 = Script::new(LOCK)
                    .key(&lock)
                    .key(&fence_key)
                    .arg(millis(ttl))
                    .invoke_async(con)
                    .await?;
                StoreReply::Fence((fence > 0).then_some(fence))
            }
            StoreOp::ExtendLock { fence, ttl } => {
                let done: u8 = Script::new(EXTEND)
                    .key(&lock)
                    .arg(fence.to_string())
                    .arg(millis(ttl))
                    .invoke_async(con)
                    .await?;
                StoreReply::Done(done == 1)
            }
            StoreOp::Unlock { fence } => {
                let done: u8 = Script::new(UNLOCK)
                    .key(&lock)
                    .arg(fence.to_string())
                    .invoke_async(con)
                    .await?;
                StoreReply::Done(done == 1)
            }
            StoreOp::Publish {
                fence,
                session: s,
                ttl,
            } => {
                let done: u8 = Script::new(PUBLISH)
                    .key(&session)
                    .key(&fence_key)
                    .arg(fence.to_string())
                    .arg(s.generation)
                    .arg(s.sealed)
                    .arg(millis(ttl))
                    .invoke_async(con)
                    .await?;
                StoreReply::Done(done == 1)
            }
            StoreOp::Touch { ttl } => {
                let done: u8 = redis::cmd("PEXPIRE")
                    .arg(&session)
                    .arg(millis(ttl))
                    .query_async(con)
                    .await?;
                StoreReply::Done(done == 1)
            }
            StoreOp::Join { lease, ttl } => {
                let script = Script::new(JOIN);
                let mut call = lease_call(&script, &leases, now, &lease, ttl);
                let orphan: Vec<Option<Vec<u8>>> = call.key(&session).invoke_async(con).await?;
                StoreReply::Session(from_pair(orphan))
            }
            StoreOp::RenewLease { lease, ttl } => {
                let script = Script::new(RENEW_LEASE);
                let _: u8 = lease_call(&script, &leases, now, &lease, ttl)
                    .invoke_async(con)
                    .await?;
                StoreReply::Done(true)
            }
            StoreOp::ClaimKeepAlive { interval } => {
                let set: Option<String> = redis::cmd("SET")
                    .arg(&keepalive)
                    .arg(1)
                    .arg("NX")
                    .arg("PX")
                    .arg(millis(interval))
                    .query_async(con)
                    .await?;
                StoreReply::Done(set.is_some())
            }
            StoreOp::Holder => {
                let fence: Option<u64> = redis::cmd("GET").arg(&lock).query_async(con).await?;
                StoreReply::Fence(fence)
            }
            StoreOp::Clear => {
                let old: Vec<Option<Vec<u8>>> = Script::new(CLEAR)
                    .key(&session)
                    .key(&leases)
                    .key(&lock)
                    .key(&keepalive)
                    .invoke_async(con)
                    .await?;
                StoreReply::Session(from_pair(old))
            }
        })
    }
}

/// A lease script's call: `KEYS[1]` the leases, `ARGV` now, the lease's lapse time, its id
/// and the set's own TTL (twice the lease).
fn lease_call<'a>(
    script: &'a Script,
    leases: &str,
    now: u64,
    lease: &str,
    ttl: std::time::Duration,
) -> redis::ScriptInvocation<'a> {
    let mut call = script.key(leases);
    call.arg(now)
        .arg(now.saturating_add(millis(ttl)))
        .arg(lease)
        .arg(millis(ttl).saturating_mul(2));
    call
}

/// A session from `HMGET gen sealed` answered as two optional byte strings.
fn from_pair(pair: Vec<Option<Vec<u8>>>) -> Option<StoredSession> {
    let mut it = pair.into_iter();
    let gen = it
        .next()
        .flatten()
        .and_then(|g| String::from_utf8(g).ok()?.parse().ok());
    stored(gen, it.next().flatten())
}

fn stored(gen: Option<u64>, sealed: Option<Vec<u8>>) -> Option<StoredSession> {
    Some(StoredSession {
        generation: gen?,
        sealed: sealed?,
    })
}

/// The URL without its password, for logs and errors.
fn describe_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            if parsed.password().is_some() {
                let _ = parsed.set_password(Some("****"));
            }
            parsed.to_string()
        }
        Err(_) => "(unparsable URL)".to_string(),
    }
}

impl SessionStore for RedisStore {
    fn run(&self, op: StoreOp) -> BoxFuture<'_, Result<StoreReply, StoreError>> {
        self.run_op(op).boxed()
    }

    fn describe(&self) -> String {
        self.described.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_described_without_password() {
        let d = describe_url("redis://bot:s3cret@127.0.0.1:6379/2");
        assert!(!d.contains("s3cret"), "{d}");
        assert!(d.contains("bot"), "{d}");
        assert!(RedisStore::open("rediss://127.0.0.1:6380/0").is_ok());
        assert!(RedisStore::open("http://x").is_err());
    }

    #[test]
    fn pairs_decode() {
        assert_eq!(from_pair(vec![None, None]), None);
        assert_eq!(from_pair(Vec::new()), None);
        assert_eq!(
            from_pair(vec![Some(b"7".to_vec()), Some(vec![1, 2])]),
            Some(StoredSession {
                generation: 7,
                sealed: vec![1, 2]
            })
        );
        assert_eq!(from_pair(vec![Some(b"x".to_vec()), Some(vec![1])]), None);
    }
}
