//! Validated identity value types. Each has a private field and a fallible
//! `parse`, so an instance is valid by construction.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::ids::uuid_id;

uuid_id!(
    /// A user's id.
    UserId
);
uuid_id!(
    /// A login session's id: stable across refresh-token rotations (the family id).
    SessionId
);

/// A normalised (trimmed, lower-cased, Unicode NFC) email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// The canonical form of `raw`: trimmed, lower-cased and in Unicode NFC,
    /// so `jü@x.com` typed with a combining diaeresis (NFD) and with a
    /// precomposed `ü` are one address.
    pub fn normalize(raw: &str) -> String {
        use unicode_normalization::UnicodeNormalization as _;
        raw.trim().to_lowercase().nfc().collect()
    }

    /// Normalises ([`Email::normalize`]) and checks the shape `local@domain.tld`.
    ///
    /// # Errors
    /// A [`FieldError`] on `email` when the address is malformed or over 254 characters (64 before the `@`).
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let email = Self::normalize(raw);
        let invalid = || FieldError::new("email", "must be a valid email address");
        if email.chars().count() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(invalid());
        }
        let (local, domain) = email.split_once('@').ok_or_else(invalid)?;
        let domain_ok = !domain.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        if local.is_empty() || local.chars().count() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(email))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A user's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The default role.
    #[default]
    Customer,
    /// Manages orders.
    Staff,
    /// May do everything.
    Admin,
}

impl Role {
    /// The role's wire and storage name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    /// Parses `customer`, `staff` or `admin`.
    ///
    /// # Errors
    /// A [`FieldError`] on `role` for any other value.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        match raw {
            "customer" => Ok(Role::Customer),
            "staff" => Ok(Role::Staff),
            "admin" => Ok(Role::Admin),
            _ => Err(FieldError::new(
                "role",
                "must be one of customer, staff, admin",
            )),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A username: 3..=32 characters of ASCII letters, digits, `_`, `.` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Username(String);

impl Username {
    /// Trims and validates a username.
    ///
    /// # Errors
    /// A [`FieldError`] on `username` when it is too short, too long or has other characters.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let name = raw.trim();
        let ok_chars = name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'));
        if !(3..=32).contains(&name.len()) || !ok_chars {
            return Err(FieldError::new(
                "username",
                "must be 3 to 32 characters of letters, digits, '_', '.' or '-'",
            ));
        }
        Ok(Self(name.to_owned()))
    }

    /// The username.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An absolute `http(s)` URL of at most 2048 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ImageUrl(String);

impl ImageUrl {
    /// Validates an image URL.
    ///
    /// # Errors
    /// A [`FieldError`] on `image_url` unless it starts with `http://` or
    /// `https://` followed by a host name (letters, digits, `.` and `-`; no
    /// user info, no IPv6 literal) and an optional port, has no whitespace
    /// or control character and is at most 2048 characters.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let url = raw.trim();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let authority_ok = |rest: &str| {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let (host, port) = match authority.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            };
            !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                && port.is_none_or(|p| {
                    (1..=5).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
                })
        };
        let ok = rest.is_some_and(authority_ok)
            && url.chars().count() <= 2048
            && !url.chars().any(|c| c.is_whitespace() || c.is_control());
        if !ok {
            return Err(FieldError::new(
                "image_url",
                "must be an absolute http(s) URL",
            ));
        }
        Ok(Self(url.to_owned()))
    }

    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for ImageUrl {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::ops::Deref for Username {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

/// A plain-text password on its way to the hasher: 8..=128 characters.
/// Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub struct PlainPassword(String);

impl PlainPassword {
    /// The shortest accepted password, in characters.
    pub const MIN_CHARS: usize = 8;
    /// The longest accepted password, in characters (rejected before hashing).
    pub const MAX_CHARS: usize = 128;

    /// Validates the length of a new password.
    ///
    /// # Errors
    /// A [`FieldError`] on `field` when it has fewer than 8 or more than 128 characters.
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let chars = raw.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&chars) {
            return Err(FieldError::new(field, "must be 8 to 128 characters"));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password, for the hasher only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PlainPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlainPassword([redacted])")
    }
}

/// A password hash in PHC string format, as produced by a [`crate::identity::PasswordHasher`].
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a stored PHC string.
    pub fn new(phc: impl Into<String>) -> Self {
        Self(phc.into())
    }

    /// The PHC string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash([redacted])")
    }
}

