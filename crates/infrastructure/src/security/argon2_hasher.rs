//! Argon2id password hashing, off the async workers.

use std::sync::Arc;

use argon2::Argon2;
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{
    PasswordHash as Phc, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use async_trait::async_trait;
use keel_domain::identity::{HashError, PasswordHash, PasswordHasher, PlainPassword};
use tokio::sync::Semaphore;

/// [`PasswordHasher`] with Argon2id at the OWASP minimum (m=19456 KiB, t=2,
/// p=1). Every hash and verify runs on tokio's blocking pool, and at most
/// `concurrency` of them run at once, so a login flood cannot take every core
/// from the request workers (nor 19 MiB of memory per request without bound).
pub struct Argon2Hasher {
    permits: Arc<Semaphore>,
    dummy: String,
}

impl Argon2Hasher {
    /// A hasher that runs at most `concurrency` (at least 1) hashes at once.
    ///
    /// # Panics
    /// Never in practice: hashing a random password with default parameters cannot fail.
    pub fn new(concurrency: usize) -> Self {
        let mut random = [0u8; 24];
        OsRng.fill_bytes(&mut random);
        let salt = SaltString::generate(&mut OsRng);
        let dummy = Argon2::default()
            .hash_password(&random, &salt)
            .expect("argon2 with default parameters hashes any input")
            .to_string();
        Self {
            permits: Arc::new(Semaphore::new(concurrency.max(1))),
            dummy,
        }
    }

    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, HashError> {
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|e| HashError(e.to_string()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| HashError(e.to_string()))
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &PlainPassword) -> Result<PasswordHash, HashError> {
        let password = password.expose().to_owned();
        self.blocking(move || {
            let salt = SaltString::generate(&mut OsRng);
            Argon2::default()
                .hash_password(password.as_bytes(), &salt)
                .map(|h| PasswordHash::new(h.to_string()))
                .map_err(|e| HashError(e.to_string()))
        })
        .await?
    }

    async fn verify(&self, password: &str, hash: Option<PasswordHash>) -> Result<bool, HashError> {
        let password = password.to_owned();
        let known = hash.is_some();
        let phc = hash.map_or_else(|| self.dummy.clone(), |h| h.as_str().to_owned());
        self.blocking(move || {
            let parsed = Phc::new(&phc).map_err(|e| HashError(e.to_string()))?;
            let matches = Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok();
            Ok(known && matches)
        })
        .await?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let hasher = Argon2Hasher::new(1);
        let hash = hasher
            .hash(&PlainPassword::parse("correct horse", "password").unwrap())
            .await
            .unwrap();
        assert!(hash.as_str().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(
            hasher
                .verify("correct horse", Some(hash.clone()))
                .await
                .unwrap()
        );
        assert!(!hasher.verify("wrong horse", Some(hash)).await.unwrap());
    }

    #[tokio::test]
    async fn unknown_users_never_verify() {
        let hasher = Argon2Hasher::new(1);
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_match() {
        let hasher = Argon2Hasher::new(1);
        assert!(
            hasher
                .verify("x", Some(PasswordHash::new("not-a-phc")))
                .await
                .is_err()
        );
    }
}
