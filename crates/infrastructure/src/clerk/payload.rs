//! Clerk's user JSON, read once for both the Backend API (`GET /v1/users/{id}`)
//! and webhook deliveries (`{type, data: <user>}`), and the
//! [`WebhookPayloadReader`] over the latter.

use keel_domain::identity::{ExternalProfile, ExternalUserUpdate, Role};
use keel_domain::webhooks::{DirectoryEvent, WebhookPayloadReader};
use serde::Deserialize;
use serde_json::Value;

/// A Clerk user object (the fields Keel uses).
#[derive(Debug, Deserialize)]
pub(crate) struct ClerkUser {
    #[serde(default)]
    pub(crate) id: String,
    #[serde(default)]
    email_addresses: Vec<ClerkEmail>,
    primary_email_address_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    username: Option<String>,
    image_url: Option<String>,
    #[serde(default)]
    public_metadata: Value,
    updated_at: Option<i64>,
}

#[derive(Debug, Deserialize)]
struct ClerkEmail {
    id: String,
    email_address: String,
    verification: Option<ClerkVerification>,
}

#[derive(Debug, Deserialize)]
struct ClerkVerification {
    status: Option<String>,
}

/// Blank text is no value: Clerk sends `""` as well as `null` for unset
/// usernames and image URLs.
fn present(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
}

impl ClerkUser {
    /// The one mapping from a Clerk user to Keel's view of a directory
    /// profile: the primary email (verified only when Clerk says so), first
    /// and last name joined, blank username and image URL dropped.
    pub(crate) fn profile(&self) -> ExternalProfile {
        let primary = self
            .primary_email_address_id
            .as_deref()
            .and_then(|id| self.email_addresses.iter().find(|e| e.id == id));
        let name = [self.first_name.as_deref(), self.last_name.as_deref()]
            .into_iter()
            .filter_map(present)
            .collect::<Vec<_>>()
            .join(" ");
        ExternalProfile {
            email: primary.map(|e| e.email_address.clone()),
            email_verified: primary
                .and_then(|e| e.verification.as_ref())
                .and_then(|v| v.status.as_deref())
                == Some("verified"),
            name: (!name.is_empty()).then_some(name),
            username: present(self.username.as_deref()),
            image_url: present(self.image_url.as_deref()),
        }
    }

    /// The role in `public_metadata.role` (never `unsafe_metadata`), when it names one.
    fn role(&self) -> Option<Role> {
        self.public_metadata
            .get("role")
            .and_then(Value::as_str)
            .and_then(|r| Role::parse(r).ok())
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    data: Value,
}

/// Reads Clerk's webhook deliveries.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClerkPayloads;

impl WebhookPayloadReader for ClerkPayloads {
    fn event_type(&self, body: &[u8]) -> Option<String> {
        serde_json::from_slice::<Envelope>(body)
            .ok()
            .map(|e| e.kind)
    }

    fn parse(&self, body: &str) -> Result<DirectoryEvent, String> {
        let envelope: Envelope =
            serde_json::from_str(body).map_err(|e| format!("not a Clerk event: {e}"))?;
        match envelope.kind.as_str() {
            "user.created" | "user.updated" => {
                let user: ClerkUser = serde_json::from_value(envelope.data)
                    .map_err(|e| format!("bad user payload: {e}"))?;
                if user.id.is_empty() {
                    return Err("user without id".into());
                }
                Ok(DirectoryEvent::UserUpserted(ExternalUserUpdate {
                    profile: user.profile(),
                    role: user.role(),
                    updated_at_ms: user.updated_at.unwrap_or(0),
                    subject: user.id,
                }))
            }
            "user.deleted" => {
                let subject = envelope
                    .data
                    .get("id")
                    .and_then(Value::as_str)
                    .filter(|id| !id.is_empty())
                    .ok_or("user.deleted without data.id")?;
                Ok(DirectoryEvent::UserDeleted {
                    subject: subject.to_owned(),
                })
            }
            other => Ok(DirectoryEvent::Other(other.to_owned())),
        }
    }
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

    fn upsert(body: &str) -> ExternalUserUpdate {
        match ClerkPayloads.parse(body).unwrap() {
            DirectoryEvent::UserUpserted(u) => u,
            other => panic!("upsert expected, got {other:?}"),
        }
    }

    #[test]
    fn user_created_takes_the_primary_email_names_and_public_role() {
        let u = upsert(CREATED);
        assert_eq!(u.subject, "user_29w83sxmDNGwOuEthce5gg56FcC");
        assert_eq!(u.profile.email.as_deref(), Some("example@example.org"));
        assert!(u.profile.email_verified);
        assert_eq!(u.profile.name.as_deref(), Some("Example Person"));
        assert_eq!(
            u.profile.image_url.as_deref(),
            Some("https://img.clerk.com/x.png")
        );
        assert_eq!(
            u.role,
            Some(Role::Staff),
            "public_metadata, never unsafe_metadata"
        );
        assert_eq!(u.updated_at_ms, 1_654_012_591_835);
    }

    #[test]
    fn blank_usernames_and_image_urls_are_no_value_in_webhooks_as_in_the_api() {
        let body = CREATED
            .replace(r#""username":null"#, r#""username":"  ""#)
            .replace(
                r#""image_url":"https://img.clerk.com/x.png""#,
                r#""image_url":"""#,
            );
        let u = upsert(&body);
        assert_eq!(u.profile.username, None);
        assert_eq!(u.profile.image_url, None);
        let user: ClerkUser = serde_json::from_str(
            r#"{"id":"user_1","username":"","image_url":"","first_name":"","last_name":"Solo"}"#,
        )
        .unwrap();
        let profile = user.profile();
        assert_eq!((profile.username, profile.image_url), (None, None));
        assert_eq!(profile.name.as_deref(), Some("Solo"));
    }

    #[test]
    fn deleted_and_other_types_parse_and_garbage_does_not() {
        let deleted =
            r#"{"type":"user.deleted","data":{"id":"user_1","object":"user","deleted":true}}"#;
        assert_eq!(
            ClerkPayloads.parse(deleted).unwrap(),
            DirectoryEvent::UserDeleted {
                subject: "user_1".into()
            }
        );
        let other = r#"{"type":"session.created","data":{}}"#;
        assert_eq!(
            ClerkPayloads.parse(other).unwrap(),
            DirectoryEvent::Other("session.created".into())
        );
        assert!(ClerkPayloads.parse("not json").is_err());
        assert!(
            ClerkPayloads
                .parse(r#"{"type":"user.deleted","data":{}}"#)
                .is_err()
        );
        assert!(
            ClerkPayloads
                .parse(r#"{"type":"user.created","data":{"id":""}}"#)
                .is_err()
        );
        assert_eq!(
            ClerkPayloads.event_type(deleted.as_bytes()).as_deref(),
            Some("user.deleted")
        );
        assert_eq!(ClerkPayloads.event_type(b"[]"), None);
    }

    #[test]
    fn an_unverified_primary_email_is_reported_unverified() {
        let body = CREATED.replace("\"verified\"}}],", "\"unverified\"}}],");
        assert!(!upsert(&body).profile.email_verified);
    }
}
