use std::sync::Arc;

use serde_json::json;

use super::*;
use crate::clerk::test_support::{
    FakeServer, Reply, dead_url, http, jwks, key_a, key_b, system_clock,
};
use keel_domain::clock::ManualClock;

fn config(url: String) -> ClerkConfig {
    ClerkConfig {
        jwks_url: Some(url),
        ..ClerkConfig::new("https://clerk.example.com")
    }
}

async fn server_with_key_a() -> FakeServer {
    FakeServer::start(Reply::Json(jwks(&[key_a().jwk("ins_a")]))).await
}

#[test]
fn only_rs256_signing_rsa_keys_with_a_kid_are_taken_from_a_jwks() {
    let a = key_a();
    let set = jwks(&[
        a.jwk("good"),
        json!({"kty": "RSA", "kid": "no-alg", "n": a.n, "e": a.e}),
        json!({"kty": "RSA", "kid": "rs512", "alg": "RS512", "n": a.n, "e": a.e}),
        json!({"kty": "RSA", "kid": "enc", "use": "enc", "n": a.n, "e": a.e}),
        json!({"kty": "RSA", "n": a.n, "e": a.e}),
        json!({"kty": "RSA", "kid": 7, "n": a.n, "e": a.e}),
        json!({"kty": "RSA", "kid": "small", "n": "AQAB".repeat(32), "e": a.e}),
        json!({"kty": "oct", "kid": "hmac", "k": "c2VjcmV0"}),
        json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}),
        json!({"kty": "RSA", "kid": "x5u", "alg": "RS256", "x5u": "http://evil/"}),
    ]);
    let keys = parse_jwks(set.as_bytes()).unwrap();
    let mut kids: Vec<_> = keys.keys().cloned().collect();
    kids.sort();
    assert_eq!(kids, ["good", "no-alg"]);
}

#[test]
fn a_document_that_is_not_a_jwk_set_is_an_error() {
    assert!(parse_jwks(b"{\"keys\": 3}").is_err());
    assert!(parse_jwks(b"<html>").is_err());
}

#[tokio::test]
async fn a_cached_key_is_served_without_another_fetch() {
    let server = server_with_key_a().await;
    let cache = JwksCache::new(
        config(server.url("/.well-known/jwks.json")),
        http(),
        system_clock(),
    );
    cache.key_for(Some("ins_a")).await.unwrap();
    cache.key_for(Some("ins_a")).await.unwrap();
    assert_eq!(server.hits(), 1);
    assert_eq!(cache.fetch_count(), 1);
}

#[tokio::test]
async fn the_configured_url_is_fetched_whatever_the_kid_says() {
    let server = server_with_key_a().await;
    let cache = JwksCache::new(
        config(server.url("/.well-known/jwks.json")),
        http(),
        system_clock(),
    );
    let result = cache.key_for(Some("../../x")).await;
    assert_eq!(result.unwrap_err(), AuthError::InvalidToken);
    let request = server.last_request().unwrap();
    assert!(
        request.starts_with("GET /.well-known/jwks.json HTTP/1.1"),
        "{request}"
    );
}

