use std::sync::Arc;
use std::time::Duration;

use jsonwebtoken::{EncodingKey, Header};
use serde_json::{Value, json};

use super::*;
use crate::clerk::test_support::{
    FakeServer, Reply, b64, dead_url, http, jwks, key_a, key_b, sign, system_clock,
};

const ISSUER: &str = "https://clerk.keel.example";
const ORIGIN: &str = "https://app.keel.example";
const KID: &str = "ins_a";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn claims() -> Value {
    let now = now();
    json!({
        "sub": "user_2abc",
        "sid": "sess_2xyz",
        "iss": ISSUER,
        "azp": ORIGIN,
        "exp": now + 60,
        "nbf": now - 5,
        "iat": now - 5,
        "jti": "8a2b",
        "v": 2,
        "sts": "active",
        "metadata": {"role": "staff"},
        "email": "ada@example.com",
    })
}

fn with(mut claims: Value, changes: Value) -> Value {
    for (name, value) in changes.as_object().unwrap() {
        if value.is_null() {
            claims.as_object_mut().unwrap().remove(name);
        } else {
            claims[name] = value.clone();
        }
    }
    claims
}

fn config(jwks_url: String) -> ClerkConfig {
    ClerkConfig {
        jwks_url: Some(jwks_url),
        authorized_parties: vec![ORIGIN.into()],
        ..ClerkConfig::new(ISSUER)
    }
}

async fn setup() -> (FakeServer, ClerkIdentityProvider) {
    setup_with(|c| c).await
}

async fn setup_with(
    tweak: impl FnOnce(ClerkConfig) -> ClerkConfig,
) -> (FakeServer, ClerkIdentityProvider) {
    let server = FakeServer::start(Reply::Json(jwks(&[key_a().jwk(KID)]))).await;
    let provider =
        ClerkIdentityProvider::new(tweak(config(server.url("/jwks"))), http(), system_clock());
    (server, provider)
}

fn good_token() -> String {
    sign(key_a(), Some(KID), &claims())
}

async fn rejects(provider: &ClerkIdentityProvider, claims: Value) {
    let token = sign(key_a(), Some(KID), &claims);
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken,
        "accepted {claims}"
    );
}

#[tokio::test]
async fn a_valid_token_yields_the_identity_with_the_role_from_metadata() {
    let (server, provider) = setup().await;
    let identity = provider.verify(&good_token()).await.unwrap();
    assert_eq!(
        identity,
        ExternalIdentity {
            subject: "user_2abc".into(),
            session_id: Some("sess_2xyz".into()),
            role: Role::Staff,
            impersonated: false,
            email: Some("ada@example.com".into()),
        }
    );
    assert_eq!(server.hits(), 1);
}

#[tokio::test]
async fn expiry_and_not_before_are_judged_by_the_clock_port_with_five_seconds_of_leeway() {
    let server = FakeServer::start(Reply::Json(jwks(&[key_a().jwk(KID)]))).await;
    let clock = Arc::new(keel_domain::clock::ManualClock::new(chrono::Utc::now()));
    let provider = ClerkIdentityProvider::new(config(server.url("/jwks")), http(), clock.clone());
    let token = good_token();
    let exp = claims()["exp"].as_i64().unwrap();
    assert!(provider.verify(&token).await.is_ok());
    // Past exp, within the leeway: still accepted.
    clock.advance(chrono::Duration::seconds(exp - now() + 4));
    assert!(provider.verify(&token).await.is_ok());
    clock.advance(chrono::Duration::seconds(3));
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
    // Long before nbf: not yet valid.
    clock.advance(chrono::Duration::days(-1));
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
}

#[tokio::test]
async fn an_unknown_or_missing_metadata_role_means_customer() {
    let (_server, provider) = setup().await;
    for metadata in [
        json!({"role": "superuser"}),
        json!({"role": 1}),
        json!("admin"),
    ] {
        let token = sign(
            key_a(),
            Some(KID),
            &with(claims(), json!({"metadata": metadata})),
        );
        assert_eq!(provider.verify(&token).await.unwrap().role, Role::Customer);
    }
    let token = sign(
        key_a(),
        Some(KID),
        &with(claims(), json!({"metadata": null})),
    );
    assert_eq!(provider.verify(&token).await.unwrap().role, Role::Customer);
}

#[tokio::test]
async fn unsafe_metadata_never_grants_a_role() {
    let (_server, provider) = setup().await;
    let token = sign(
        key_a(),
        Some(KID),
        &with(
            claims(),
            json!({"metadata": null, "unsafe_metadata": {"role": "admin"}, "role": "admin"}),
        ),
    );
    assert_eq!(provider.verify(&token).await.unwrap().role, Role::Customer);
}

