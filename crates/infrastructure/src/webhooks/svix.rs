//! [`WebhookVerifier`] for Svix-signed deliveries (Clerk webhooks).

use std::fmt;

use base64::{Engine as _, engine::general_purpose::STANDARD};
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use keel_domain::webhooks::{WebhookError, WebhookHeaders, WebhookVerifier};
use sha2::Sha256;
use subtle::{Choice, ConstantTimeEq};

/// Allowed clock skew between the delivery timestamp and `now`, in seconds.
const TOLERANCE_SECS: u64 = 300;
/// Most entries (of any version) accepted in one signature header.
const MAX_SIGNATURES: usize = 32;
/// Longest accepted delivery id, in bytes.
const MAX_ID_LEN: usize = 256;

/// Why the configured webhook secrets are unusable. Never contains key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SvixConfigError {
    /// No non-empty secret was configured.
    #[error("no webhook secret configured")]
    Empty,
    /// The secret at this 0-based position (among the non-empty items) is not
    /// non-empty standard base64.
    #[error("webhook secret #{0} is not valid base64")]
    InvalidSecret(usize),
}

/// Verifies Svix signatures against one or more `whsec_…` secrets (rotation).
#[derive(Clone)]
pub struct SvixVerifier {
    keys: Vec<Vec<u8>>,
}

