//! Clerk adapters: the session-token verifier (RS256 against Clerk's JWKS or a
//! configured PEM key) and the Backend API directory used for enrichment.
//!
//! See `identity-spec.md`, "Clerk session tokens": the algorithm is fixed to
//! RS256, the issuer must match exactly, `azp` is checked against the
//! configured parties, keys come only from the configured JWKS URL or PEM
//! (never from a URL found in a token) and unknown `kid`s cannot make Keel
//! hammer Clerk.

mod backend_api;
mod jwks;
mod payload;
mod verifier;

use std::fmt;
use std::time::Duration;

pub use backend_api::ClerkBackendApi;
pub use jwks::JwksCache;
pub use payload::ClerkPayloads;
pub use verifier::ClerkIdentityProvider;

/// Settings of the Clerk adapters (`APP__CLERK__*`).
#[derive(Clone)]
pub struct ClerkConfig {
    /// Exact `iss` of the instance's session tokens (its Frontend API URL).
    pub issuer: String,
    /// Accepted `azp` values (origins); empty means any.
    pub authorized_parties: Vec<String>,
    /// Accept tokens without `azp` even when `authorized_parties` is set.
    pub allow_missing_azp: bool,
    /// Where the JWKS lives; `None` means `{issuer}/.well-known/jwks.json`.
    pub jwks_url: Option<String>,
    /// Clerk secret key: bearer for the Backend API (including its JWKS).
    pub secret_key: Option<String>,
    /// The instance's public key as PEM: when set, keys come only from it and
    /// no network request is ever made for keys.
    pub jwt_key_pem: Option<String>,
    /// Base URL of Clerk's Backend API.
    pub api_url: String,
    /// Least time between two JWKS fetches (an unknown `kid` cannot force more).
    pub jwks_min_refresh: Duration,
    /// How long fetched keys are used before a refresh is attempted.
    pub jwks_ttl: Duration,
    /// How long keys keep being served while refreshes fail.
    pub stale_max: Duration,
    /// Timeout of every request to Clerk.
    pub http_timeout: Duration,
}

/// Default base URL of Clerk's Backend API.
pub const DEFAULT_API_URL: &str = "https://api.clerk.com";

impl ClerkConfig {
    /// A configuration for `issuer` with every other setting at its default.
    pub fn new(issuer: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            ..Self::default()
        }
    }

    /// The JWKS URL actually used: the configured one, else the issuer's
    /// Frontend API JWKS.
    pub fn effective_jwks_url(&self) -> String {
        match &self.jwks_url {
            Some(url) => url.clone(),
            None => format!(
                "{}/.well-known/jwks.json",
                self.issuer.trim_end_matches('/')
            ),
        }
    }
}

impl Default for ClerkConfig {
    fn default() -> Self {
        Self {
            issuer: String::new(),
            authorized_parties: Vec::new(),
            allow_missing_azp: false,
            jwks_url: None,
            secret_key: None,
            jwt_key_pem: None,
            api_url: DEFAULT_API_URL.to_owned(),
            jwks_min_refresh: Duration::from_secs(30),
            jwks_ttl: Duration::from_secs(60 * 60),
            stale_max: Duration::from_secs(24 * 60 * 60),
            http_timeout: Duration::from_secs(5),
        }
    }
}

impl fmt::Debug for ClerkConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkConfig")
            .field("issuer", &self.issuer)
            .field("authorized_parties", &self.authorized_parties)
            .field("allow_missing_azp", &self.allow_missing_azp)
            .field("jwks_url", &self.jwks_url)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("jwt_key_pem", &self.jwt_key_pem.as_ref().map(|_| "[pem]"))
            .field("api_url", &self.api_url)
            .field("jwks_min_refresh", &self.jwks_min_refresh)
            .field("jwks_ttl", &self.jwks_ttl)
            .field("stale_max", &self.stale_max)
            .field("http_timeout", &self.http_timeout)
            .finish()
    }
}

