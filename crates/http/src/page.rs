//! The list envelope every paginated route answers with.

use keel_domain::Page;
use serde::Serialize;
use utoipa::ToSchema;

/// `{"data": [...], "total": N, "page": P, "size": S, "pages": K}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageResponse<T> {
    /// Items on this page.
    pub data: Vec<T>,
    /// Items over all pages.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u64,
    /// Page size.
    pub size: u64,
    /// Number of pages.
    pub pages: u64,
}

impl<T> PageResponse<T> {
    /// Converts a domain page, mapping each item to its response body.
    pub fn from_page<D>(p: Page<D>, item: impl FnMut(D) -> T) -> Self {
        let (page, size, pages, total) = (p.request.page(), p.request.size(), p.pages(), p.total);
        Self {
            data: p.items.into_iter().map(item).collect(),
            total,
            page,
            size,
            pages,
        }
    }
}
