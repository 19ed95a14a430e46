//! A local stand-in for Clerk: a JWKS endpoint and the Backend API's
//! `GET /v1/users/{id}`, on loopback, with hit counters; plus RSA keys made in
//! the test and a Svix signer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::EncodePublicKey;
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// The issuer the Clerk-enabled test servers expect.
pub const ISSUER: &str = "https://clerk.keel.test";
/// The authorised party the Clerk-enabled test servers expect.
pub const AZP: &str = "https://app.keel.test";
/// A Svix signing secret (`whsec_` + base64 of 24 bytes).
pub const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// An RSA key pair with a `kid`.
pub struct TestKey {
    /// Key id.
    pub kid: String,
    /// PKCS#1 PEM of the private key.
    pub private_pem: String,
    /// SPKI PEM of the public key (`BEGIN PUBLIC KEY`, as Clerk's dashboard shows it).
    pub public_pem: String,
    n: String,
    e: String,
}

impl TestKey {
    /// A fresh 2048-bit key.
    ///
    /// # Panics
    /// Never in practice.
    pub fn generate(kid: &str) -> Self {
        let private = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, 2048).expect("rsa key");
        let public = private.to_public_key();
        Self {
            kid: kid.into(),
            private_pem: private
                .to_pkcs1_pem(rsa::pkcs1::LineEnding::LF)
                .expect("pem")
                .to_string(),
            public_pem: public
                .to_public_key_pem(rsa::pkcs8::LineEnding::LF)
                .expect("pem"),
            n: URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
            e: URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
        }
    }

    /// This key as a JWK.
    pub fn jwk(&self) -> Value {
        json!({"kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256", "n": self.n, "e": self.e})
    }

    /// Signs `claims` with RS256 under this key's `kid`.
    ///
    /// # Panics
    /// Never in practice.
    pub fn sign(&self, claims: &Value) -> String {
        self.sign_as(claims, &self.kid)
    }

    /// Signs `claims` with RS256 under any `kid`.
    ///
    /// # Panics
    /// Never in practice.
    pub fn sign_as(&self, claims: &Value, kid: &str) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(kid.into());
        let key = EncodingKey::from_rsa_pem(self.private_pem.as_bytes()).expect("encoding key");
        jsonwebtoken::encode(&header, claims, &key).expect("sign")
    }
}

/// Two keys shared by the tests of one process (key generation is slow).
pub fn keys() -> &'static (TestKey, TestKey) {
    static KEYS: OnceLock<(TestKey, TestKey)> = OnceLock::new();
    KEYS.get_or_init(|| {
        (
            TestKey::generate("ins_key_1"),
            TestKey::generate("ins_key_2"),
        )
    })
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The claims of a valid Clerk v2 session token for `sub`.
pub fn session_claims(sub: &str) -> Value {
    let t = now();
    json!({
        "sub": sub, "sid": "sess_2abc", "iss": ISSUER, "azp": AZP,
        "exp": t + 60, "nbf": t - 5, "iat": t - 5, "jti": "jti_1", "v": 2,
        "sts": "active", "fva": [0, -1], "pla": "u:free", "fea": "",
        "metadata": {"role": "staff"}
    })
}

#[derive(Default)]
struct State {
    jwks: Vec<Value>,
    jwks_fails: bool,
    users: HashMap<String, Value>,
    users_fail: bool,
}

/// The fake Clerk server.
pub struct FakeClerk {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    state: Arc<Mutex<State>>,
    jwks_hits: Arc<AtomicUsize>,
    user_hits: Arc<AtomicUsize>,
}

impl FakeClerk {
    /// Starts serving `keys` as the JWKS.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn start(keys: &[&TestKey]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State {
            jwks: keys.iter().map(|k| k.jwk()).collect(),
            ..State::default()
        }));
        let (jwks_hits, user_hits) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let (st, jh, uh) = (state.clone(), jwks_hits.clone(), user_hits.clone());
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let (st, jh, uh) = (st.clone(), jh.clone(), uh.clone());
                tokio::spawn(async move {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 64 * 1024 {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let path = head.split_whitespace().nth(1).unwrap_or("/").to_owned();
                    let (status, body) = respond(&st, &jh, &uh, &path, &head);
                    let reply = format!(
                        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = socket.write_all(reply.as_bytes()).await;
                    let _ = socket.shutdown().await;
                });
            }
        });
        Self {
            url,
            state,
            jwks_hits,
            user_hits,
        }
    }

    /// Replaces the served key set.
    pub fn set_keys(&self, keys: &[&TestKey]) {
        self.state.lock().unwrap().jwks = keys.iter().map(|k| k.jwk()).collect();
    }

    /// Makes the JWKS endpoint answer 500 (or recover).
    pub fn fail_jwks(&self, fail: bool) {
        self.state.lock().unwrap().jwks_fails = fail;
    }

    /// Makes the Backend API answer 500 (or recover).
    pub fn fail_users(&self, fail: bool) {
        self.state.lock().unwrap().users_fail = fail;
    }

    /// Serves a Clerk user object for `GET /v1/users/{id}`.
    pub fn set_user(&self, id: &str, user: Value) {
        self.state.lock().unwrap().users.insert(id.into(), user);
    }

    /// JWKS requests so far.
    pub fn jwks_hits(&self) -> usize {
        self.jwks_hits.load(Ordering::SeqCst)
    }

    /// Backend API user requests so far.
    pub fn user_hits(&self) -> usize {
        self.user_hits.load(Ordering::SeqCst)
    }
}

fn respond(
    state: &Mutex<State>,
    jwks_hits: &AtomicUsize,
    user_hits: &AtomicUsize,
    path: &str,
    head: &str,
) -> (&'static str, String) {
    let state = state.lock().unwrap();
    if path == "/.well-known/jwks.json" {
        jwks_hits.fetch_add(1, Ordering::SeqCst);
        if state.jwks_fails {
            return ("500 Internal Server Error", "{}".into());
        }
        return ("200 OK", json!({"keys": state.jwks}).to_string());
    }
    if let Some(id) = path.strip_prefix("/v1/users/") {
        user_hits.fetch_add(1, Ordering::SeqCst);
        if !head
            .to_ascii_lowercase()
            .contains("authorization: bearer sk_test_")
        {
            return ("401 Unauthorized", "{}".into());
        }
        if state.users_fail {
            return ("500 Internal Server Error", "{}".into());
        }
        return match state.users.get(id) {
            Some(user) => ("200 OK", user.to_string()),
            None => ("404 Not Found", "{}".into()),
        };
    }
    ("404 Not Found", "{}".into())
}

/// A Clerk user object as the Backend API and webhooks carry it.
pub fn clerk_user(id: &str, email: &str, verified: bool, first: &str, updated_at: i64) -> Value {
    json!({
        "id": id, "object": "user", "username": null,
        "first_name": first, "last_name": "Tester",
        "image_url": "https://img.clerk.com/avatar.png",
        "primary_email_address_id": "idn_primary",
        "email_addresses": [
            {"id": "idn_other", "email_address": "other@example.net", "verification": {"status": "verified"}},
            {"id": "idn_primary", "email_address": email,
             "verification": {"status": if verified { "verified" } else { "unverified" }}}
        ],
        "public_metadata": {}, "private_metadata": {}, "unsafe_metadata": {"role": "admin"},
        "created_at": updated_at, "updated_at": updated_at
    })
}

/// A Svix `v1` signature of `{id}.{timestamp}.{body}` with `secret` (`whsec_...`).
///
/// # Panics
/// When the secret is not base64.
pub fn svix_signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .expect("secret");
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("hmac");
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}
