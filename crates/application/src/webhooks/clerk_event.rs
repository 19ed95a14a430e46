//! Clerk's webhook payloads (`{data, object, type, timestamp, ...}`).

use keel_domain::identity::{ExternalProfile, Role};
use serde::Deserialize;
use serde_json::Value;

use crate::identity::ExternalUserUpdate;

/// The Clerk event types Keel applies.
pub const HANDLED_TYPES: [&str; 3] = ["user.created", "user.updated", "user.deleted"];

/// A parsed Clerk event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClerkEvent {
    /// `user.created` or `user.updated`.
    UserUpserted(ExternalUserUpdate),
    /// `user.deleted`.
    UserDeleted {
        /// The Clerk user id.
        subject: String,
    },
    /// Any other type.
    Other(String),
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct ClerkUser {
    id: String,
    #[serde(default)]
    email_addresses: Vec<ClerkEmail>,
    primary_email_address_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    image_url: Option<String>,
    username: Option<String>,
    #[serde(default)]
    public_metadata: Value,
    updated_at: Option<i64>,
}

#[derive(Deserialize)]
struct ClerkEmail {
    id: String,
    email_address: String,
    verification: Option<ClerkVerification>,
}

#[derive(Deserialize)]
struct ClerkVerification {
    status: Option<String>,
}

/// The `type` of a raw event body, if it is a JSON object with one.
pub fn event_type(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<Envelope>(body)
        .ok()
        .map(|e| e.kind)
}

/// Parses a stored event body.
///
/// # Errors
/// A description when the body is not a Clerk event of the shape its type requires.
pub fn parse_clerk_event(body: &str) -> Result<ClerkEvent, String> {
    let envelope: Envelope =
        serde_json::from_str(body).map_err(|e| format!("not a Clerk event: {e}"))?;
    match envelope.kind.as_str() {
        "user.created" | "user.updated" => {
            let user: ClerkUser = serde_json::from_value(envelope.data)
                .map_err(|e| format!("bad user payload: {e}"))?;
            Ok(ClerkEvent::UserUpserted(to_update(user)?))
        }
        "user.deleted" => {
            let subject = envelope
                .data
                .get("id")
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .ok_or("user.deleted without data.id")?;
            Ok(ClerkEvent::UserDeleted {
                subject: subject.to_owned(),
            })
        }
        other => Ok(ClerkEvent::Other(other.to_owned())),
    }
}

fn to_update(user: ClerkUser) -> Result<ExternalUserUpdate, String> {
    if user.id.is_empty() {
        return Err("user without id".into());
    }
    let primary = user
        .primary_email_address_id
        .as_deref()
        .and_then(|pid| user.email_addresses.iter().find(|e| e.id == pid));
    let name = [user.first_name.as_deref(), user.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let role = user
        .public_metadata
        .get("role")
        .and_then(Value::as_str)
        .and_then(|r| Role::parse(r).ok());
    Ok(ExternalUserUpdate {
        subject: user.id,
        profile: ExternalProfile {
            email: primary.map(|e| e.email_address.clone()),
            email_verified: primary
                .and_then(|e| e.verification.as_ref())
                .and_then(|v| v.status.as_deref())
                == Some("verified"),
            name: (!name.is_empty()).then_some(name),
            username: user.username,
            image_url: user.image_url,
        },
        role,
        updated_at_ms: user.updated_at.unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATED: &str = r#"{"object":"event","type":"user.created","timestamp":1654012591835,
      "instance_id":"ins_1","data":{"id":"user_29w83sxmDNGwOuEthce5gg56FcC","object":"user",
      "email_addresses":[{"id":"idn_other","email_address":"old@example.org","verification":{"status":"unverified"}},
        {"id":"idn_29w83yL7CwVlJXylYLxcslromF1","email_address":"example@example.org","verification":{"status":"verified"}}],
      "primary_email_address_id":"idn_29w83yL7CwVlJXylYLxcslromF1","first_name":"Example","last_name":" Person",
      "image_url":"https://img.clerk.com/x.png","username":null,"public_metadata":{"role":"staff"},
      "unsafe_metadata":{"role":"admin"},"updated_at":1654012591835}}"#;

    #[test]
    fn user_created_takes_the_primary_email_names_and_public_role() {
        let ClerkEvent::UserUpserted(u) = parse_clerk_event(CREATED).unwrap() else {
            panic!("upsert")
        };
        assert_eq!(u.subject, "user_29w83sxmDNGwOuEthce5gg56FcC");
        assert_eq!(u.profile.email.as_deref(), Some("example@example.org"));
        assert!(u.profile.email_verified);
        assert_eq!(u.profile.name.as_deref(), Some("Example Person"));
        assert_eq!(
            u.role,
            Some(Role::Staff),
            "public_metadata, never unsafe_metadata"
        );
        assert_eq!(u.updated_at_ms, 1_654_012_591_835);
    }

    #[test]
    fn deleted_and_other_types_parse_and_garbage_does_not() {
        let deleted =
            r#"{"type":"user.deleted","data":{"id":"user_1","object":"user","deleted":true}}"#;
        assert_eq!(
            parse_clerk_event(deleted).unwrap(),
            ClerkEvent::UserDeleted {
                subject: "user_1".into()
            }
        );
        let other = r#"{"type":"session.created","data":{}}"#;
        assert_eq!(
            parse_clerk_event(other).unwrap(),
            ClerkEvent::Other("session.created".into())
        );
        assert!(parse_clerk_event("not json").is_err());
        assert!(parse_clerk_event(r#"{"type":"user.deleted","data":{}}"#).is_err());
        assert_eq!(
            event_type(deleted.as_bytes()).as_deref(),
            Some("user.deleted")
        );
        assert_eq!(event_type(b"[]"), None);
    }

    #[test]
    fn an_unverified_primary_email_is_reported_unverified() {
        let body = CREATED.replace("\"verified\"}}],", "\"unverified\"}}],");
        let ClerkEvent::UserUpserted(u) = parse_clerk_event(&body).unwrap() else {
            panic!("upsert")
        };
        assert!(!u.profile.email_verified);
    }
}
