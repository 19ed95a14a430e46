//! Clerk's Backend API as an [`ExternalDirectory`] (profile enrichment).

use std::fmt;
use std::time::Duration;

use async_trait::async_trait;
use keel_domain::identity::{ExternalDirectory, ExternalProfile};

use super::payload::ClerkUser;
use super::{ClerkConfig, read_body_limited};

/// Largest user document accepted.
const MAX_USER_BYTES: usize = 1024 * 1024;

/// Reads users from `GET {api_url}/v1/users/{id}` with the secret key.
pub struct ClerkBackendApi {
    http: reqwest::Client,
    api_url: String,
    secret_key: Option<String>,
    timeout: Duration,
}

impl ClerkBackendApi {
    /// A directory for `config`'s `api_url` and `secret_key`.
    pub fn new(config: ClerkConfig, http: reqwest::Client) -> Self {
        Self {
            http,
            api_url: config.api_url.trim_end_matches('/').to_owned(),
            secret_key: config.secret_key,
            timeout: config.http_timeout,
        }
    }
}

impl fmt::Debug for ClerkBackendApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClerkBackendApi")
            .field("api_url", &self.api_url)
            .field(
                "secret_key",
                &self.secret_key.as_ref().map(|_| "[redacted]"),
            )
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// `^[A-Za-z0-9_]{1,64}$`: the only ids ever put into a URL.
fn is_clerk_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[async_trait]
impl ExternalDirectory for ClerkBackendApi {
    async fn profile(&self, subject: &str) -> Result<Option<ExternalProfile>, String> {
        let result = self.fetch_profile(subject).await;
        if let Err(error) = &result {
            tracing::warn!(%error, "Clerk user enrichment failed");
        }
        result
    }
}

impl ClerkBackendApi {
    async fn fetch_profile(&self, subject: &str) -> Result<Option<ExternalProfile>, String> {
        if !is_clerk_id(subject) {
            return Ok(None);
        }
        let Some(secret) = &self.secret_key else {
            return Err("Clerk secret key is not configured".into());
        };
        let response = self
            .http
            .get(format!("{}/v1/users/{subject}", self.api_url))
            .timeout(self.timeout)
            .bearer_auth(secret)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(|e| format!("Clerk Backend API request failed: {}", e.without_url()))?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(format!("Clerk Backend API answered {status}"));
        }
        let body = read_body_limited(response, MAX_USER_BYTES).await?;
        let user: ClerkUser = serde_json::from_slice(&body)
            .map_err(|e| format!("Clerk Backend API sent an unreadable user: {e}"))?;
        Ok(Some(user.profile()))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clerk::test_support::{FakeServer, Reply, dead_url, http};

    const SECRET: &str = "sk_test_verysecret";

    fn user_json() -> String {
        json!({
            "id": "user_2abc",
            "object": "user",
            "email_addresses": [
                {"id": "idn_other", "email_address": "old@example.com",
                 "verification": {"status": "verified", "strategy": "email_code"}},
                {"id": "idn_primary", "email_address": "ada@example.com",
                 "verification": {"status": "verified", "strategy": "email_code"}}
            ],
            "primary_email_address_id": "idn_primary",
            "first_name": "Ada",
            "last_name": "Lovelace",
            "username": "ada",
            "image_url": "https://img.clerk.com/ada.png",
            "public_metadata": {"role": "staff"},
            "unsafe_metadata": {"role": "admin"},
            "created_at": 1_700_000_000_000_i64,
            "updated_at": 1_700_000_000_000_i64
        })
        .to_string()
    }

    fn api(url: String) -> ClerkBackendApi {
        ClerkBackendApi::new(
            ClerkConfig {
                api_url: url,
                secret_key: Some(SECRET.into()),
                ..ClerkConfig::new("https://clerk.example.com")
            },
            http(),
        )
    }

