//! A short-lived cache of public product-list pages.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use keel_domain::catalog::{Product, ProductFilter, ProductId, ProductRepo, Slug, StorageKey};
use keel_domain::events::Invalidation;
use keel_domain::{Page, PageRequest, RepoError};

use crate::cache::TtlCache;
use crate::invalidation::{Invalidations, SharedCache};

/// [`ProductRepo`] decorator caching pages of the public list for a short
/// TTL (a "microcache", as a CDN would hold them). Any product write through
/// it drops every cached page, here and (through the published
/// [`Invalidation::Products`]) on every instance; stock moved by checkouts
/// shows after at most the TTL (checkout itself always reads fresh rows).
pub struct CachingProductRepo {
    inner: Arc<dyn ProductRepo>,
    pages: TtlCache<String, Page<Product>>,
    invalidations: Invalidations,
}

impl CachingProductRepo {
    /// Caches `inner`'s list pages for `ttl` (zero disables) and publishes
    /// its writes through `invalidations`.
    pub fn new(inner: Arc<dyn ProductRepo>, ttl: Duration, invalidations: Invalidations) -> Self {
        Self {
            inner,
            pages: TtlCache::new(ttl),
            invalidations,
        }
    }

    fn forget(&self) {
        self.pages.clear();
    }

    /// Runs a product write: drops every page before and after, then tells
    /// every instance.
    async fn writing<T>(
        &self,
        write: impl Future<Output = Result<T, RepoError>>,
    ) -> Result<T, RepoError> {
        self.forget();
        let result = write.await;
        self.forget();
        if result.is_ok() {
            self.invalidations.publish(Invalidation::Products).await;
        }
        result
    }
}

impl SharedCache for CachingProductRepo {
    fn invalidate(&self, what: &Invalidation) {
        if *what == Invalidation::Products {
            self.forget();
        }
    }

    fn clear(&self) {
        self.forget();
    }
}

#[async_trait]
impl ProductRepo for CachingProductRepo {
    async fn create(&self, product: &Product) -> Result<(), RepoError> {
        self.writing(self.inner.create(product)).await
    }

    async fn update(&self, product: &Product) -> Result<bool, RepoError> {
        self.writing(self.inner.update(product)).await
    }

    async fn soft_delete(&self, id: ProductId, now: DateTime<Utc>) -> Result<bool, RepoError> {
        self.writing(self.inner.soft_delete(id, now)).await
    }

    async fn find_by_id(&self, id: ProductId) -> Result<Option<Product>, RepoError> {
        self.inner.find_by_id(id).await
    }

    async fn find_by_slug(&self, slug: &Slug) -> Result<Option<Product>, RepoError> {
        self.inner.find_by_slug(slug).await
    }

    async fn list(
        &self,
        filter: &ProductFilter,
        page: PageRequest,
    ) -> Result<Page<Product>, RepoError> {
        if !self.pages.enabled() {
            return self.inner.list(filter, page).await;
        }
        let key = format!("{filter:?}|{}|{}", page.page(), page.size());
        if let Some(hit) = self.pages.get(&key) {
            return Ok(hit);
        }
        let since = self.pages.epoch();
        let fresh = self.inner.list(filter, page).await?;
        self.pages.insert_since(since, key, fresh.clone());
        Ok(fresh)
    }

    async fn add_image(
        &self,
        id: ProductId,
        key: &StorageKey,
        now: DateTime<Utc>,
    ) -> Result<bool, RepoError> {
        self.writing(self.inner.add_image(id, key, now)).await
    }

    async fn slug_exists(&self, slug: &Slug) -> Result<bool, RepoError> {
        self.inner.slug_exists(slug).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keel_domain::catalog::ports::MockProductRepo;

    #[tokio::test]
    async fn list_pages_are_cached_until_a_product_write() {
        let mut mock = MockProductRepo::new();
        mock.expect_list().times(2).returning(|_, page| {
            Ok(Page {
                items: vec![],
                total: 0,
                request: page,
            })
        });
        mock.expect_soft_delete()
            .times(1)
            .returning(|_, _| Ok(true));
        let repo = CachingProductRepo::new(
            Arc::new(mock),
            Duration::from_secs(5),
            Invalidations::local(),
        );
        let filter = ProductFilter::default();
        repo.list(&filter, PageRequest::default()).await.unwrap();
        repo.list(&filter, PageRequest::default()).await.unwrap();
        repo.soft_delete(ProductId::generate(), Utc::now())
            .await
            .unwrap();
        repo.list(&filter, PageRequest::default()).await.unwrap();
    }

    #[tokio::test]
    async fn a_zero_ttl_reads_through_every_time() {
        let mut mock = MockProductRepo::new();
        mock.expect_list().times(2).returning(|_, page| {
            Ok(Page {
                items: vec![],
                total: 0,
                request: page,
            })
        });
        let repo = CachingProductRepo::new(Arc::new(mock), Duration::ZERO, Invalidations::local());
        repo.list(&ProductFilter::default(), PageRequest::default())
            .await
            .unwrap();
        repo.list(&ProductFilter::default(), PageRequest::default())
            .await
            .unwrap();
    }
}
