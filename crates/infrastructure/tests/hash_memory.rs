//! Password hashing memory stays bounded by the hash concurrency, whatever
//! the number of hashes (its own test binary, so its own process: the RSS it
//! reads is its own).

use std::sync::Arc;

use keel_domain::identity::{PasswordHasher, PlainPassword};
use keel_infrastructure::security::Argon2Hasher;

fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_hashes_hold_no_more_than_the_concurrency_of_buffers() {
    let hasher = Arc::new(Argon2Hasher::new(2, 1_000, 0));
    let hash = hasher
        .hash(&PlainPassword::parse("memory bound", "password").unwrap())
        .await
        .unwrap();
    let baseline = rss_kib();
    for _ in 0..10 {
        let wave: Vec<_> = (0..20)
            .map(|i| {
                let (hasher, hash) = (hasher.clone(), hash.clone());
                tokio::spawn(async move {
                    let guess = if i % 2 == 0 {
                        "memory bound"
                    } else {
                        "wrong guess"
                    };
                    hasher.verify(guess, Some(hash)).await.unwrap()
                })
            })
            .collect();
        for (i, check) in wave.into_iter().enumerate() {
            assert_eq!(check.await.unwrap(), i % 2 == 0);
        }
    }
    let grown_mib = rss_kib().saturating_sub(baseline) / 1024;
    // One more 19 MiB buffer (the second worker's) plus allocator noise; an
    // allocation per hash would be 200 × 19 MiB.
    assert!(
        grown_mib < 64,
        "RSS grew by {grown_mib} MiB over 200 hashes"
    );
    assert!(hasher.buffers() <= 2);
}
