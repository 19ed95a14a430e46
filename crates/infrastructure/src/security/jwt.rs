//! Keel's HS256 access tokens and opaque refresh tokens.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use jsonwebtoken::{
    Algorithm, DecodingKey, EncodingKey, Header, Validation, decode, decode_header, encode,
};
use keel_domain::identity::{
    AccessClaims, RefreshToken, Role, SessionId, TokenError, TokenKind, TokenService, UserId,
};
use rand::RngCore;
use rand::rngs::OsRng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `typ` header of Keel's access tokens (RFC 9068).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// Clock skew tolerated on `exp` and `nbf`, in seconds.
const LEEWAY_SECS: u64 = 5;

/// What [`JwtTokenService`] signs with and puts in `iss`/`aud`.
#[derive(Clone)]
pub struct JwtConfig {
    /// The raw HMAC key (at least 32 bytes; checked by the settings loader).
    pub secret: Vec<u8>,
    /// `iss` of issued tokens, required on verification.
    pub issuer: String,
    /// `aud` of issued tokens, required on verification.
    pub audience: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    iss: String,
    aud: String,
    sub: Uuid,
    sid: Uuid,
    role: String,
    iat: i64,
    nbf: i64,
    exp: i64,
    jti: Uuid,
}

/// [`TokenService`] issuing HS256 JWTs with `typ: at+jwt`. Verification fixes
/// the algorithm server-side, requires `exp nbf iss sub aud`, checks `iss` and
/// `aud` exactly and allows 5 s of skew.
pub struct JwtTokenService {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    issuer: String,
    audience: String,
}

impl JwtTokenService {
    /// A token service for `config`.
    pub fn new(config: JwtConfig) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "nbf", "iss", "sub", "aud"]);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        Self {
            encoding: EncodingKey::from_secret(&config.secret),
            decoding: DecodingKey::from_secret(&config.secret),
            validation,
            issuer: config.issuer,
            audience: config.audience,
        }
    }
}

fn timestamp(secs: i64) -> Result<DateTime<Utc>, TokenError> {
    DateTime::from_timestamp(secs, 0).ok_or(TokenError::Invalid)
}

impl TokenService for JwtTokenService {
    fn issue_access(&self, claims: &AccessClaims) -> Result<String, TokenError> {
        let mut header = Header::new(Algorithm::HS256);
        header.typ = Some(ACCESS_TOKEN_TYP.to_owned());
        let body = Claims {
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            sub: claims.user_id.as_uuid(),
            sid: claims.session_id.as_uuid(),
            role: claims.role.as_str().to_owned(),
            iat: claims.issued_at.timestamp(),
            nbf: claims.issued_at.timestamp(),
            exp: claims.expires_at.timestamp(),
            jti: Uuid::new_v4(),
        };
        encode(&header, &body, &self.encoding).map_err(|e| TokenError::Encoding(e.to_string()))
    }