#[tokio::test]
async fn admin_metadata_grants_admin_without_impersonation_but_customer_with_it() {
    let (_server, provider) = setup().await;
    let admin = with(claims(), json!({"metadata": {"role": "admin"}}));
    let identity = provider
        .verify(&sign(key_a(), Some(KID), &admin))
        .await
        .unwrap();
    assert_eq!((identity.role, identity.impersonated), (Role::Admin, false));

    let impersonated = with(
        admin,
        json!({"act": {"sub": "user_support", "iss": ISSUER}}),
    );
    let identity = provider
        .verify(&sign(key_a(), Some(KID), &impersonated))
        .await
        .unwrap();
    assert_eq!(
        (identity.role, identity.impersonated),
        (Role::Customer, true)
    );
    assert_eq!(identity.subject, "user_2abc");
}

#[tokio::test]
async fn an_alg_none_token_is_rejected_without_a_fetch() {
    let (server, provider) = setup().await;
    for alg in ["none", "None", "NONE"] {
        let header = b64(format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"{KID}"}}"#).as_bytes());
        let payload = b64(claims().to_string().as_bytes());
        for token in [
            format!("{header}.{payload}."),
            format!("{header}.{payload}"),
        ] {
            assert_eq!(
                provider.verify(&token).await.unwrap_err(),
                AuthError::InvalidToken
            );
        }
    }
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_rsa_public_key_is_rejected() {
    let (server, provider) = setup().await;
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(KID.into());
    for secret in [key_a().public_pem.as_bytes(), key_a().n.as_bytes()] {
        let token =
            jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(secret)).unwrap();
        assert_eq!(
            provider.verify(&token).await.unwrap_err(),
            AuthError::InvalidToken
        );
    }
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn another_rsa_algorithm_with_the_right_key_is_rejected() {
    let (_server, provider) = setup().await;
    let mut header = Header::new(Algorithm::RS512);
    header.kid = Some(KID.into());
    let key = EncodingKey::from_rsa_pem(key_a().private_pem.as_bytes()).unwrap();
    let token = jsonwebtoken::encode(&header, &claims(), &key).unwrap();
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
}

#[tokio::test]
async fn a_critical_header_extension_is_rejected() {
    let (_server, provider) = setup().await;
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(KID.into());
    header.crit = Some(vec!["b64".into()]);
    let key = EncodingKey::from_rsa_pem(key_a().private_pem.as_bytes()).unwrap();
    let token = jsonwebtoken::encode(&header, &claims(), &key).unwrap();
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
}

#[tokio::test]
async fn a_tampered_payload_is_rejected() {
    let (_server, provider) = setup().await;
    let token = good_token();
    let parts: Vec<&str> = token.split('.').collect();
    let forged = with(claims(), json!({"metadata": {"role": "admin"}}));
    let tampered = format!(
        "{}.{}.{}",
        parts[0],
        b64(forged.to_string().as_bytes()),
        parts[2]
    );
    assert!(provider.verify(&token).await.is_ok());
    assert_eq!(
        provider.verify(&tampered).await.unwrap_err(),
        AuthError::InvalidToken
    );
}

#[tokio::test]
async fn a_token_signed_by_a_foreign_key_with_a_known_kid_is_rejected() {
    let (_server, provider) = setup().await;
    let token = sign(key_b(), Some(KID), &claims());
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
}

