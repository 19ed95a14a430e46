//! Validated profile values: ids, names, country codes, genders and contact
//! types with the rule each contact value follows.

use std::fmt;

use serde::Serialize;

use crate::error::{FieldError, bounded_text as text};
use crate::identity::{Email, ImageUrl};
use crate::ids::uuid_id;

uuid_id!(
    /// A profile's id.
    ProfileId
);
uuid_id!(
    /// A profile location's id.
    LocationId
);
uuid_id!(
    /// A contact's id.
    ContactId
);
uuid_id!(
    /// A job-history entry's id.
    JobEntryId
);

/// A first or last name: trimmed, 1..=100 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct PersonName(String);

impl PersonName {
    /// The longest name, in characters.
    pub const MAX_CHARS: usize = 100;

    /// Trims and validates a name for `field`.
    ///
    /// # Errors
    /// A [`FieldError`] on `field` when empty, too long or with control characters.
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        text(raw, field, Self::MAX_CHARS).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Every ISO 3166-1 alpha-2 code assigned to a country or territory.
const COUNTRIES: &[&str] = &[
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// An ISO 3166-1 alpha-2 country code, upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct CountryCode(&'static str);

impl CountryCode {
    /// Every assigned code, sorted.
    pub fn codes() -> &'static [&'static str] {
        COUNTRIES
    }

    /// Parses a code in either case.
    ///
    /// # Errors
    /// A [`FieldError`] on `field` for anything but an assigned alpha-2 code.
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let upper = raw.trim().to_ascii_uppercase();
        COUNTRIES
            .binary_search(&upper.as_str())
            .map(|i| Self(COUNTRIES[i]))
            .map_err(|_| FieldError::new(field, "must be an ISO 3166-1 alpha-2 country code"))
    }

    /// The code, e.g. `DE`.
    pub fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// A gender as the person states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Gender {
    /// Female.
    Female,
    /// Male.
    Male,
    /// Non-binary.
    NonBinary,
    /// Another gender.
    Other,
    /// Rather not say.
    PreferNotToSay,
}

impl Gender {
    /// Every gender with its wire name.
    pub const ALL: [(Gender, &'static str); 5] = [
        (Gender::Female, "female"),
        (Gender::Male, "male"),
        (Gender::NonBinary, "non_binary"),
        (Gender::Other, "other"),
        (Gender::PreferNotToSay, "prefer_not_to_say"),
    ];

    /// The wire and storage name.
    pub fn as_str(&self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(g, _)| g == self)
            .map_or("other", |(_, s)| s)
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// A [`FieldError`] on `gender` for any other value.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == raw)
            .map(|(g, _)| *g)
            .ok_or_else(|| {
                FieldError::new(
                    "gender",
                    "must be one of female, male, non_binary, other, prefer_not_to_say",
                )
            })
    }
}

/// What a contact is; each type has its own rule for the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ContactType {
    /// A phone number: `+`, digits, spaces, `-`, `(`, `)`, with 5 to 15 digits.
    Phone,
    /// An email address.
    Email,
    /// An absolute http(s) URL.
    Website,
    /// A LinkedIn profile URL (`https://www.linkedin.com/in/...`).
    Linkedin,
    /// Anything else: 1..=200 characters.
    Other,
}

impl ContactType {
    /// Every type with its wire name.
    pub const ALL: [(ContactType, &'static str); 5] = [
        (ContactType::Phone, "phone"),
        (ContactType::Email, "email"),
        (ContactType::Website, "website"),
        (ContactType::Linkedin, "linkedin"),
        (ContactType::Other, "other"),
    ];

    /// The wire and storage name.
    pub fn as_str(&self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(t, _)| t == self)
            .map_or("other", |(_, s)| s)
    }

    /// Parses a wire name.
    ///
    /// # Errors
    /// A [`FieldError`] on `type` for any other value.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::ALL
            .iter()
            .find(|(_, s)| *s == raw)
            .map(|(t, _)| *t)
            .ok_or_else(|| {
                FieldError::new(
                    "type",
                    "must be one of phone, email, website, linkedin, other",
                )
            })
    }

    /// Validates (and normalises) a value of this type.
    ///
    /// # Errors
    /// A [`FieldError`] on `value` saying what this type expects.
    pub fn validate(&self, raw: &str) -> Result<String, FieldError> {
        let invalid = |what: &str| FieldError::new("value", format!("must be {what}"));
        let value = raw.trim();
        match self {
            ContactType::Phone => {
                let digits = value.chars().filter(char::is_ascii_digit).count();
                let shape = value
                    .chars()
                    .enumerate()
                    .all(|(i, c)| c.is_ascii_digit() || " -()".contains(c) || (c == '+' && i == 0));
                if shape && (5..=15).contains(&digits) && value.len() <= 30 {
                    Ok(value.to_owned())
                } else {
                    Err(invalid(
                        "a phone number: digits, spaces, -, ( ) and a leading +, 5 to 15 digits",
                    ))
                }
            }
            ContactType::Email => Email::parse(value)
                .map(|e| e.as_str().to_owned())
                .map_err(|_| invalid("an email address")),
            ContactType::Website => ImageUrl::parse(value)
                .map(|u| u.as_str().to_owned())
                .map_err(|_| invalid("an absolute http(s) URL")),
            ContactType::Linkedin => {
                let url = ImageUrl::parse(value).map_err(|_| invalid("a LinkedIn URL"))?;
                let rest = url
                    .as_str()
                    .trim_start_matches("https://")
                    .trim_start_matches("http://");
                let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
                let host_ok = host.eq_ignore_ascii_case("linkedin.com")
                    || host.to_ascii_lowercase().ends_with(".linkedin.com");
                if host_ok && rest.len() > host.len() + 1 {
                    Ok(url.as_str().to_owned())
                } else {
                    Err(invalid("a LinkedIn URL (https://www.linkedin.com/in/...)"))
                }
            }
            ContactType::Other => text(value, "value", 200),
        }
    }
}

#[cfg(test)]
#[path = "values_tests.rs"]
mod tests;