#[tokio::test]
async fn an_unknown_kid_within_the_minimum_refresh_interval_is_rejected_without_a_fetch() {
    let server = server_with_key_a().await;
    let cache = JwksCache::new(config(server.url("/jwks")), http(), system_clock());
    cache.key_for(Some("ins_a")).await.unwrap();
    let result = cache.key_for(Some("ins_unknown")).await;
    assert_eq!(result.unwrap_err(), AuthError::InvalidToken);
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn an_unknown_kid_is_looked_up_again_once_the_minimum_refresh_interval_passed() {
    let server = server_with_key_a().await;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let cache = JwksCache::new(config(server.url("/jwks")), http(), clock.clone());
    cache.key_for(Some("ins_a")).await.unwrap();
    assert!(cache.key_for(Some("ins_new")).await.is_err());
    assert_eq!(server.hits(), 1);
    clock.advance(chrono::Duration::seconds(31));
    assert!(cache.key_for(Some("ins_new")).await.is_err());
    assert_eq!(server.hits(), 2, "one refetch after the interval");
}

#[tokio::test]
async fn an_overlong_or_missing_kid_is_rejected_without_a_fetch() {
    let server = server_with_key_a().await;
    let cache = JwksCache::new(config(server.url("/jwks")), http(), system_clock());
    let long = "k".repeat(MAX_KID_LEN + 1);
    assert_eq!(
        cache.key_for(Some(&long)).await.unwrap_err(),
        AuthError::InvalidToken
    );
    assert_eq!(
        cache.key_for(None).await.unwrap_err(),
        AuthError::InvalidToken
    );
    assert_eq!(
        cache.key_for(Some("")).await.unwrap_err(),
        AuthError::InvalidToken
    );
    assert_eq!(server.hits(), 0);
    assert_eq!(cache.fetch_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_lookups_of_random_kids_share_a_single_fetch() {
    let server = server_with_key_a().await;
    let cache = Arc::new(JwksCache::new(
        config(server.url("/jwks")),
        http(),
        system_clock(),
    ));
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..50 {
        let cache = cache.clone();
        flood.spawn(async move { cache.key_for(Some(&format!("random-{i}"))).await });
    }
    while let Some(result) = flood.join_next().await {
        assert_eq!(result.unwrap().unwrap_err(), AuthError::InvalidToken);
    }
    assert_eq!(server.hits(), 1);
    assert!(cache.key_for(Some("ins_a")).await.is_ok());
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn keys_older_than_the_ttl_are_refetched() {
    let server = server_with_key_a().await;
    let cache = JwksCache::new(
        ClerkConfig {
            jwks_ttl: Duration::ZERO,
            jwks_min_refresh: Duration::ZERO,
            ..config(server.url("/jwks"))
        },
        http(),
        system_clock(),
    );
    cache.key_for(Some("ins_a")).await.unwrap();
    cache.key_for(Some("ins_a")).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn failed_refreshes_keep_serving_old_keys_until_stale_max() {
    let server = server_with_key_a().await;
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let cache = JwksCache::new(
        ClerkConfig {
            jwks_ttl: Duration::ZERO,
            jwks_min_refresh: Duration::ZERO,
            stale_max: Duration::from_millis(1500),
            ..config(server.url("/jwks"))
        },
        http(),
        clock.clone(),
    );
    cache.key_for(Some("ins_a")).await.unwrap();
    server.set_reply(Reply::Status(500));
    cache.key_for(Some("ins_a")).await.unwrap();
    assert_eq!(
        server.hits(),
        2,
        "the stale key was served after a refetch attempt"
    );
    clock.advance(chrono::Duration::milliseconds(1700));
    assert_eq!(
        cache.key_for(Some("ins_a")).await.unwrap_err(),
        AuthError::Unavailable {
            retry_after_secs: 1
        }
    );
}

#[tokio::test]
async fn an_unreachable_jwks_with_no_keys_is_unavailable_and_not_retried_at_once() {
    let cache = JwksCache::new(
        ClerkConfig {
            jwks_min_refresh: Duration::from_secs(30),
            http_timeout: Duration::from_secs(2),
            ..config(dead_url().await)
        },
        http(),
        system_clock(),
    );
    for _ in 0..3 {
        assert_eq!(
            cache.key_for(Some("ins_a")).await.unwrap_err(),
            AuthError::Unavailable {
                retry_after_secs: 30
            }
        );
    }
    assert_eq!(cache.fetch_count(), 1);
}

#[tokio::test]
async fn a_jwks_with_only_oct_and_ec_keys_leaves_no_usable_key() {
    let server = FakeServer::start(Reply::Json(jwks(&[
        json!({"kty": "oct", "kid": "ins_a", "k": "c2VjcmV0"}),
        json!({"kty": "EC", "kid": "ins_b", "crv": "P-256", "x": "AA", "y": "AA"}),
    ])))
    .await;
    let cache = JwksCache::new(config(server.url("/jwks")), http(), system_clock());
    assert!(matches!(
        cache.key_for(Some("ins_a")).await,
        Err(AuthError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn a_jwks_without_usable_keys_does_not_replace_good_keys() {
    let server = server_with_key_a().await;
    let cache = JwksCache::new(
        ClerkConfig {
            jwks_ttl: Duration::ZERO,
            jwks_min_refresh: Duration::ZERO,
            ..config(server.url("/jwks"))
        },
        http(),
        system_clock(),
    );
    cache.key_for(Some("ins_a")).await.unwrap();
    server.set_reply(Reply::Json(jwks(&[
        json!({"kty": "oct", "kid": "ins_a", "k": "AA"}),
    ])));
    cache.key_for(Some("ins_a")).await.unwrap();
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn a_pem_key_matches_any_kid_without_the_network() {
    let cache = JwksCache::new(
        ClerkConfig {
            jwt_key_pem: Some(key_a().public_pem.replace('\n', "\\n")),
            ..config(dead_url().await)
        },
        http(),
        system_clock(),
    );
    assert!(cache.key_for(Some("whatever")).await.is_ok());
    assert!(cache.key_for(None).await.is_ok());
    assert_eq!(cache.fetch_count(), 0);
}

#[tokio::test]
async fn an_unusable_pem_makes_keys_unavailable() {
    let cache = JwksCache::new(
        ClerkConfig {
            jwt_key_pem: Some("not a pem".into()),
            ..ClerkConfig::new("https://clerk.example.com")
        },
        http(),
        system_clock(),
    );
    assert!(matches!(
        cache.key_for(Some("ins_a")).await,
        Err(AuthError::Unavailable { .. })
    ));
    assert_eq!(cache.fetch_count(), 0);
}

#[tokio::test]
async fn the_secret_key_is_sent_only_to_the_backend_api_jwks() {
    let server = server_with_key_a().await;
    let backend = JwksCache::new(
        ClerkConfig {
            secret_key: Some("sk_test_abc".into()),
            api_url: server.url(""),
            ..config(server.url("/v1/jwks"))
        },
        http(),
        system_clock(),
    );
    backend.key_for(Some("ins_a")).await.unwrap();
    let request = server.last_request().unwrap().to_ascii_lowercase();
    assert!(
        request.contains("authorization: bearer sk_test_abc"),
        "{request}"
    );

    let frontend = JwksCache::new(
        ClerkConfig {
            secret_key: Some("sk_test_abc".into()),
            ..config(server.url("/.well-known/jwks.json"))
        },
        http(),
        system_clock(),
    );
    frontend.key_for(Some("ins_a")).await.unwrap();
    let request = server.last_request().unwrap().to_ascii_lowercase();
    assert!(!request.contains("authorization"), "{request}");
    assert!(!request.contains("sk_test_abc"), "{request}");
}

#[tokio::test]
async fn the_key_of_a_rotated_set_is_found_by_its_new_kid() {
    let server = server_with_key_a().await;
    let cache = JwksCache::new(
        ClerkConfig {
            jwks_min_refresh: Duration::ZERO,
            ..config(server.url("/jwks"))
        },
        http(),
        system_clock(),
    );
    cache.key_for(Some("ins_a")).await.unwrap();
    server.set_reply(Reply::Json(jwks(&[key_b().jwk("ins_b")])));
    cache.key_for(Some("ins_b")).await.unwrap();
    assert_eq!(server.hits(), 2);
}
