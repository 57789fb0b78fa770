//! Sealing a fleet's session at rest: XChaCha20-Poly1305 (an AEAD: a tampered or foreign
//! value is refused, never half-read) with a 24-byte random nonce per write, the fleet's name
//! as associated data (a value copied from another fleet does not open), and a key derived
//! from the fleet key's secret with SHA-256.
//!
//! The secret comes from a credential source (`env:`, `file:`, a secret manager, ...); use a
//! random one (for example 32 random bytes in hex): SHA-256 is a key derivation for
//! high-entropy secrets, not a password hash.
//!
//! Format: `0x01 | nonce (24) | ciphertext and tag`.

use std::fmt;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::error::{Error, ErrorKind};

const VERSION: u8 = 1;
const NONCE_LEN: usize = 24;
const KEY_CONTEXT: &[u8] = b"bi-rest fleet session key v1\0";

/// The key that seals and opens a fleet's session. `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Sealer {
    cipher: XChaCha20Poly1305,
    aad: Vec<u8>,
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer([REDACTED])")
    }
}

impl Sealer {
    /// The sealer of fleet `name` with the key derived from `secret`.
    pub fn new(secret: &SecretString, name: &str) -> Result<Sealer, Error> {
        if secret.expose_secret().is_empty() {
            return Err(Error::new(
                ErrorKind::Credential,
                "the fleet's store key is empty",
            ));
        }
        let mut hasher = Sha256::new();
        hasher.update(KEY_CONTEXT);
        hasher.update(secret.expose_secret().as_bytes());
        let mut bytes: [u8; 32] = hasher.finalize().into();
        let cipher = XChaCha20Poly1305::new(&Key::from(bytes));
        bytes.zeroize();
        let mut aad = b"bi-rest fleet:".to_vec();
        aad.extend_from_slice(name.as_bytes());
        Ok(Sealer { cipher, aad })
    }

    /// Seals `plain` (a fresh random nonce each time).
    pub fn seal(&self, plain: &[u8]) -> Result<Vec<u8>, Error> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|e| {
            Error::new(
                ErrorKind::Other,
                format!("no random nonce for the fleet session: {e}"),
            )
        })?;
        let sealed = self
            .cipher
            .encrypt(
                &XNonce::from(nonce),
                Payload {
                    msg: plain,
                    aad: &self.aad,
                },
            )
            .map_err(|_| Error::new(ErrorKind::Other, "cannot seal the fleet session"))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`Sealer::seal`] made; a `Store` error (naming the likely cause, never the
    /// data) for a wrong key, another fleet's value, tampering or garbage.
    pub fn open(&self, sealed: &[u8]) -> Result<Vec<u8>, Error> {
        let refused = |why: &str| {
            Error::new(
                ErrorKind::Store,
                format!("cannot open the fleet's stored session: {why}"),
            )
        };
        let (version, rest) = sealed
            .split_first()
            .ok_or_else(|| refused("the stored value is empty"))?;
        if *version != VERSION {
            return Err(refused("unknown format (written by another bi-rest?)"));
        }
        if rest.len() < NONCE_LEN {
            return Err(refused("the stored value is truncated"));
        }
        let (nonce, body) = rest.split_at(NONCE_LEN);
        let mut nonce_bytes = [0u8; NONCE_LEN];
        nonce_bytes.copy_from_slice(nonce);
        self.cipher
            .decrypt(
                &XNonce::from(nonce_bytes),
                Payload {
                    msg: body,
                    aad: &self.aad,
                },
            )
            .map_err(|_| {
                refused("wrong store key (--store-key), another fleet's value, or tampered data")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer(key: &str, name: &str) -> Sealer {
        Sealer::new(&SecretString::from(key.to_string()), name).expect("a key")
    }

    #[test]
    fn round_trip_and_refusals() {
        let a = sealer("k1", "fleet");
        let sealed = a.seal(b"token-123").expect("seal");
        assert!(!sealed.windows(9).any(|w| w == b"token-123"));
        assert_eq!(a.open(&sealed).expect("open"), b"token-123");
        assert_ne!(a.seal(b"token-123").expect("seal"), sealed, "fresh nonce");
        let wrong = sealer("k2", "fleet").open(&sealed).expect_err("wrong key");
        assert_eq!(wrong.kind(), ErrorKind::Store);
        assert!(wrong.to_string().contains("wrong store key"), "{wrong}");
        assert!(sealer("k1", "other").open(&sealed).is_err());
        let mut tampered = sealed.clone();
        if let Some(last) = tampered.last_mut() {
            *last ^= 1;
        }
        assert!(a.open(&tampered).is_err());
        assert!(a.open(&[]).is_err());
        assert!(a.open(&[1, 2, 3]).is_err());
        assert!(Sealer::new(&SecretString::from(String::new()), "f").is_err());
    }
}
