//! Page requests and pages, shared by every list.

use crate::error::FieldError;

/// The largest page a client may ask for.
pub const MAX_PAGE_SIZE: u64 = 100;

/// Largest page number accepted: far past any real list, and small enough
/// that every offset fits the databases' signed 64-bit integers.
pub const MAX_PAGE: u64 = 1_000_000;

/// A validated `?page=&size=` pair: `page >= 1`, `size` in `1..=100`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    page: u64,
    size: u64,
}

impl PageRequest {
    /// Validates a page request; `None` takes the defaults (page 1, size 20).
    ///
    /// # Errors
    /// A [`FieldError`] per field out of range.
    pub fn parse(page: Option<u64>, size: Option<u64>) -> Result<Self, Vec<FieldError>> {
        let page = page.unwrap_or(1);
        let size = size.unwrap_or(20);
        let mut errors = Vec::new();
        if !(1..=MAX_PAGE).contains(&page) {
            errors.push(FieldError::new("page", "must be between 1 and 1000000"));
        }
        if !(1..=MAX_PAGE_SIZE).contains(&size) {
            errors.push(FieldError::new("size", "must be between 1 and 100"));
        }
        if errors.is_empty() {
            Ok(Self { page, size })
        } else {
            Err(errors)
        }
    }

    /// The 1-based page number.
    pub fn page(&self) -> u64 {
        self.page
    }

    /// The page size.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// How many rows to skip.
    pub fn offset(&self) -> u64 {
        (self.page - 1).saturating_mul(self.size)
    }
}

impl Default for PageRequest {
    fn default() -> Self {
        Self { page: 1, size: 20 }
    }
}

/// One page of results with the total count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The items on this page.
    pub items: Vec<T>,
    /// The number of items over all pages.
    pub total: u64,
    /// The request this page answers.
    pub request: PageRequest,
}

impl<T> Page<T> {
    /// The number of pages (0 when there are no items).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.request.size())
    }

    /// Maps the items, keeping the counts.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            request: self.request,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_page_one_of_twenty() {
        let p = PageRequest::parse(None, None).unwrap();
        assert_eq!((p.page(), p.size(), p.offset()), (1, 20, 0));
    }

    #[test]
    fn size_outside_one_to_hundred_is_rejected() {
        assert_eq!(
            PageRequest::parse(None, Some(0)).unwrap_err()[0].field,
            "size"
        );
        assert_eq!(
            PageRequest::parse(None, Some(101)).unwrap_err()[0].field,
            "size"
        );
        assert!(PageRequest::parse(None, Some(100)).is_ok());
    }

    #[test]
    fn page_zero_is_rejected_and_offset_follows_page() {
        assert_eq!(
            PageRequest::parse(Some(0), None).unwrap_err()[0].field,
            "page"
        );
        assert_eq!(PageRequest::parse(Some(3), Some(10)).unwrap().offset(), 20);
    }

    #[test]
    fn pages_rounds_up() {
        let page = Page::<u8> {
            items: vec![],
            total: 41,
            request: PageRequest::parse(None, Some(20)).unwrap(),
        };
        assert_eq!(page.pages(), 3);
        let empty = Page::<u8> {
            items: vec![],
            total: 0,
            request: PageRequest::default(),
        };
        assert_eq!(empty.pages(), 0);
    }
}
