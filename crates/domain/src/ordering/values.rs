//! Ordering value types: order ids, cart quantities, idempotency keys.

use std::fmt;

use serde::Serialize;

use crate::error::FieldError;
use crate::ids::uuid_id;

uuid_id!(
    /// An order's id.
    OrderId
);

/// How many units of a product a cart line or order item holds: 1..=99.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Quantity(u32);

impl Quantity {
    /// The smallest quantity.
    pub const MIN: u32 = 1;
    /// The largest quantity.
    pub const MAX: u32 = 99;

    /// Validates a quantity.
    ///
    /// # Errors
    /// A [`FieldError`] on `quantity` outside `1..=99`.
    pub fn parse(raw: i64) -> Result<Self, FieldError> {
        u32::try_from(raw)
            .ok()
            .filter(|q| (Self::MIN..=Self::MAX).contains(q))
            .map(Self)
            .ok_or_else(|| FieldError::new("quantity", "must be between 1 and 99"))
    }

    /// The number of units.
    pub fn get(&self) -> u32 {
        self.0
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A client-chosen `Idempotency-Key`: 1..=255 visible ASCII characters
/// (`!` to `~`; no spaces or control characters).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// The longest key, in characters.
    pub const MAX_LEN: usize = 255;

    /// Validates a key as sent, without trimming.
    ///
    /// # Errors
    /// A [`FieldError`] on `Idempotency-Key` when it is empty, longer than
    /// 255 characters or has anything but visible ASCII.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let ok =
            (1..=Self::MAX_LEN).contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic());
        if !ok {
            return Err(FieldError::new(
                "Idempotency-Key",
                "must be 1 to 255 visible ASCII characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The key.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantity_accepts_one_to_ninety_nine_only() {
        for (raw, ok) in [
            (i64::MIN, false),
            (-1, false),
            (0, false),
            (1, true),
            (2, true),
            (98, true),
            (99, true),
            (100, false),
            (i64::from(u32::MAX) + 1, false),
            (i64::MAX, false),
        ] {
            let parsed = Quantity::parse(raw);
            assert_eq!(parsed.is_ok(), ok, "{raw}");
            if let Ok(q) = parsed {
                assert_eq!(i64::from(q.get()), raw);
            } else {
                assert_eq!(parsed.unwrap_err().field, "quantity");
            }
        }
        assert_eq!(Quantity::parse(1).unwrap().get(), Quantity::MIN);
        assert_eq!(Quantity::parse(99).unwrap().get(), Quantity::MAX);
    }

    #[test]
    fn idempotency_keys_are_one_to_255_visible_ascii_characters() {
        for good in [
            "a",
            "!",
            "~",
            "0190f1c2-7e4b-7c3a-9d2e-123456789abc",
            &"k".repeat(255),
        ] {
            assert_eq!(IdempotencyKey::parse(good).unwrap().as_str(), good);
        }
        for bad in [
            "",
            " ",
            " key",
            "key ",
            "two words",
            "tab\there",
            "new\nline",
            "nul\0",
            "del\u{7f}",
            "clé",
            &"k".repeat(256),
        ] {
            let err = IdempotencyKey::parse(bad).unwrap_err();
            assert_eq!(err.field, "Idempotency-Key", "{bad:?}");
        }
    }

    #[test]
    fn generated_order_ids_are_v7() {
        assert_eq!(OrderId::generate().as_uuid().get_version_num(), 7);
    }
}
