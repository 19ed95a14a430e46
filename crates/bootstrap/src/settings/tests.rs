use super::*;

fn with_env(env: &str, secret: Option<&str>) -> Settings {
    let mut s = Settings {
        env: env.into(),
        ..Settings::default()
    };
    s.auth.jwt_secret = secret.map(|v| SecretString::from(v.to_owned()));
    s
}

#[test]
fn production_refuses_a_missing_or_short_secret() {
    assert!(with_env("production", None).validate().is_err());
    assert!(with_env("production", Some("short")).validate().is_err());
    assert!(
        with_env("production", Some(&"k".repeat(32)))
            .validate()
            .is_ok()
    );
}

#[test]
fn development_accepts_a_missing_secret_but_not_a_short_one() {
    assert!(with_env("development", None).validate().is_ok());
    assert!(with_env("test", Some("short")).validate().is_err());
}

#[test]
fn secrets_are_redacted_in_debug_output() {
    let s = with_env("production", Some("super-secret-value-super-secret-value"));
    assert!(!format!("{s:?}").contains("super-secret-value"));
}

#[test]
fn defaults_match_the_contract() {
    let s = Settings::default();
    assert_eq!(s.auth.access_token_ttl_secs, 1800);
    assert_eq!(s.auth.refresh_token_ttl_secs, 604_800);
    assert!(s.database.url.starts_with("sqlite://data/"));
}

#[test]
fn clerk_aliases_fill_only_unset_secrets() {
    let mut s = Settings::default();
    s.clerk.webhook_secret = Some(SecretString::from("whsec_configured".to_owned()));
    s.apply_clerk_aliases(|name| Some(format!("{name}-value")));
    assert_eq!(
        s.clerk.secret_key.as_ref().unwrap().expose_secret(),
        "CLERK_SECRET_KEY-value"
    );
    assert_eq!(
        s.clerk.jwt_key.as_ref().unwrap().expose_secret(),
        "CLERK_JWT_KEY-value"
    );
    assert_eq!(
        s.clerk.webhook_secret.as_ref().unwrap().expose_secret(),
        "whsec_configured"
    );
}

#[test]
fn enabling_clerk_requires_an_issuer_and_keys() {
    let mut s = with_env("development", None);
    s.clerk.enabled = true;
    assert!(s.validate().is_err());
    s.clerk.issuer = "https://clerk.example.com".into();
    assert!(s.validate().is_err());
    s.clerk.jwks_url = Some("https://clerk.example.com/.well-known/jwks.json".into());
    assert!(s.validate().is_ok());
}

#[test]
fn cors_origins_are_split_on_commas() {
    let mut s = Settings::default();
    s.server.cors_origins = " https://a.example , https://b.example,".into();
    assert_eq!(
        s.cors_origins(),
        vec!["https://a.example", "https://b.example"]
    );
}

#[test]
fn the_session_check_batch_is_on_by_default_and_bounded() {
    let mut s = with_env("development", None);
    assert_eq!(s.auth.session_check_batch, 64);
    for ok in [0, 1, 64, 1024] {
        s.auth.session_check_batch = ok;
        assert!(s.validate().is_ok(), "{ok}");
    }
    s.auth.session_check_batch = 1025;
    assert!(s.validate().is_err());
}

#[test]
fn the_hashing_threads_nice_value_must_be_a_lowering_one() {
    let mut s = with_env("development", None);
    assert_eq!(s.auth.hash_nice, 10);
    for ok in [0, 10, 19] {
        s.auth.hash_nice = ok;
        assert!(s.validate().is_ok(), "{ok}");
    }
    for bad in [-1, -20, 20] {
        s.auth.hash_nice = bad;
        assert!(s.validate().is_err(), "{bad}");
    }
}