    #[tokio::test]
    async fn a_clerk_user_becomes_a_profile_with_its_verified_primary_email_and_joined_name() {
        let server = FakeServer::start(Reply::Json(user_json())).await;
        let profile = api(server.url("/")).profile("user_2abc").await.unwrap();
        assert_eq!(
            profile,
            Some(ExternalProfile {
                email: Some("ada@example.com".into()),
                email_verified: true,
                name: Some("Ada Lovelace".into()),
                username: Some("ada".into()),
                image_url: Some("https://img.clerk.com/ada.png".into()),
            })
        );
        let request = server.last_request().unwrap();
        assert!(
            request.starts_with("GET /v1/users/user_2abc HTTP/1.1"),
            "{request}"
        );
        assert!(
            request
                .to_ascii_lowercase()
                .contains(&format!("authorization: bearer {SECRET}")),
            "{request}"
        );
    }

    #[test]
    fn an_unverified_primary_email_and_a_missing_last_name_are_reported_as_such() {
        let user: ClerkUser = serde_json::from_value(json!({
            "email_addresses": [
                {"id": "idn_1", "email_address": "x@example.com",
                 "verification": {"status": "verified"}},
                {"id": "idn_2", "email_address": "y@example.com",
                 "verification": {"status": "unverified"}}
            ],
            "primary_email_address_id": "idn_2",
            "first_name": " Grace ",
            "last_name": null,
            "username": null,
            "image_url": null
        }))
        .unwrap();
        let profile = user.profile();
        assert_eq!(profile.email.as_deref(), Some("y@example.com"));
        assert!(!profile.email_verified);
        assert_eq!(profile.name.as_deref(), Some("Grace"));
    }

    #[test]
    fn a_user_without_names_or_primary_email_has_none_of_them() {
        let user: ClerkUser = serde_json::from_value(json!({
            "email_addresses": [
                {"id": "idn_1", "email_address": "x@example.com",
                 "verification": {"status": "verified"}}
            ],
            "primary_email_address_id": null,
            "first_name": "",
            "last_name": "  "
        }))
        .unwrap();
        let profile = user.profile();
        assert_eq!(profile, ExternalProfile::default());
    }

    #[tokio::test]
    async fn an_unknown_user_is_none() {
        let server = FakeServer::start(Reply::Status(404)).await;
        assert_eq!(api(server.url("")).profile("user_gone").await, Ok(None));
        assert_eq!(server.hits(), 1);
    }

    #[tokio::test]
    async fn a_server_error_is_an_error_without_the_secret() {
        let server = FakeServer::start(Reply::Status(500)).await;
        let error = api(server.url("")).profile("user_2abc").await.unwrap_err();
        assert!(error.contains("500"), "{error}");
        assert!(!error.contains(SECRET), "{error}");
    }

    #[tokio::test]
    async fn bad_json_and_unreachable_servers_are_errors_without_the_secret() {
        let server = FakeServer::start(Reply::Json("{\"email_addresses\": 5}".into())).await;
        let error = api(server.url("")).profile("user_2abc").await.unwrap_err();
        assert!(!error.contains(SECRET), "{error}");

        let error = api(dead_url().await)
            .profile("user_2abc")
            .await
            .unwrap_err();
        assert!(!error.contains(SECRET), "{error}");
    }

    #[tokio::test]
    async fn an_id_that_is_not_a_clerk_id_is_none_without_any_request() {
        let server = FakeServer::start(Reply::Json(user_json())).await;
        let api = api(server.url(""));
        let long = "u".repeat(65);
        for id in [
            "user_2abc/../../v1/jwks",
            "../users",
            "user?x=1",
            "user#x",
            "user 2abc",
            "usér",
            "",
            long.as_str(),
        ] {
            assert_eq!(api.profile(id).await, Ok(None), "{id}");
        }
        assert_eq!(server.hits(), 0);
    }

    #[tokio::test]
    async fn without_a_secret_key_no_request_is_made() {
        let server = FakeServer::start(Reply::Json(user_json())).await;
        let api = ClerkBackendApi::new(
            ClerkConfig {
                api_url: server.url(""),
                ..ClerkConfig::default()
            },
            http(),
        );
        assert!(api.profile("user_2abc").await.is_err());
        assert_eq!(server.hits(), 0);
    }

    #[test]
    fn debug_output_hides_the_secret_key() {
        let shown = format!("{:?}", api("https://api.clerk.com".into()));
        assert!(!shown.contains(SECRET), "{shown}");
    }
}