#[tokio::test]
async fn an_unknown_kid_triggers_exactly_one_fetch() {
    let (server, provider) = setup_with(|c| ClerkConfig {
        jwks_min_refresh: Duration::ZERO,
        ..c
    })
    .await;
    provider.verify(&good_token()).await.unwrap();
    assert_eq!(server.hits(), 1);
    let token = sign(key_b(), Some("ins_unknown"), &claims());
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
    assert_eq!(server.hits(), 2);
    assert_eq!(provider.jwks().fetch_count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_random_kids_within_the_minimum_refresh_causes_at_most_one_fetch() {
    let (server, provider) = setup().await;
    let provider = Arc::new(provider);
    provider.verify(&good_token()).await.unwrap();
    let mut flood = tokio::task::JoinSet::new();
    for i in 0..50 {
        let provider = provider.clone();
        let token = sign(key_a(), Some(&format!("kid-{i}-{}", now())), &claims());
        flood.spawn(async move { provider.verify(&token).await });
    }
    while let Some(result) = flood.join_next().await {
        assert_eq!(result.unwrap().unwrap_err(), AuthError::InvalidToken);
    }
    assert!(server.hits() <= 2, "{} JWKS fetches", server.hits());
    assert!(provider.verify(&good_token()).await.is_ok());
}

#[tokio::test]
async fn after_a_key_rotation_the_new_kid_verifies_after_one_refetch() {
    let (server, provider) = setup_with(|c| ClerkConfig {
        jwks_min_refresh: Duration::ZERO,
        ..c
    })
    .await;
    provider.verify(&good_token()).await.unwrap();
    server.set_reply(Reply::Json(jwks(&[key_b().jwk("ins_b")])));
    let rotated = sign(key_b(), Some("ins_b"), &claims());
    let identity = provider.verify(&rotated).await.unwrap();
    assert_eq!(identity.subject, "user_2abc");
    assert_eq!(server.hits(), 2);
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_rejected() {
    let (_server, provider) = setup().await;
    let now = now();
    rejects(
        &provider,
        with(
            claims(),
            json!({"exp": now - 60, "nbf": now - 120, "iat": now - 120}),
        ),
    )
    .await;
    rejects(&provider, with(claims(), json!({"nbf": now + 60}))).await;
    rejects(&provider, with(claims(), json!({"iat": now + 60}))).await;
}

#[tokio::test]
async fn string_typed_or_missing_time_claims_are_rejected() {
    let (_server, provider) = setup().await;
    let now = now();
    rejects(
        &provider,
        with(claims(), json!({"exp": (now + 60).to_string()})),
    )
    .await;
    rejects(
        &provider,
        with(claims(), json!({"nbf": (now - 5).to_string()})),
    )
    .await;
    rejects(
        &provider,
        with(claims(), json!({"iat": (now - 5).to_string()})),
    )
    .await;
    rejects(&provider, with(claims(), json!({"exp": null}))).await;
    rejects(&provider, with(claims(), json!({"nbf": null}))).await;
}

#[tokio::test]
async fn a_wrong_issuer_is_rejected_even_with_only_a_trailing_slash() {
    let (_server, provider) = setup().await;
    rejects(
        &provider,
        with(claims(), json!({"iss": "https://clerk.other.example"})),
    )
    .await;
    rejects(
        &provider,
        with(claims(), json!({"iss": format!("{ISSUER}/")})),
    )
    .await;
    rejects(&provider, with(claims(), json!({"iss": [ISSUER, "x"]}))).await;
    rejects(&provider, with(claims(), json!({"iss": null}))).await;
}

#[tokio::test]
async fn an_empty_or_missing_subject_is_rejected() {
    let (_server, provider) = setup().await;
    rejects(&provider, with(claims(), json!({"sub": ""}))).await;
    rejects(&provider, with(claims(), json!({"sub": null}))).await;
    rejects(&provider, with(claims(), json!({"sub": 42}))).await;
}

#[tokio::test]
async fn a_missing_azp_is_rejected_unless_explicitly_allowed() {
    let (_server, strict) = setup().await;
    let no_azp = with(claims(), json!({"azp": null}));
    rejects(&strict, no_azp.clone()).await;

    let (_server, lenient) = setup_with(|c| ClerkConfig {
        allow_missing_azp: true,
        ..c
    })
    .await;
    assert!(
        lenient
            .verify(&sign(key_a(), Some(KID), &no_azp))
            .await
            .is_ok()
    );
    rejects(
        &lenient,
        with(claims(), json!({"azp": "https://evil.example"})),
    )
    .await;
}

#[tokio::test]
async fn a_wrong_azp_is_rejected() {
    let (_server, provider) = setup().await;
    rejects(
        &provider,
        with(claims(), json!({"azp": "https://evil.example"})),
    )
    .await;
    rejects(
        &provider,
        with(claims(), json!({"azp": format!("{ORIGIN}/")})),
    )
    .await;
}

#[tokio::test]
async fn any_azp_is_accepted_when_no_parties_are_configured() {
    let (_server, provider) = setup_with(|c| ClerkConfig {
        authorized_parties: vec![],
        ..c
    })
    .await;
    let token = sign(
        key_a(),
        Some(KID),
        &with(claims(), json!({"azp": "https://x.example"})),
    );
    assert!(provider.verify(&token).await.is_ok());
}

#[tokio::test]
async fn a_pending_session_is_forbidden() {
    let (_server, provider) = setup().await;
    let token = sign(
        key_a(),
        Some(KID),
        &with(claims(), json!({"sts": "pending"})),
    );
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::Forbidden("session pending".into())
    );
    let forged = sign(
        key_b(),
        Some(KID),
        &with(claims(), json!({"sts": "pending"})),
    );
    assert_eq!(
        provider.verify(&forged).await.unwrap_err(),
        AuthError::InvalidToken
    );
}

#[tokio::test]
async fn a_jwks_server_down_from_the_start_makes_verification_unavailable() {
    let provider = ClerkIdentityProvider::new(config(dead_url().await), http(), system_clock());
    assert!(matches!(
        provider.verify(&good_token()).await,
        Err(AuthError::Unavailable { retry_after_secs }) if retry_after_secs >= 1
    ));
}

#[tokio::test]
async fn a_stale_key_still_verifies_when_the_server_goes_down() {
    let (server, provider) = setup_with(|c| ClerkConfig {
        jwks_ttl: Duration::ZERO,
        jwks_min_refresh: Duration::ZERO,
        ..c
    })
    .await;
    provider.verify(&good_token()).await.unwrap();
    server.set_reply(Reply::Status(500));
    provider.verify(&good_token()).await.unwrap();
    assert_eq!(server.hits(), 2, "a refetch was attempted and failed");
}

#[tokio::test]
async fn a_jwks_with_only_oct_and_ec_keys_makes_verification_unavailable() {
    let (server, provider) = setup().await;
    server.set_reply(Reply::Json(jwks(&[
        json!({"kty": "oct", "kid": KID, "k": b64(key_a().public_pem.as_bytes())}),
        json!({"kty": "EC", "kid": "ec", "crv": "P-256", "x": "AA", "y": "AA"}),
    ])));
    assert!(matches!(
        provider.verify(&good_token()).await,
        Err(AuthError::Unavailable { .. })
    ));
}

#[tokio::test]
async fn pem_mode_verifies_without_any_server() {
    let url = dead_url().await;
    let provider = ClerkIdentityProvider::new(
        ClerkConfig {
            jwt_key_pem: Some(key_a().public_pem.clone()),
            ..config(url)
        },
        http(),
        system_clock(),
    );
    let identity = provider
        .verify(&sign(key_a(), Some("any-kid"), &claims()))
        .await
        .unwrap();
    assert_eq!(identity.role, Role::Staff);
    assert_eq!(
        provider
            .verify(&sign(key_b(), Some("any-kid"), &claims()))
            .await
            .unwrap_err(),
        AuthError::InvalidToken
    );
    assert_eq!(provider.jwks().fetch_count(), 0);
}

#[tokio::test]
async fn odd_kids_are_rejected_and_a_long_one_causes_no_fetch() {
    let (server, provider) = setup().await;
    let huge = "k".repeat(10 * 1024);
    let token = sign(key_a(), Some(&huge), &claims());
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
    let long = "k".repeat(1024);
    let token = sign(key_a(), Some(&long), &claims());
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
    assert_eq!(server.hits(), 0);

    let token = sign(key_a(), Some("../../x"), &claims());
    assert_eq!(
        provider.verify(&token).await.unwrap_err(),
        AuthError::InvalidToken
    );
    assert!(
        server
            .last_request()
            .unwrap()
            .starts_with("GET /jwks HTTP/1.1")
    );
}

#[tokio::test]
async fn a_numeric_kid_is_rejected_without_a_fetch() {
    let (server, provider) = setup().await;
    let token = good_token();
    let rest = token.split_once('.').unwrap().1;
    let header = b64(br#"{"alg":"RS256","typ":"JWT","kid":123}"#);
    assert_eq!(
        provider
            .verify(&format!("{header}.{rest}"))
            .await
            .unwrap_err(),
        AuthError::InvalidToken
    );
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn oversized_non_ascii_and_malformed_tokens_are_rejected_without_a_fetch() {
    let (server, provider) = setup().await;
    let padded = with(claims(), json!({"pad": "p".repeat(9 * 1024)}));
    let oversized = sign(key_a(), Some(KID), &padded);
    let mut non_ascii = good_token();
    non_ascii.push('\u{ff}');
    for token in [
        oversized.as_str(),
        non_ascii.as_str(),
        "",
        "Basic abc",
        "a.b",
        "...",
    ] {
        assert_eq!(
            provider.verify(token).await.unwrap_err(),
            AuthError::InvalidToken
        );
    }
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn an_empty_configured_issuer_accepts_nothing() {
    let (_server, provider) = setup_with(|c| ClerkConfig {
        issuer: String::new(),
        ..c
    })
    .await;
    rejects(&provider, with(claims(), json!({"iss": ""}))).await;
}
