//! The local-token cases at the end of shared/identity-spec.md: every one
//! must be a 401 problem, never a 500 or a panic.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use keel_e2e::{TEST_JWT_SECRET, TestApp, assert_problem, spawn_app};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use serde_json::{Value, json};

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn decode_part(token: &str, i: usize) -> Value {
    let part = token.split('.').nth(i).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).unwrap()).unwrap()
}

fn sign(claims: &Value, typ: Option<&str>, secret: &[u8]) -> String {
    let mut header = Header::new(Algorithm::HS256);
    header.typ = typ.map(str::to_owned);
    encode(&header, claims, &EncodingKey::from_secret(secret)).unwrap()
}

fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

async fn assert_rejected(app: &TestApp, token: &str) {
    let res = app.get("/api/v1/users/me", Some(token)).await;
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_genuine_token_passes_so_the_cases_below_test_something() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let claims = decode_part(&acc.access, 1);
    let resigned = sign(&claims, Some("at+jwt"), TEST_JWT_SECRET.as_bytes());
    assert_eq!(
        app.get("/api/v1/users/me", Some(&resigned)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn alg_none_is_rejected() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let claims = decode_part(&acc.access, 1);
    let token = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "at+jwt"})),
        b64(&claims)
    );
    assert_rejected(&app, &token).await;
}

#[tokio::test]
async fn a_tampered_payload_is_rejected() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let mut claims = decode_part(&acc.access, 1);
    claims["role"] = json!("admin");
    let parts: Vec<&str> = acc.access.split('.').collect();
    let token = format!("{}.{}.{}", parts[0], b64(&claims), parts[2]);
    assert_rejected(&app, &token).await;
}

#[tokio::test]
async fn a_token_signed_with_another_key_is_rejected() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let claims = decode_part(&acc.access, 1);
    assert_rejected(
        &app,
        &sign(
            &claims,
            Some("at+jwt"),
            b"another-key-another-key-another-key!",
        ),
    )
    .await;
}

#[tokio::test]
async fn expired_and_not_yet_valid_tokens_are_rejected() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let mut claims = decode_part(&acc.access, 1);
    claims["exp"] = json!(now() - 60);
    assert_rejected(
        &app,
        &sign(&claims, Some("at+jwt"), TEST_JWT_SECRET.as_bytes()),
    )
    .await;
    let mut claims = decode_part(&acc.access, 1);
    claims["nbf"] = json!(now() + 600);
    assert_rejected(
        &app,
        &sign(&claims, Some("at+jwt"), TEST_JWT_SECRET.as_bytes()),
    )
    .await;
}

#[tokio::test]
async fn string_typed_exp_and_nbf_are_rejected() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    for key in ["exp", "nbf"] {
        let mut claims = decode_part(&acc.access, 1);
        claims[key] = json!(claims[key].to_string());
        assert_rejected(
            &app,
            &sign(&claims, Some("at+jwt"), TEST_JWT_SECRET.as_bytes()),
        )
        .await;
    }
}

#[tokio::test]
async fn wrong_issuer_audience_or_missing_claims_are_rejected() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let edits: Vec<(&str, Option<Value>)> = vec![
        ("iss", Some(json!("keel/"))),
        ("iss", Some(json!("https://clerk.example.com"))),
        ("aud", Some(json!("someone-else"))),
        ("exp", None),
        ("nbf", None),
        ("sub", None),
        ("aud", None),
    ];
    for (key, value) in edits {
        let mut claims = decode_part(&acc.access, 1);
        match value {
            Some(v) => claims[key] = v,
            None => {
                claims.as_object_mut().unwrap().remove(key);
            }
        }
        assert_rejected(
            &app,
            &sign(&claims, Some("at+jwt"), TEST_JWT_SECRET.as_bytes()),
        )
        .await;
    }
}

#[tokio::test]
async fn a_token_without_the_access_token_type_is_rejected() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let claims = decode_part(&acc.access, 1);
    assert_rejected(
        &app,
        &sign(&claims, Some("JWT"), TEST_JWT_SECRET.as_bytes()),
    )
    .await;
    assert_rejected(&app, &sign(&claims, None, TEST_JWT_SECRET.as_bytes())).await;
}

#[tokio::test]
async fn an_rs256_header_is_rejected_while_clerk_is_disabled() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let claims = decode_part(&acc.access, 1);
    let parts: Vec<&str> = acc.access.split('.').collect();
    let token = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "RS256", "typ": "JWT", "kid": "../../x"})),
        b64(&claims),
        parts[2]
    );
    assert_rejected(&app, &token).await;
}

#[tokio::test]
async fn a_validly_signed_token_for_a_session_that_does_not_exist_is_rejected() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    let mut claims = decode_part(&acc.access, 1);
    claims["sid"] = json!(uuid::Uuid::now_v7());
    assert_rejected(
        &app,
        &sign(&claims, Some("at+jwt"), TEST_JWT_SECRET.as_bytes()),
    )
    .await;
    let mut claims = decode_part(&acc.access, 1);
    claims["sub"] = json!(uuid::Uuid::now_v7());
    assert_rejected(
        &app,
        &sign(&claims, Some("at+jwt"), TEST_JWT_SECRET.as_bytes()),
    )
    .await;
}

#[tokio::test]
async fn odd_authorization_headers_are_401_never_500() {
    let app = spawn_app().await;
    let huge = format!("Bearer {}", "a".repeat(9 * 1024));
    let values: Vec<HeaderValue> = vec![
        HeaderValue::from_bytes(b"Bearer \xff\xfe\xfd").unwrap(),
        HeaderValue::from_static("Bearer "),
        HeaderValue::from_static("Bearer"),
        HeaderValue::from_static("Basic dXNlcjpwYXNz"),
        HeaderValue::from_static("Bearer not.a.jwt"),
        HeaderValue::from_static("Bearer ...."),
        HeaderValue::from_str(&huge).unwrap(),
    ];
    for value in values {
        let res = app
            .request(reqwest::Method::GET, "/api/v1/users/me")
            .header(AUTHORIZATION, value.clone())
            .send()
            .await
            .unwrap();
        assert_problem(res, StatusCode::UNAUTHORIZED).await;
    }
}

#[tokio::test]
async fn access_and_refresh_tokens_cannot_stand_in_for_each_other() {
    let app = spawn_app().await;
    let acc = app.register_random().await;
    assert_rejected(&app, &acc.refresh).await;
    let res = app
        .post_json(
            "/api/v1/auth/refresh",
            &json!({"refresh_token": acc.access}),
        )
        .await;
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
    assert_eq!(
        app.get("/api/v1/users/me", Some(&acc.access))
            .await
            .status(),
        StatusCode::OK
    );
}
