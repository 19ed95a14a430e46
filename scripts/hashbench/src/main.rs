//! Times one Argon2id hash at keel's parameters (OWASP: m = 19456 KiB,
//! t = 2, p = 1, 32-byte output, 16-byte salt) with RustCrypto's `argon2`
//! and with the C reference implementation, on one thread, then on every
//! core at once. Prints one line per figure: `name value`.

use std::time::{Duration, Instant};

const M_KIB: u32 = 19_456;
const T: u32 = 2;
const RUNS: usize = 40;
const PASSWORD: &[u8] = b"bench password 1";
const SALT: &[u8; 16] = b"0123456789abcdef";

fn rustcrypto(out: &mut [u8; 32], memory: &mut [argon2::Block]) {
    let params = argon2::Params::new(M_KIB, T, 1, Some(32)).expect("valid parameters");
    argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
        .hash_password_into_with_memory(PASSWORD, SALT, out, memory)
        .expect("hash");
}

fn reference(out: &mut [u8; 32]) {
    let hash = argon2_kdf::Hasher::new()
        .algorithm(argon2_kdf::Algorithm::Argon2id)
        .iterations(T)
        .memory_cost_kib(M_KIB)
        .threads(1)
        .hash_length(32)
        .custom_salt(SALT)
        .hash(PASSWORD)
        .expect("hash");
    out.copy_from_slice(hash.as_bytes());
}

/// Median and 99th percentile of `RUNS` timed calls of `f`, in ms.
fn time(mut f: impl FnMut()) -> (f64, f64) {
    f();
    let mut samples: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .collect();
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    (ms(samples[RUNS / 2]), ms(samples[RUNS * 99 / 100]))
}

/// Hashes per second with `threads` threads hashing for two seconds each.
fn throughput(threads: usize, which: &'static str) -> f64 {
    let deadline = Instant::now() + Duration::from_secs(2);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            std::thread::spawn(move || {
                let mut out = [0u8; 32];
                let mut memory = vec![argon2::Block::default(); M_KIB as usize];
                let mut n = 0u32;
                while Instant::now() < deadline {
                    if which == "rustcrypto" {
                        rustcrypto(&mut out, &mut memory);
                    } else {
                        reference(&mut out);
                    }
                    n += 1;
                }
                n
            })
        })
        .collect();
    let total: u32 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    f64::from(total) / start.elapsed().as_secs_f64()
}

fn main() {
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    let mut memory = vec![argon2::Block::default(); M_KIB as usize];
    rustcrypto(&mut a, &mut memory);
    reference(&mut b);
    assert_eq!(a, b, "both implementations must compute the same hash");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (p50, p99) = time(|| rustcrypto(&mut a, &mut memory));
    println!("rustcrypto_p50_ms {p50:.2}\nrustcrypto_p99_ms {p99:.2}");
    let (p50, p99) = time(|| reference(&mut b));
    println!("reference_p50_ms {p50:.2}\nreference_p99_ms {p99:.2}");
    println!("cores {cores}");
    for which in ["rustcrypto", "reference"] {
        println!("{which}_per_s_1 {:.1}", throughput(1, which));
        println!("{which}_per_s_all {:.1}", throughput(cores, which));
    }
}
