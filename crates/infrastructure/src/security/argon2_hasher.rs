//! Argon2id password hashing, off the async workers, in bounded memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{Output, ParamsString, PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use keel_domain::identity::{HashError, PasswordHash, PasswordHasher, PlainPassword};
use tokio::sync::Semaphore;

/// The largest memory cost a stored hash may ask for (64 MiB); anything
/// bigger is refused rather than allocated.
const MAX_BLOCKS: usize = 64 * 1024;

fn failed(e: impl std::fmt::Display) -> HashError {
    HashError::Failed(e.to_string())
}

/// [`PasswordHasher`] with Argon2id at the OWASP minimum (m=19456 KiB, t=2,
/// p=1). Every hash and verify runs on tokio's blocking pool; at most
/// `concurrency` run at once, each in one of `concurrency` reused memory
/// buffers, so hashing never holds more than `concurrency` × 19 MiB however
/// many logins arrive (freed 19 MiB buffers are not reliably returned to the
/// system by the allocator; reused ones never need to be). At most
/// `queue` more wait for a turn; beyond that a check is shed at once with
/// [`HashError::Busy`] (503 with `Retry-After`), so a flood of logins cannot
/// delay a real one without end.
pub struct Argon2Hasher {
    permits: Arc<Semaphore>,
    memory: Arc<Mutex<Vec<Vec<Block>>>>,
    admitted: Arc<AtomicUsize>,
    limit: usize,
    dummy: String,
}

/// Counts a check from admission until it returns or is dropped.
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A PHC string for `password` with a fresh salt, computed in `blocks`.
fn hash_into(password: &[u8], blocks: &mut Vec<Block>) -> Result<String, HashError> {
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buf).map_err(failed)?;
    let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
    compute(&params, password, salt_bytes, &mut out, blocks)?;
    let phc = Phc {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(failed)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(failed)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, computed in `blocks`
/// and compared in constant time.
fn verify_into(password: &[u8], stored: &str, blocks: &mut Vec<Block>) -> Result<bool, HashError> {
    let phc = Phc::new(stored).map_err(failed)?;
    if Algorithm::try_from(phc.algorithm).map_err(failed)? != Algorithm::Argon2id {
        return Err(failed("not an argon2id hash"));
    }
    let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
        return Err(failed("the stored hash has no salt or output"));
    };
    let params = Params::try_from(&phc).map_err(failed)?;
    let mut salt_buf = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(failed)?;
    let mut out = vec![0u8; expected.len()];
    compute(&params, password, salt_bytes, &mut out, blocks)?;
    // `Output`'s equality is constant-time.
    Ok(Output::new(&out).map_err(failed)? == expected)
}

fn compute(
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
    blocks: &mut Vec<Block>,
) -> Result<(), HashError> {
    let needed = params.block_count();
    if needed > MAX_BLOCKS {
        return Err(failed("the stored hash asks for too much memory"));
    }
    if blocks.len() < needed {
        blocks.resize(needed, Block::default());
    }
    let params = Params::new(
        params.m_cost(),
        params.t_cost(),
        params.p_cost(),
        Some(out.len()),
    )
    .map_err(failed)?;
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
        .map_err(failed)
}

impl Argon2Hasher {
    /// A hasher that runs at most `concurrency` (at least 1) hashes at once
    /// and lets at most `queue` more wait.
    ///
    /// # Panics
    /// Never in practice: hashing a random password with default parameters cannot fail.
    pub fn new(concurrency: usize, queue: usize) -> Self {
        let concurrency = concurrency.max(1);
        let mut random = [0u8; 24];
        OsRng.fill_bytes(&mut random);
        let dummy = hash_into(&random, &mut Vec::new())
            .expect("argon2 with default parameters hashes any input");
        Self {
            permits: Arc::new(Semaphore::new(concurrency)),
            memory: Arc::new(Mutex::new(Vec::new())),
            admitted: Arc::new(AtomicUsize::new(0)),
            limit: concurrency + queue,
            dummy,
        }
    }

    /// Runs `work` on the blocking pool with one of the reused buffers. The
    /// permit travels with the work, so a caller that gives up (a client
    /// that disconnects) frees its turn only when the hash is really done.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _admission = Admission(self.admitted.clone());
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.limit {
            return Err(HashError::Busy);
        }
        let permit = self.permits.clone().acquire_owned().await.map_err(failed)?;
        let memory = self.memory.clone();
        tokio::task::spawn_blocking(move || {
            let mut blocks = memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
                .unwrap_or_default();
            let result = work(&mut blocks);
            memory
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(blocks);
            drop(permit);
            result
        })
        .await
        .map_err(failed)?
    }

    /// How many memory buffers exist (at most the concurrency).
    pub fn buffers(&self) -> usize {
        self.memory
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &PlainPassword) -> Result<PasswordHash, HashError> {
        let password = password.expose().to_owned();
        self.blocking(move |blocks| hash_into(password.as_bytes(), blocks).map(PasswordHash::new))
            .await
    }

    async fn verify(&self, password: &str, hash: Option<PasswordHash>) -> Result<bool, HashError> {
        let password = password.to_owned();
        let known = hash.is_some();
        let phc = hash.map_or_else(|| self.dummy.clone(), |h| h.as_str().to_owned());
        let matches = self
            .blocking(move |blocks| verify_into(password.as_bytes(), &phc, blocks))
            .await?;
        Ok(known && matches)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let hasher = Argon2Hasher::new(1, 8);
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
        let hasher = Argon2Hasher::new(1, 8);
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_match() {
        let hasher = Argon2Hasher::new(1, 8);
        assert!(
            hasher
                .verify("x", Some(PasswordHash::new("not-a-phc")))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn hashes_from_the_reference_implementation_verify_and_back() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let salt = SaltString::generate(&mut OsRng);
        let reference = Argon2::default()
            .hash_password(b"interop secret", &salt)
            .unwrap()
            .to_string();
        let hasher = Argon2Hasher::new(1, 8);
        assert!(
            hasher
                .verify("interop secret", Some(PasswordHash::new(reference.clone())))
                .await
                .unwrap()
        );
        assert!(
            !hasher
                .verify("interop secreT", Some(PasswordHash::new(reference)))
                .await
                .unwrap()
        );
        let ours = hasher
            .hash(&PlainPassword::parse("interop secret", "password").unwrap())
            .await
            .unwrap();
        let parsed = Phc::new(ours.as_str()).unwrap();
        assert!(
            Argon2::default()
                .verify_password(b"interop secret", &parsed)
                .is_ok()
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memory_is_bounded_by_the_concurrency_and_a_full_queue_sheds() {
        let hasher = Arc::new(Argon2Hasher::new(2, 3));
        let hash = hasher
            .hash(&PlainPassword::parse("queued secret", "password").unwrap())
            .await
            .unwrap();
        let checks: Vec<_> = (0..20)
            .map(|_| {
                let (hasher, hash) = (hasher.clone(), hash.clone());
                tokio::spawn(async move { hasher.verify("queued secret", Some(hash)).await })
            })
            .collect();
        let mut ok = 0;
        let mut busy = 0;
        for check in checks {
            match check.await.unwrap() {
                Ok(true) => ok += 1,
                Err(HashError::Busy) => busy += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert!(ok >= 5, "the running and the queued checks finish: {ok}");
        assert!(busy >= 1, "checks beyond the queue are shed");
        assert_eq!(ok + busy, 20);
        assert!(hasher.buffers() <= 2, "{} buffers", hasher.buffers());
        // Once the flood is over a check is admitted again.
        assert!(hasher.verify("queued secret", Some(hash)).await.unwrap());
    }
}
