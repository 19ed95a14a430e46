//! Clerk session tokens over HTTP, against a fake Clerk on loopback.

use futures_util::future::join_all;
use keel_e2e::fake_clerk::{FakeClerk, ISSUER, TestKey, clerk_user, keys, now, session_claims};
use keel_e2e::{assert_problem, spawn_clerk_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn a_clerk_token_authenticates_and_provisions_one_enriched_user() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    fake.set_user(
        "user_ada",
        clerk_user("user_ada", "ada@clerk-users.example", true, "Ada", 1000),
    );
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let token = key.sign(&session_claims("user_ada"));
    let me: Value = app
        .get("/api/v1/users/me", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ada@clerk-users.example");
    assert_eq!(me["email_verified"], true);
    assert_eq!(me["name"], "Ada Tester");
    assert_eq!(me["role"], "staff", "role from metadata.role");
    let again: Value = app
        .get("/api/v1/users/me", Some(&token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["id"], me["id"]);
    assert_eq!(fake.user_hits(), 1, "enrichment only on first sight");
}

#[tokio::test]
async fn concurrent_first_requests_create_exactly_one_user() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let token = key.sign(&session_claims("user_race"));
    let answers = join_all((0..12).map(|_| app.get("/api/v1/users/me", Some(&token)))).await;
    let mut ids = Vec::new();
    for res in answers {
        assert_eq!(res.status(), StatusCode::OK);
        ids.push(res.json::<Value>().await.unwrap()["id"].clone());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one user for all concurrent first requests");
    let admin = app.create_admin("root@example.com", "admin password").await;
    let list: Value = app
        .get("/api/v1/users?q=user_race", Some(&admin.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
}

#[tokio::test]
async fn a_failing_backend_api_never_fails_the_request() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    fake.fail_users(true);
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let res = app
        .get(
            "/api/v1/users/me",
            Some(&key.sign(&session_claims("user_nomail"))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let me: Value = res.json().await.unwrap();
    assert!(
        me["email"].as_str().unwrap().ends_with("@clerk.invalid"),
        "placeholder until a webhook brings the email"
    );
    assert_eq!(me["email_verified"], false);
}

#[tokio::test]
async fn roles_come_from_metadata_and_impersonation_never_grants_admin() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let mut admin = session_claims("user_boss");
    admin["metadata"] = json!({"role": "admin"});
    assert_eq!(
        app.get("/api/v1/users", Some(&key.sign(&admin)))
            .await
            .status(),
        StatusCode::OK
    );
    let mut acting = admin.clone();
    acting["act"] = json!({"sub": "user_support_agent"});
    assert_problem(
        app.get("/api/v1/users", Some(&key.sign(&acting))).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let mut odd = session_claims("user_odd");
    odd["metadata"] = json!({"role": "overlord"});
    let me: Value = app
        .get("/api/v1/users/me", Some(&key.sign(&odd)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "customer");
}

#[tokio::test]
async fn a_pending_session_is_403() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let mut claims = session_claims("user_pending");
    claims["sts"] = json!("pending");
    assert_problem(
        app.get("/api/v1/users/me", Some(&key.sign(&claims))).await,
        StatusCode::FORBIDDEN,
    )
    .await;
}

fn b64(v: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
}

#[tokio::test]
async fn every_unacceptable_clerk_token_is_401() {
    let (key, _) = keys();
    let foreign = TestKey::generate("ins_key_1");
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let t = now();
    let edit = |f: &dyn Fn(&mut Value)| {
        let mut c = session_claims("user_adv");
        f(&mut c);
        key.sign(&c)
    };
    let good = key.sign(&session_claims("user_adv"));
    let parts: Vec<&str> = good.split('.').collect();
    let mut tampered_claims = session_claims("user_adv");
    tampered_claims["metadata"] = json!({"role": "admin"});
    let hs_with_public_key = jsonwebtoken::encode(
        &jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256),
        &session_claims("user_adv"),
        &jsonwebtoken::EncodingKey::from_secret(key.public_pem.as_bytes()),
    )
    .unwrap();
    let cases: Vec<(&str, String)> = vec![
        (
            "wrong iss",
            edit(&|c| c["iss"] = json!("https://evil.example")),
        ),
        (
            "iss with trailing slash",
            edit(&|c| c["iss"] = json!(format!("{ISSUER}/"))),
        ),
        (
            "wrong azp",
            edit(&|c| c["azp"] = json!("https://evil.example")),
        ),
        (
            "missing azp",
            edit(&|c| {
                c.as_object_mut().unwrap().remove("azp");
            }),
        ),
        ("expired", edit(&|c| c["exp"] = json!(t - 30))),
        ("nbf in the future", edit(&|c| c["nbf"] = json!(t + 600))),
        (
            "string exp",
            edit(&|c| c["exp"] = json!((t + 60).to_string())),
        ),
        ("empty sub", edit(&|c| c["sub"] = json!(""))),
        (
            "alg none",
            format!(
                "{}.{}.",
                b64(&json!({"alg": "none", "kid": "ins_key_1"})),
                parts[1]
            ),
        ),
        ("HS256 keyed with the public key", hs_with_public_key),
        (
            "tampered payload",
            format!("{}.{}.{}", parts[0], b64(&tampered_claims), parts[2]),
        ),
        (
            "foreign key with a known kid",
            foreign.sign(&session_claims("user_adv")),
        ),
        (
            "kid ../../x",
            key.sign_as(&session_claims("user_adv"), "../../x"),
        ),
        (
            "10 KB kid",
            key.sign_as(&session_claims("user_adv"), &"k".repeat(10_000)),
        ),
    ];
    assert_eq!(
        app.get("/api/v1/users/me", Some(&good)).await.status(),
        StatusCode::OK,
        "the genuine token passes"
    );
    for (case, token) in cases {
        let res = app.get("/api/v1/users/me", Some(&token)).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{case}");
        assert_problem(res, StatusCode::UNAUTHORIZED).await;
    }
    let numeric_kid = format!(
        "{}.{}.{}",
        b64(&json!({"alg": "RS256", "kid": 7})),
        parts[1],
        parts[2]
    );
    assert_problem(
        app.get("/api/v1/users/me", Some(&numeric_kid)).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
}

#[tokio::test]
async fn a_clerk_token_is_not_a_refresh_token() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let token = key.sign(&session_claims("user_refresh"));
    let res = app
        .post_json("/api/v1/auth/refresh", &json!({"refresh_token": token}))
        .await;
    assert_problem(res, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn a_flood_of_unknown_kids_cannot_flood_clerk() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |_| {}).await;
    assert_eq!(
        app.get(
            "/api/v1/users/me",
            Some(&key.sign(&session_claims("user_f")))
        )
        .await
        .status(),
        StatusCode::OK
    );
    let before = fake.jwks_hits();
    let tokens: Vec<String> = (0..40)
        .map(|i| key.sign_as(&session_claims("user_f"), &format!("kid_{i}")))
        .collect();
    let answers = join_all(tokens.iter().map(|t| app.get("/api/v1/users/me", Some(t)))).await;
    assert!(
        answers
            .iter()
            .all(|r| r.status() == StatusCode::UNAUTHORIZED)
    );
    assert!(
        fake.jwks_hits() - before <= 1,
        "{} JWKS fetches for 40 unknown kids",
        fake.jwks_hits() - before
    );
}

#[tokio::test]
async fn rotated_keys_are_picked_up_on_an_unknown_kid() {
    let (old, new) = keys();
    let fake = FakeClerk::start(&[old]).await;
    let app = spawn_clerk_app(&fake, |s| s.clerk.jwks_min_refresh_secs = 0).await;
    assert_eq!(
        app.get(
            "/api/v1/users/me",
            Some(&old.sign(&session_claims("user_rot")))
        )
        .await
        .status(),
        StatusCode::OK
    );
    fake.set_keys(&[new]);
    let res = app
        .get(
            "/api/v1/users/me",
            Some(&new.sign(&session_claims("user_rot"))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[tokio::test]
async fn stale_keys_are_served_while_clerk_is_down() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    let app = spawn_clerk_app(&fake, |s| s.clerk.jwks_min_refresh_secs = 0).await;
    let token = key.sign(&session_claims("user_stale"));
    assert_eq!(
        app.get("/api/v1/users/me", Some(&token)).await.status(),
        StatusCode::OK
    );
    fake.fail_jwks(true);
    assert_eq!(
        app.get("/api/v1/users/me", Some(&token)).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn with_no_keys_at_all_clerk_tokens_get_503_with_retry_after() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[key]).await;
    fake.fail_jwks(true);
    let app = spawn_clerk_app(&fake, |_| {}).await;
    let res = app
        .get(
            "/api/v1/users/me",
            Some(&key.sign(&session_claims("user_down"))),
        )
        .await;
    assert!(res.headers().get("retry-after").is_some());
    assert_problem(res, StatusCode::SERVICE_UNAVAILABLE).await;
    let local = app.register_random().await;
    assert_eq!(
        app.get("/api/v1/users/me", Some(&local.access))
            .await
            .status(),
        StatusCode::OK,
        "local tokens unaffected"
    );
}

#[tokio::test]
async fn networkless_pem_verification_needs_no_jwks() {
    let (key, _) = keys();
    let fake = FakeClerk::start(&[]).await;
    let pem = key.public_pem.clone();
    let app = spawn_clerk_app(&fake, move |s| {
        s.clerk.jwks_url = None;
        s.clerk.jwt_key = Some(pem.into());
    })
    .await;
    let res = app
        .get(
            "/api/v1/users/me",
            Some(&key.sign(&session_claims("user_pem"))),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(fake.jwks_hits(), 0);
}