/// Reads a response body, refusing more than `limit` bytes.
pub(crate) async fn read_body_limited(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, String> {
    if response
        .content_length()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(format!("response body larger than {limit} bytes"));
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| format!("reading response body failed: {}", e.without_url()))?
    {
        if body.len() + chunk.len() > limit {
            return Err(format!("response body larger than {limit} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_never_contains_the_secret_key() {
        let config = ClerkConfig {
            secret_key: Some("sk_test_supersecret".into()),
            jwt_key_pem: Some("-----BEGIN PUBLIC KEY-----abc".into()),
            ..ClerkConfig::new("https://clerk.example.com")
        };
        let shown = format!("{config:?}");
        assert!(!shown.contains("supersecret"), "{shown}");
        assert!(!shown.contains("BEGIN PUBLIC KEY"), "{shown}");
        assert!(shown.contains("https://clerk.example.com"), "{shown}");
    }

    #[test]
    fn the_jwks_url_defaults_to_the_issuers_frontend_api() {
        let config = ClerkConfig::new("https://clerk.example.com/");
        assert_eq!(
            config.effective_jwks_url(),
            "https://clerk.example.com/.well-known/jwks.json"
        );
        let explicit = ClerkConfig {
            jwks_url: Some("https://api.clerk.com/v1/jwks".into()),
            ..config
        };
        assert_eq!(
            explicit.effective_jwks_url(),
            "https://api.clerk.com/v1/jwks"
        );
    }
}

/// Keys, tokens and a tiny HTTP server shared by the Clerk tests.
#[cfg(test)]
pub(crate) mod test_support {
    use std::net::SocketAddr;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex, OnceLock};

    use base64::Engine as _;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use jsonwebtoken::{Algorithm, EncodingKey, Header};
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use rsa::pkcs8::{EncodePublicKey as _, LineEnding};
    use rsa::traits::PublicKeyParts as _;
    use rsa::{RsaPrivateKey, RsaPublicKey};
    use serde_json::{Value, json};
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;

    /// An RSA key pair with the forms the tests need.
    pub(crate) struct TestKey {
        pub private_pem: String,
        pub public_pem: String,
        pub n: String,
        pub e: String,
    }

    impl TestKey {
        fn generate() -> Self {
            let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).expect("rsa keygen");
            let public = RsaPublicKey::from(&private);
            Self {
                private_pem: private
                    .to_pkcs1_pem(LineEnding::LF)
                    .expect("pkcs1 pem")
                    .to_string(),
                public_pem: public.to_public_key_pem(LineEnding::LF).expect("spki pem"),
                n: URL_SAFE_NO_PAD.encode(public.n().to_bytes_be()),
                e: URL_SAFE_NO_PAD.encode(public.e().to_bytes_be()),
            }
        }

        /// This key as a JWK with `kid`.
        pub(crate) fn jwk(&self, kid: &str) -> Value {
            json!({"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": self.n, "e": self.e})
        }
    }

    /// The instance's signing key.
    pub(crate) fn key_a() -> &'static TestKey {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(TestKey::generate)
    }

    /// A second key: a rotation successor or an attacker's key.
    pub(crate) fn key_b() -> &'static TestKey {
        static KEY: OnceLock<TestKey> = OnceLock::new();
        KEY.get_or_init(TestKey::generate)
    }

    /// `{"keys": [...]}` as a string.
    pub(crate) fn jwks(keys: &[Value]) -> String {
        json!({ "keys": keys }).to_string()
    }

    /// An RS256 token over `claims` signed by `key`, with header `kid`.
    pub(crate) fn sign(key: &TestKey, kid: Option<&str>, claims: &Value) -> String {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = kid.map(str::to_owned);
        let encoding = EncodingKey::from_rsa_pem(key.private_pem.as_bytes()).expect("rsa pem");
        jsonwebtoken::encode(&header, claims, &encoding).expect("encode")
    }

    /// base64url without padding, for hand-made tokens.
    pub(crate) fn b64(bytes: &[u8]) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// A `reqwest` client that never goes through a proxy from the environment.
    /// The real clock, for tests whose tokens carry real timestamps.
    pub(crate) fn system_clock() -> Arc<dyn keel_domain::clock::Clock> {
        Arc::new(crate::SystemClock)
    }

    pub(crate) fn http() -> reqwest::Client {
        reqwest::Client::builder()
            .no_proxy()
            .build()
            .expect("reqwest client")
    }

    /// What the fake server answers.
    #[derive(Clone)]
    pub(crate) enum Reply {
        /// 200 with this JSON body.
        Json(String),
        /// This status with a small body.
        Status(u16),
    }

    /// A one-route HTTP/1.1 server on 127.0.0.1 that counts its requests.
    pub(crate) struct FakeServer {
        pub addr: SocketAddr,
        hits: Arc<AtomicUsize>,
        reply: Arc<Mutex<Reply>>,
        last_request: Arc<Mutex<Option<String>>>,
    }

    impl FakeServer {
        pub(crate) async fn start(reply: Reply) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            let addr = listener.local_addr().expect("local addr");
            let server = Self {
                addr,
                hits: Arc::new(AtomicUsize::new(0)),
                reply: Arc::new(Mutex::new(reply)),
                last_request: Arc::new(Mutex::new(None)),
            };
            let (hits, reply, last) = (
                server.hits.clone(),
                server.reply.clone(),
                server.last_request.clone(),
            );
            tokio::spawn(async move {
                while let Ok((mut stream, _)) = listener.accept().await {
                    let (hits, reply, last) = (hits.clone(), reply.clone(), last.clone());
                    tokio::spawn(async move {
                        let mut request = Vec::new();
                        let mut buf = [0u8; 4096];
                        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                            match stream.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => request.extend_from_slice(&buf[..n]),
                            }
                        }
                        hits.fetch_add(1, Ordering::SeqCst);
                        *last.lock().unwrap() = Some(String::from_utf8_lossy(&request).into());
                        let current = reply.lock().unwrap().clone();
                        let (status, body) = match current {
                            Reply::Json(body) => (200, body),
                            Reply::Status(code) => (code, r#"{"errors":[]}"#.to_owned()),
                        };
                        let reason = match status {
                            200 => "OK",
                            404 => "Not Found",
                            _ => "Error",
                        };
                        let response = format!(
                            "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        );
                        let _ = stream.write_all(response.as_bytes()).await;
                        let _ = stream.shutdown().await;
                    });
                }
            });
            server
        }

        pub(crate) fn url(&self, path: &str) -> String {
            format!("http://{}{path}", self.addr)
        }

        pub(crate) fn hits(&self) -> usize {
            self.hits.load(Ordering::SeqCst)
        }

        pub(crate) fn set_reply(&self, reply: Reply) {
            *self.reply.lock().unwrap() = reply;
        }

        /// The last request's head (request line and headers).
        pub(crate) fn last_request(&self) -> Option<String> {
            self.last_request.lock().unwrap().clone()
        }
    }

    /// A URL on 127.0.0.1 where nothing listens.
    pub(crate) async fn dead_url() -> String {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("local addr");
        drop(listener);
        format!("http://{addr}/.well-known/jwks.json")
    }
}