/// A freshly minted opaque refresh token and the hash that is stored in its place.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// The token handed to the client once; never stored.
    pub plain: String,
    /// Its SHA-256, hex encoded; the only form that is stored.
    pub hash: String,
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

/// An external account linked to a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountProvider {
    /// A local email + password credential.
    Password,
    /// A Clerk user.
    Clerk,
}

impl AccountProvider {
    /// The storage name.
    pub fn as_str(&self) -> &'static str {
        match self {
            AccountProvider::Password => "password",
            AccountProvider::Clerk => "clerk",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_in_nfd_and_nfc_is_one_address() {
        let nfc = Email::parse("j\u{fc}rgen@example.com").unwrap();
        let nfd = Email::parse("J\u{75}\u{308}rgen@Example.com").unwrap();
        assert_eq!(nfc, nfd);
        assert_eq!(nfc.as_str(), "j\u{fc}rgen@example.com");
    }

    #[test]
    fn email_is_trimmed_and_lowercased() {
        assert_eq!(
            Email::parse("  Ada@Example.COM ").unwrap().as_str(),
            "ada@example.com"
        );
    }

    #[test]
    fn malformed_emails_are_rejected() {
        for bad in [
            "",
            "ada",
            "@example.com",
            "ada@",
            "ada@example",
            "a b@example.com",
            "ada@@example.com",
            "ada@.com",
            "ada@example..com",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(Email::parse(&long).is_err());
    }

    #[test]
    fn password_length_is_eight_to_128_characters() {
        assert!(PlainPassword::parse("1234567", "password").is_err());
        assert!(PlainPassword::parse("12345678", "password").is_ok());
        assert!(PlainPassword::parse(&"é".repeat(128), "password").is_ok());
        let err = PlainPassword::parse(&"x".repeat(129), "new_password").unwrap_err();
        assert_eq!(err.field, "new_password");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let p = PlainPassword::parse("hunter22hunter22", "password").unwrap();
        assert!(!format!("{p:?}").contains("hunter22"));
        let h = PasswordHash::new("$argon2id$secret");
        assert!(!format!("{h:?}").contains("secret"));
        let t = RefreshToken {
            plain: "plainvalue".into(),
            hash: "abc".into(),
        };
        assert!(!format!("{t:?}").contains("plainvalue"));
    }

    #[test]
    fn roles_round_trip_and_reject_unknown() {
        for role in [Role::Customer, Role::Staff, Role::Admin] {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
        }
        assert!(Role::parse("root").is_err());
        assert!(Role::parse("Admin").is_err());
    }

    #[test]
    fn usernames_are_checked() {
        assert!(Username::parse("ada_l.97").is_ok());
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse(&"a".repeat(33)).is_err());
    }

    #[test]
    fn image_urls_must_be_absolute_http() {
        assert!(ImageUrl::parse("https://cdn.example.com/a.png").is_ok());
        assert!(ImageUrl::parse("javascript:alert(1)").is_err());
        assert!(ImageUrl::parse("https://").is_err());
        assert!(ImageUrl::parse("/relative.png").is_err());
        assert!(ImageUrl::parse("http://[::1/a.png").is_err());
        assert!(ImageUrl::parse("https://user@cdn.example.com/a.png").is_err());
        assert!(ImageUrl::parse("https://cdn.example.com:abc/a.png").is_err());
        assert!(ImageUrl::parse("https://cdn.example.com:8443/a.png?v=1#x").is_ok());
        assert!(ImageUrl::parse("http://localhost").is_ok());
    }

    #[test]
    fn generated_ids_are_v7() {
        assert_eq!(UserId::generate().as_uuid().get_version_num(), 7);
    }
}