    fn verify_access(&self, token: &str) -> Result<AccessClaims, TokenError> {
        let header = decode_header(token).map_err(|_| TokenError::Invalid)?;
        if header.alg != Algorithm::HS256 || header.typ.as_deref() != Some(ACCESS_TOKEN_TYP) {
            return Err(TokenError::Invalid);
        }
        let data = decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|_| TokenError::Invalid)?;
        let c = data.claims;
        Ok(AccessClaims {
            user_id: UserId::from_uuid(c.sub),
            session_id: SessionId::from_uuid(c.sid),
            role: Role::parse(&c.role).map_err(|_| TokenError::Invalid)?,
            issued_at: timestamp(c.iat)?,
            expires_at: timestamp(c.exp)?,
        })
    }

    fn new_refresh_token(&self) -> RefreshToken {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        let plain = URL_SAFE_NO_PAD.encode(bytes);
        let hash = self.hash_refresh_token(&plain);
        RefreshToken { plain, hash }
    }

    fn hash_refresh_token(&self, plain: &str) -> String {
        sha256_hex(plain.as_bytes())
    }

    fn classify(&self, token: &str) -> TokenKind {
        match decode_header(token) {
            Ok(h) if h.alg == Algorithm::HS256 && h.typ.as_deref() == Some(ACCESS_TOKEN_TYP) => {
                TokenKind::Local
            }
            Ok(h) if h.alg == Algorithm::RS256 => TokenKind::External,
            _ => TokenKind::Unknown,
        }
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn service(secret: &[u8]) -> JwtTokenService {
        JwtTokenService::new(JwtConfig {
            secret: secret.to_vec(),
            issuer: "keel".into(),
            audience: "keel-api".into(),
        })
    }

    fn claims(now: DateTime<Utc>, ttl: i64) -> AccessClaims {
        AccessClaims {
            user_id: UserId::generate(),
            session_id: SessionId::generate(),
            role: Role::Staff,
            issued_at: now,
            expires_at: now + Duration::seconds(ttl),
        }
    }

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn issued_tokens_verify_and_round_trip_claims() {
        let svc = service(SECRET);
        let c = claims(Utc::now(), 60);
        let token = svc.issue_access(&c).unwrap();
        let back = svc.verify_access(&token).unwrap();
        assert_eq!(
            (back.user_id, back.session_id, back.role),
            (c.user_id, c.session_id, c.role)
        );
        let header = decode_header(&token).unwrap();
        assert_eq!(header.typ.as_deref(), Some("at+jwt"));
    }

    #[test]
    fn expired_tokens_and_other_keys_are_rejected() {
        let svc = service(SECRET);
        let expired = svc
            .issue_access(&claims(Utc::now() - Duration::seconds(120), 60))
            .unwrap();
        assert_eq!(svc.verify_access(&expired), Err(TokenError::Invalid));
        let other = service(b"another-secret-another-secret-!!")
            .issue_access(&claims(Utc::now(), 60))
            .unwrap();
        assert_eq!(svc.verify_access(&other), Err(TokenError::Invalid));
    }

    #[test]
    fn tokens_for_another_issuer_or_audience_are_rejected() {
        let c = claims(Utc::now(), 60);
        let foreign = JwtTokenService::new(JwtConfig {
            secret: SECRET.to_vec(),
            issuer: "clerk".into(),
            audience: "keel-api".into(),
        });
        assert!(
            service(SECRET)
                .verify_access(&foreign.issue_access(&c).unwrap())
                .is_err()
        );
        let other_aud = JwtTokenService::new(JwtConfig {
            secret: SECRET.to_vec(),
            issuer: "keel".into(),
            audience: "x".into(),
        });
        assert!(
            service(SECRET)
                .verify_access(&other_aud.issue_access(&c).unwrap())
                .is_err()
        );
    }

    #[test]
    fn tokens_are_classified_by_their_header() {
        let svc = service(SECRET);
        let local = svc.issue_access(&claims(Utc::now(), 60)).unwrap();
        assert_eq!(svc.classify(&local), TokenKind::Local);
        let b64 = |v: &str| URL_SAFE_NO_PAD.encode(v);
        let rs = format!(
            "{}.e30.sig",
            b64(r#"{"alg":"RS256","typ":"JWT","kid":"k"}"#)
        );
        assert_eq!(svc.classify(&rs), TokenKind::External);
        let plain_hs = format!("{}.e30.sig", b64(r#"{"alg":"HS256","typ":"JWT"}"#));
        assert_eq!(svc.classify(&plain_hs), TokenKind::Unknown);
        let none = format!("{}.e30.", b64(r#"{"alg":"none"}"#));
        assert_eq!(svc.classify(&none), TokenKind::Unknown);
        assert_eq!(svc.classify("garbage"), TokenKind::Unknown);
    }

    #[test]
    fn refresh_tokens_are_random_and_only_their_hash_is_kept() {
        let svc = service(SECRET);
        let a = svc.new_refresh_token();
        let b = svc.new_refresh_token();
        assert_ne!(a.plain, b.plain);
        assert_eq!(URL_SAFE_NO_PAD.decode(&a.plain).unwrap().len(), 32);
        assert_eq!(a.hash, svc.hash_refresh_token(&a.plain));
        assert_eq!(a.hash.len(), 64);
        assert!(!a.hash.contains(&a.plain));
    }
}
