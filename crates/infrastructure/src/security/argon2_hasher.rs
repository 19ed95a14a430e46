//! Argon2id password hashing, off the async workers, in bounded memory.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};

use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{Output, ParamsString, PasswordHash as Phc, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use async_trait::async_trait;
use keel_domain::identity::{HashError, PasswordHash, PasswordHasher, PlainPassword};

/// The largest memory cost a stored hash may ask for (64 MiB); anything
/// bigger is refused rather than allocated.
const MAX_BLOCKS: usize = 64 * 1024;

fn failed(e: impl std::fmt::Display) -> HashError {
    HashError::Failed(e.to_string())
}

/// [`PasswordHasher`] with Argon2id at the OWASP minimum (m=19456 KiB, t=2,
/// p=1). Hashes run on `concurrency` dedicated threads (`keel-hash-N`),
/// never on the async workers; each thread owns one reused 19 MiB buffer,
/// so hashing never holds more than `concurrency` × 19 MiB however many
/// logins arrive (freed 19 MiB buffers are not reliably returned to the
/// system by the allocator; reused ones never need to be). The threads run
/// at a raised nice value (Linux), so when requests and hashes compete for
/// the cores the requests win and a login flood cannot stall them; with
/// the cores otherwise idle the hashes get all of them. At most `queue`
/// more checks wait for a thread; beyond that a check is shed at once with
/// [`HashError::Busy`] (503 with `Retry-After`), so a flood of logins cannot
/// delay a real one without end. A check whose caller gave up before its
/// turn (a client that disconnected) is skipped, not computed.
pub struct Argon2Hasher {
    jobs: Mutex<mpsc::Sender<Job>>,
    admitted: Arc<AtomicUsize>,
    buffers: Arc<AtomicUsize>,
    limit: usize,
    dummy: String,
}

/// One hash or verify for a hashing thread: runs in the thread's buffer.
type Job = Box<dyn FnOnce(&mut Vec<Block>) + Send>;

/// Counts a check from admission until it returns or is dropped.
struct Admission(Arc<AtomicUsize>);

impl Drop for Admission {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Lowers the calling thread's priority to `nice` (Linux keeps a nice value
/// per thread); elsewhere, or when refused, the thread keeps its priority.
fn lower_priority(nice: i32) {
    #[cfg(target_os = "linux")]
    if nice > 0
        && let Err(e) = rustix::process::setpriority_process(Some(rustix::thread::gettid()), nice)
    {
        tracing::warn!(error = %e, "could not lower the hashing thread's priority");
    }
    #[cfg(not(target_os = "linux"))]
    let _ = nice;
}

/// A hashing thread: takes jobs until the hasher is dropped.
fn hashing_thread(jobs: Arc<Mutex<mpsc::Receiver<Job>>>, buffers: Arc<AtomicUsize>, nice: i32) {
    lower_priority(nice);
    let mut blocks: Vec<Block> = Vec::new();
    loop {
        let job = jobs.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = job else { return };
        let had_buffer = !blocks.is_empty();
        job(&mut blocks);
        if !had_buffer && !blocks.is_empty() {
            buffers.fetch_add(1, Ordering::AcqRel);
        }
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
    /// A hasher with `concurrency` (at least 1) hashing threads at nice
    /// value `nice` (0 keeps the requests' priority) that lets at most
    /// `queue` more checks wait.
    ///
    /// # Panics
    /// When a thread cannot be started (the process is out of threads), or
    /// never in practice: hashing a random password with default
    /// parameters cannot fail.
    pub fn new(concurrency: usize, queue: usize, nice: i32) -> Self {
        let concurrency = concurrency.max(1);
        let mut random = [0u8; 24];
        OsRng.fill_bytes(&mut random);
        let dummy = hash_into(&random, &mut Vec::new())
            .expect("argon2 with default parameters hashes any input");
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        let buffers = Arc::new(AtomicUsize::new(0));
        for n in 0..concurrency {
            let (receiver, buffers) = (receiver.clone(), buffers.clone());
            std::thread::Builder::new()
                .name(format!("keel-hash-{n}"))
                .spawn(move || hashing_thread(receiver, buffers, nice))
                .expect("a hashing thread starts");
        }
        Self {
            jobs: Mutex::new(sender),
            admitted: Arc::new(AtomicUsize::new(0)),
            buffers,
            limit: concurrency + queue,
            dummy,
        }
    }

    /// Runs `work` on a hashing thread with its buffer and waits for it.
    async fn blocking<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<Block>) -> Result<T, HashError> + Send + 'static,
    ) -> Result<T, HashError> {
        let _admission = Admission(self.admitted.clone());
        if self.admitted.fetch_add(1, Ordering::AcqRel) >= self.limit {
            return Err(HashError::Busy);
        }
        let (done, result) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move |blocks| {
            if !done.is_closed() {
                let _ = done.send(work(blocks));
            }
        });
        self.jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job)
            .map_err(|_| failed("the hashing threads have stopped"))?;
        result
            .await
            .map_err(|_| failed("a hashing thread stopped mid-hash"))?
    }

    /// How many hashing buffers exist (at most the concurrency).
    pub fn buffers(&self) -> usize {
        self.buffers.load(Ordering::Acquire)
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
        let hasher = Argon2Hasher::new(1, 8, 0);
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
        let hasher = Argon2Hasher::new(1, 8, 0);
        assert!(!hasher.verify("anything at all", None).await.unwrap());
    }

    #[tokio::test]
    async fn a_corrupt_stored_hash_is_an_error_not_a_match() {
        let hasher = Argon2Hasher::new(1, 8, 0);
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
        let hasher = Argon2Hasher::new(1, 8, 0);
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
        let hasher = Arc::new(Argon2Hasher::new(2, 3, 0));
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

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn hashes_run_on_named_threads_at_the_configured_nice_value() {
        let nice_of_caller = rustix::process::getpriority_process(None).unwrap();
        let hasher = Argon2Hasher::new(1, 8, 7);
        let (name, nice) = hasher
            .blocking(|_| {
                let name = std::thread::current().name().map(str::to_owned);
                let nice = rustix::process::getpriority_process(Some(rustix::thread::gettid()))
                    .map_err(failed)?;
                Ok((name, nice))
            })
            .await
            .unwrap();
        assert_eq!(name.as_deref(), Some("keel-hash-0"));
        // 7, unless the caller already runs lower and may not climb back.
        assert!(
            nice == 7 || (nice_of_caller > 7 && nice == nice_of_caller),
            "nice {nice}, caller {nice_of_caller}"
        );
        assert_eq!(
            rustix::process::getpriority_process(None).unwrap(),
            nice_of_caller,
            "only the hashing thread is lowered"
        );
    }

    #[tokio::test]
    async fn a_check_whose_caller_gave_up_is_skipped() {
        let hasher = Arc::new(Argon2Hasher::new(1, 8, 0));
        let ran = Arc::new(AtomicUsize::new(0));
        // Hold the only thread while a second check is queued and abandoned.
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let holding = {
            let hasher = hasher.clone();
            tokio::spawn(async move {
                hasher
                    .blocking(move |_| {
                        hold.recv().map_err(failed)?;
                        Ok(())
                    })
                    .await
            })
        };
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let counted = ran.clone();
        let abandoned = tokio::time::timeout(
            std::time::Duration::from_millis(50),
            hasher.blocking(move |_| {
                counted.fetch_add(1, Ordering::SeqCst);
                Ok(())
            }),
        )
        .await;
        assert!(
            abandoned.is_err(),
            "the second check waits behind the first"
        );
        release.send(()).unwrap();
        holding.await.unwrap().unwrap();
        // A later check runs after the skipped one.
        let counted = ran.clone();
        hasher
            .blocking(move |_| {
                counted.fetch_add(10, Ordering::SeqCst);
                Ok(())
            })
            .await
            .unwrap();
        assert_eq!(
            ran.load(Ordering::SeqCst),
            10,
            "the abandoned check never ran"
        );
    }
}
