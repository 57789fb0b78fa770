//! Shared helpers of the MicroStrategy tests: a simulator and client builders.
#![allow(dead_code)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use bi_rest::credentials::{Credential, CredentialError, SecretSource};
use bi_rest::mstr::{MstrClient, MstrClientBuilder};
use bi_rest::sim::mstr::{start, MstrSimConfig, RunningMstrSim};
use futures::future::BoxFuture;
use secrecy::SecretString;

pub const ADMIN: &str = "administrator";
pub const ADMIN_PASS: &str = "admin-pass";

pub async fn sim(config: MstrSimConfig) -> RunningMstrSim {
    start(config).await.expect("simulator starts")
}

pub async fn default_sim() -> RunningMstrSim {
    sim(MstrSimConfig::default()).await
}

/// A builder with short timeouts and no keep-alive (tests that want it turn it on).
pub fn builder(sim: &RunningMstrSim) -> MstrClientBuilder {
    MstrClient::builder(sim.base_url())
        .keep_alive(false)
        .http(bi_rest::auth::HttpConfig::new().request_timeout(Some(Duration::from_secs(20))))
}

pub fn admin(sim: &RunningMstrSim) -> MstrClient {
    builder(sim)
        .standard(ADMIN, Credential::value(ADMIN_PASS))
        .build()
        .expect("client builds")
}

/// A secret source that counts how often it was asked (rotation is picked up at each login).
#[derive(Debug, Clone)]
pub struct CountingSource {
    pub value: Arc<std::sync::Mutex<String>>,
    pub reads: Arc<AtomicUsize>,
}

impl CountingSource {
    pub fn new(value: &str) -> Self {
        CountingSource {
            value: Arc::new(std::sync::Mutex::new(value.to_string())),
            reads: Arc::new(AtomicUsize::new(0)),
        }
    }
    pub fn reads(&self) -> usize {
        self.reads.load(Ordering::SeqCst)
    }
}

impl SecretSource for CountingSource {
    fn describe(&self) -> String {
        "test:counting".to_string()
    }
    fn resolve(&self) -> BoxFuture<'_, Result<SecretString, CredentialError>> {
        self.reads.fetch_add(1, Ordering::SeqCst);
        let v = self.value.lock().unwrap().clone();
        Box::pin(async move { Ok(SecretString::from(v)) })
    }
}
