//! Catalog ids, names and "id or slug" references.

use uuid::Uuid;

use super::slug::Slug;
use crate::error::FieldError;
use crate::ids::uuid_id;

uuid_id!(
    /// A category's id.
    CategoryId
);
uuid_id!(
    /// A product's id.
    ProductId
);

/// The longest category or product name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Trims `raw` and checks it has 1..=200 characters and no control characters.
fn parse_name(raw: &str) -> Result<String, FieldError> {
    crate::error::bounded_text(raw, "name", MAX_NAME_CHARS)
}

/// A category's display name: trimmed, 1..=200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CategoryName(String);

impl CategoryName {
    /// Trims and validates a category name.
    ///
    /// # Errors
    /// A [`FieldError`] on `name` when it is blank, over 200 characters or
    /// has control characters.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_name(raw).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A product's display name: trimmed, 1..=200 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProductName(String);

impl ProductName {
    /// Trims and validates a product name.
    ///
    /// # Errors
    /// A [`FieldError`] on `name` when it is blank, over 200 characters or
    /// has control characters.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        parse_name(raw).map(Self)
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The name, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A hyphenated UUID (36 characters) or `None`. Simple (32-hex) UUIDs are
/// not taken as ids, because they are also valid slugs.
fn hyphenated_uuid(raw: &str) -> Option<Uuid> {
    (raw.len() == 36)
        .then(|| Uuid::try_parse(raw).ok())
        .flatten()
}

/// A resource named by id or by slug: `?category=`, `/products/{id_or_slug}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IdOrSlug<I> {
    /// By id.
    Id(I),
    /// By slug.
    Slug(Slug),
}

impl<I: From<Uuid>> IdOrSlug<I> {
    /// A hyphenated UUID is an id; anything else must be a valid slug.
    ///
    /// # Errors
    /// A [`FieldError`] on `field` ("must be a {what} id or slug") when it is neither.
    pub fn parse_as(raw: &str, field: &str, what: &str) -> Result<Self, FieldError> {
        let raw = raw.trim();
        if let Some(id) = hyphenated_uuid(raw) {
            return Ok(Self::Id(I::from(id)));
        }
        Slug::parse(raw)
            .map(Self::Slug)
            .map_err(|_| FieldError::new(field, format!("must be a {what} id or slug")))
    }
}

/// A category named by id or by slug, as in `?category=`.
pub type CategoryRef = IdOrSlug<CategoryId>;

impl CategoryRef {
    /// [`IdOrSlug::parse_as`] on the field `category`.
    ///
    /// # Errors
    /// A [`FieldError`] on `category` when it is neither an id nor a slug.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as(raw, "category", "category")
    }
}

/// A product named by id or by slug, as in `/products/{id_or_slug}`.
pub type ProductRef = IdOrSlug<ProductId>;

impl ProductRef {
    /// [`IdOrSlug::parse_as`] on the field `id_or_slug`.
    ///
    /// # Errors
    /// A [`FieldError`] on `id_or_slug` when it is neither an id nor a slug.
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        Self::parse_as(raw, "id_or_slug", "product")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_one_to_two_hundred_characters() {
        assert_eq!(ProductName::parse("  Tea  ").unwrap().as_str(), "Tea");
        assert_eq!(
            CategoryName::parse("Drinks").unwrap().into_inner(),
            "Drinks"
        );
        assert!(ProductName::parse(&"é".repeat(200)).is_ok());
        for bad in ["", "   ", "a\u{0}b", "line\nbreak", &"x".repeat(201)] {
            assert_eq!(
                ProductName::parse(bad).unwrap_err().field,
                "name",
                "{bad:?}"
            );
            assert_eq!(
                CategoryName::parse(bad).unwrap_err().field,
                "name",
                "{bad:?}"
            );
        }
    }

    #[test]
    fn a_hyphenated_uuid_is_an_id_and_anything_slug_shaped_is_a_slug() {
        let id = Uuid::now_v7();
        assert_eq!(
            CategoryRef::parse(&id.to_string()).unwrap(),
            CategoryRef::Id(CategoryId::from_uuid(id))
        );
        assert_eq!(
            ProductRef::parse(&id.to_string()).unwrap(),
            ProductRef::Id(ProductId::from_uuid(id))
        );
        let simple = id.simple().to_string();
        assert_eq!(
            ProductRef::parse(&simple).unwrap(),
            ProductRef::Slug(Slug::parse(&simple).unwrap())
        );
        assert_eq!(
            CategoryRef::parse("hot-drinks").unwrap(),
            CategoryRef::Slug(Slug::parse("hot-drinks").unwrap())
        );
    }

    #[test]
    fn references_that_are_neither_id_nor_slug_are_rejected() {
        for bad in ["", "Hot Drinks", "../etc", "a--b"] {
            assert_eq!(CategoryRef::parse(bad).unwrap_err().field, "category");
            assert_eq!(ProductRef::parse(bad).unwrap_err().field, "id_or_slug");
        }
    }

    #[test]
    fn generated_catalog_ids_are_v7() {
        assert_eq!(ProductId::generate().as_uuid().get_version_num(), 7);
        assert_eq!(CategoryId::generate().as_uuid().get_version_num(), 7);
    }
}
