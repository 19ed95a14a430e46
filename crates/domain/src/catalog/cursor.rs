//! The keyset cursor of the product list (`?after=`): where the previous
//! page ended, in the sort order it was read in.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::model::{Product, ProductSort};
use super::values::ProductId;
use crate::FieldError;

/// The sort-key value a page ended on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorKey {
    /// `name` / `-name`.
    Name(String),
    /// `price` / `-price`, in minor units.
    Price(i64),
    /// `-created_at`.
    Created(DateTime<Utc>),
}

/// The last product of a page: the next page starts after it, in the same
/// order, without counting or skipping the rows before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductCursor {
    /// The order the cursor belongs to.
    pub sort: ProductSort,
    /// The sort key of the last product.
    pub key: CursorKey,
    /// Its id, which breaks ties of the key.
    pub id: ProductId,
}

/// The longest accepted `?after=` (a 200-character name in hex, and more).
pub const MAX_CURSOR_LEN: usize = 2048;

fn invalid() -> FieldError {
    FieldError::new("after", "is not a cursor of this list and sort order")
}

impl ProductCursor {
    /// The cursor after `product` in `sort` order.
    pub fn after(product: &Product, sort: ProductSort) -> Self {
        let key = match sort {
            ProductSort::NameAsc | ProductSort::NameDesc => CursorKey::Name(product.name.clone()),
            ProductSort::PriceAsc | ProductSort::PriceDesc => {
                CursorKey::Price(product.price.amount_minor())
            }
            ProductSort::Newest => CursorKey::Created(product.created_at),
        };
        Self {
            sort,
            key,
            id: product.id,
        }
    }

    /// The opaque text form: hex of `[sort, key, id]` as JSON (hex keeps it
    /// URL-safe without escaping).
    pub fn encode(&self) -> String {
        let key = match &self.key {
            CursorKey::Name(name) => serde_json::Value::from(name.as_str()),
            CursorKey::Price(cents) => serde_json::Value::from(*cents),
            CursorKey::Created(at) => {
                serde_json::Value::from(at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
            }
        };
        let json = serde_json::json!([self.sort.as_str(), key, self.id.as_uuid()]).to_string();
        json.bytes().map(|b| format!("{b:02x}")).collect()
    }

    /// Parses `raw` as a cursor of a list sorted by `sort`.
    ///
    /// # Errors
    /// A [`FieldError`] on `after` when `raw` is not a cursor this list
    /// wrote, or one written for another sort order.
    pub fn decode(raw: &str, sort: ProductSort) -> Result<Self, FieldError> {
        if raw.is_empty() || raw.len() > MAX_CURSOR_LEN || !raw.len().is_multiple_of(2) {
            return Err(invalid());
        }
        let bytes = (0..raw.len())
            .step_by(2)
            .map(|i| {
                let pair = raw.get(i..i + 2).ok_or_else(invalid)?;
                u8::from_str_radix(pair, 16).map_err(|_| invalid())
            })
            .collect::<Result<Vec<u8>, _>>()?;
        let (written, key, id): (String, serde_json::Value, Uuid) =
            serde_json::from_slice(&bytes).map_err(|_| invalid())?;
        if written != sort.as_str() {
            return Err(invalid());
        }
        let key = match sort {
            ProductSort::NameAsc | ProductSort::NameDesc => {
                CursorKey::Name(key.as_str().ok_or_else(invalid)?.to_owned())
            }
            ProductSort::PriceAsc | ProductSort::PriceDesc => {
                CursorKey::Price(key.as_i64().ok_or_else(invalid)?)
            }
            ProductSort::Newest => CursorKey::Created(
                DateTime::parse_from_rfc3339(key.as_str().ok_or_else(invalid)?)
                    .map_err(|_| invalid())?
                    .with_timezone(&Utc),
            ),
        };
        Ok(Self {
            sort,
            key,
            id: ProductId::from_uuid(id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{ProductName, Slug};
    use crate::money::{Currency, Money};

    fn product() -> Product {
        let now = DateTime::parse_from_rfc3339("2026-12-02T03:04:05.123456Z")
            .unwrap()
            .with_timezone(&Utc);
        Product::new(
            ProductName::parse("Café \"latte\" 🍵").unwrap(),
            Slug::parse("latte").unwrap(),
            Money::price(450, Currency::EUR).unwrap(),
            now,
        )
        .unwrap()
    }

    #[test]
    fn every_sort_round_trips_its_key_and_id() {
        let p = product();
        for sort in ProductSort::ALL {
            let cursor = ProductCursor::after(&p, sort);
            let text = cursor.encode();
            assert!(text.bytes().all(|b| b.is_ascii_hexdigit()), "{text}");
            assert_eq!(ProductCursor::decode(&text, sort).unwrap(), cursor);
        }
        let newest = ProductCursor::after(&p, ProductSort::Newest);
        assert_eq!(newest.key, CursorKey::Created(p.created_at));
        assert_eq!(
            ProductCursor::after(&p, ProductSort::PriceDesc).key,
            CursorKey::Price(450)
        );
    }

    #[test]
    fn a_cursor_of_another_sort_order_is_refused() {
        let text = ProductCursor::after(&product(), ProductSort::NameAsc).encode();
        let err = ProductCursor::decode(&text, ProductSort::NameDesc).unwrap_err();
        assert_eq!(err.field, "after");
    }

    #[test]
    fn garbage_is_refused_not_panicked_on() {
        let long = "ab".repeat(MAX_CURSOR_LEN);
        for raw in [
            "",
            "a",
            "zz",
            "00",
            "5b5d",
            "é1",
            long.as_str(),
            "5b226e616d65222c312c317d",
        ] {
            assert!(
                ProductCursor::decode(raw, ProductSort::NameAsc).is_err(),
                "{raw}"
            );
        }
    }
}