impl SvixVerifier {
    /// Parses a comma-separated list of `whsec_<base64>` secrets (the prefix is
    /// optional); items are trimmed and empty items ignored.
    ///
    /// # Errors
    /// [`SvixConfigError::Empty`] when no secret is given,
    /// [`SvixConfigError::InvalidSecret`] when one does not decode.
    pub fn new(secrets: &str) -> Result<Self, SvixConfigError> {
        let keys = secrets
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .enumerate()
            .map(|(i, s)| {
                let encoded = s.strip_prefix("whsec_").unwrap_or(s);
                match STANDARD.decode(encoded) {
                    Ok(key) if !key.is_empty() => Ok(key),
                    _ => Err(SvixConfigError::InvalidSecret(i)),
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        if keys.is_empty() {
            return Err(SvixConfigError::Empty);
        }
        Ok(Self { keys })
    }
}

impl fmt::Debug for SvixVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SvixVerifier")
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

fn reject(reason: &str) -> WebhookError {
    WebhookError::InvalidSignature(reason.to_owned())
}

impl WebhookVerifier for SvixVerifier {
    fn verify(
        &self,
        headers: &WebhookHeaders,
        body: &[u8],
        now: DateTime<Utc>,
    ) -> Result<(), WebhookError> {
        let (id, ts) = (headers.id.as_str(), headers.timestamp.as_str());
        let listed = headers.signature.split_whitespace();
        let entries: Vec<&str> = listed.take(MAX_SIGNATURES + 1).collect();
        let problems = [
            (id.is_empty(), "missing id"),
            (id.len() > MAX_ID_LEN, "id too long"),
            (ts.is_empty(), "missing timestamp"),
            (entries.is_empty(), "missing signature"),
            (entries.len() > MAX_SIGNATURES, "too many signatures"),
        ];
        if let Some((_, reason)) = problems.into_iter().find(|(bad, _)| *bad) {
            return Err(reject(reason));
        }
        let sent: i64 = ts.parse().map_err(|_| reject("invalid timestamp"))?;
        if now.timestamp().abs_diff(sent) > TOLERANCE_SECS {
            return Err(reject("timestamp outside tolerance"));
        }
        let expected: Vec<_> = self
            .keys
            .iter()
            .map(|key| {
                let mut mac =
                    Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
                mac.update(format!("{id}.{ts}.").as_bytes());
                mac.update(body);
                mac.finalize().into_bytes()
            })
            .collect();
        // Only `v1,<non-empty base64>` entries count; `v1a,…`, `v2,…` are skipped.
        let mut matched = Choice::from(0);
        for given in entries
            .iter()
            .filter_map(|entry| entry.strip_prefix("v1,"))
            .filter(|encoded| !encoded.is_empty())
            .filter_map(|encoded| STANDARD.decode(encoded).ok())
        {
            for mac in &expected {
                matched |= mac[..].ct_eq(&given);
            }
        }
        if bool::from(matched) {
            Ok(())
        } else {
            Err(reject("no matching signature"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Test vector produced by Svix's own library, Python package `svix` 2.9.1:
    // Webhook(SECRET).sign(ID, datetime.fromtimestamp(TS, tz=timezone.utc), BODY)
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: &str = "1614265330";
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    const OTHER: &str = "whsec_b3RoZXItc2VjcmV0LWtleS1mb3ItdGVzdHM=";
    const NO_MATCH: &str = "no matching signature";

    fn headers(id: &str, ts: &str, signature: &str) -> WebhookHeaders {
        let (id, timestamp, signature) = (id.into(), ts.into(), signature.into());
        WebhookHeaders {
            id,
            timestamp,
            signature,
        }
    }

    /// Signs like Svix: `v1,` + base64(HMAC-SHA256(key, "{id}.{ts}.{body}")).
    fn sign(secret: &str, id: &str, ts: &str, body: &[u8]) -> String {
        let key = STANDARD.decode(&secret["whsec_".len()..]).unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{ts}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }

    /// "ok", or the rejection reason, `offset` seconds after `TS`.
    fn outcome(secrets: &str, h: &WebhookHeaders, body: &[u8], offset: i64) -> String {
        let now = DateTime::from_timestamp(TS.parse::<i64>().unwrap() + offset, 0).unwrap();
        match SvixVerifier::new(secrets).unwrap().verify(h, body, now) {
            Ok(()) => "ok".into(),
            Err(WebhookError::InvalidSignature(reason)) => reason,
        }
    }

    /// Outcome of a delivery of `BODY` with `ID`/`TS` and this signature header.
    fn deliver(secrets: &str, signature: &str) -> String {
        outcome(secrets, &headers(ID, TS, signature), BODY, 0)
    }

    /// Outcome of a delivery of `BODY` to a verifier holding `SECRET`.
    fn deliver_as(id: &str, ts: &str, signature: &str) -> String {
        outcome(SECRET, &headers(id, ts, signature), BODY, 0)
    }

    #[test]
    fn the_svix_library_test_vector_is_accepted_only_within_five_minutes() {
        let h = headers(ID, TS, SIGNATURE);
        for offset in [0, 10, 300, -300] {
            assert_eq!(outcome(SECRET, &h, BODY, offset), "ok", "at {offset}");
        }
        for offset in [301, -301, 100_000] {
            let got = outcome(SECRET, &h, BODY, offset);
            assert_eq!(got, "timestamp outside tolerance", "at {offset}");
        }
    }

    #[test]
    fn the_in_test_signer_agrees_with_the_svix_library() {
        assert_eq!(sign(SECRET, ID, TS, BODY), SIGNATURE);
    }

    #[test]
    fn a_body_changed_by_one_byte_is_rejected() {
        let (mut body, h) = (BODY.to_vec(), headers(ID, TS, SIGNATURE));
        assert_eq!(outcome(SECRET, &h, &body, 0), "ok");
        body[10] ^= 1;
        assert_eq!(outcome(SECRET, &h, &body, 0), NO_MATCH);
    }

    #[test]
    fn a_delivery_signed_with_another_secret_is_rejected() {
        let signature = sign(OTHER, ID, TS, BODY);
        assert_eq!(deliver(OTHER, &signature), "ok");
        assert_eq!(deliver(SECRET, &signature), NO_MATCH);
    }

    #[test]
    fn during_rotation_a_delivery_signed_by_the_second_secret_is_accepted() {
        let signature = sign(SECRET, ID, TS, BODY);
        assert_eq!(deliver(&format!(" {OTHER} ,, {SECRET} "), &signature), "ok");
        assert_eq!(deliver(OTHER, &signature), NO_MATCH);
    }

    #[test]
    fn only_non_empty_v1_entries_count() {
        let v2 = SIGNATURE.replacen("v1,", "v2,", 1);
        assert_eq!(deliver(SECRET, &v2), NO_MATCH);
        assert_eq!(deliver(SECRET, "v1,"), NO_MATCH);
        assert_eq!(deliver(SECRET, &format!("v1a,xyz {SIGNATURE}")), "ok");
    }

    #[test]
    fn missing_or_malformed_headers_are_rejected() {
        let run = |id: &str, ts: &str| deliver_as(id, ts, &sign(SECRET, id, ts, BODY));
        assert_eq!(run("", TS), "missing id");
        assert_eq!(run(ID, ""), "missing timestamp");
        assert_eq!(run(ID, "abc"), "invalid timestamp");
        assert_eq!(run(ID, "1614265330.0"), "invalid timestamp");
        assert_eq!(deliver(SECRET, ""), "missing signature");
        assert_eq!(deliver(SECRET, "   "), "missing signature");
    }

    #[test]
    fn oversized_ids_and_signature_lists_are_rejected() {
        let long_id = "m".repeat(MAX_ID_LEN + 1);
        let signature = sign(SECRET, &long_id, TS, BODY);
        assert_eq!(deliver_as(&long_id, TS, &signature), "id too long");
        let list = |n: usize| format!("{}{SIGNATURE}", "v1,AAAA ".repeat(n - 1));
        assert_eq!(deliver(SECRET, &list(MAX_SIGNATURES)), "ok");
        let too_many = deliver(SECRET, &list(MAX_SIGNATURES + 1));
        assert_eq!(too_many, "too many signatures");
    }

    #[test]
    fn new_rejects_missing_or_undecodable_secrets() {
        let err = |secrets: &str| SvixVerifier::new(secrets).unwrap_err();
        assert_eq!(err(""), SvixConfigError::Empty);
        assert_eq!(err(" , "), SvixConfigError::Empty);
        assert_eq!(err("whsec_!!!notbase64"), SvixConfigError::InvalidSecret(0));
        let second = err(&format!("{SECRET},whsec_"));
        assert_eq!(second, SvixConfigError::InvalidSecret(1));
        let unprefixed = SECRET.trim_start_matches("whsec_");
        assert_eq!(deliver(unprefixed, SIGNATURE), "ok");
    }

    #[test]
    fn debug_output_contains_no_part_of_the_secret() {
        let shown = format!("{:?}", SvixVerifier::new(SECRET).unwrap());
        let encoded = SECRET.trim_start_matches("whsec_");
        let key = STANDARD.decode(encoded).unwrap();
        let mut forbidden: Vec<String> = (0..=encoded.len() - 6)
            .map(|i| encoded[i..i + 6].to_owned())
            .collect();
        forbidden.extend(["whsec".to_owned(), format!("{}, {}", key[0], key[1])]);
        for part in forbidden {
            assert!(!shown.contains(&part), "{shown} shows {part}");
        }
    }
}
