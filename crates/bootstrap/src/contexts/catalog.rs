//! Catalog: categories, products and images.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use keel_application::catalog::CatalogService;
use keel_domain::catalog::{FileStorage, ImageDecoder, ProductRepo};
use keel_infrastructure::persistence::{CachingProductRepo, SeaOrmCategoryRepo, SeaOrmProductRepo};
use keel_infrastructure::storage::ImageCrateDecoder;

use crate::wiring::Wiring;

/// Wires the catalog; provides `Arc<dyn ProductRepo>` (carts price from it)
/// and its image pipeline, `Arc<dyn FileStorage>` and `Arc<dyn ImageDecoder>`
/// (profile pictures go through it).
pub fn wire(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let settings = w.settings;
    let cached = Arc::new(CachingProductRepo::new(
        Arc::new(SeaOrmProductRepo::new(w.db.clone())),
        StdDuration::from_millis(settings.shop.list_cache_ms),
        w.invalidations.clone(),
    ));
    w.invalidations.track(cached.clone());
    let products: Arc<dyn ProductRepo> = cached;
    let storage: Arc<dyn FileStorage> = crate::wiring::uploads(settings)?.storage();
    let images: Arc<dyn ImageDecoder> = Arc::new(ImageCrateDecoder);
    let catalog = Arc::new(CatalogService::new(
        Arc::new(SeaOrmCategoryRepo::new(w.db.clone())),
        products.clone(),
        storage.clone(),
        images.clone(),
        w.clock.clone(),
    ));
    w.provide(products);
    w.provide(storage);
    w.provide(images);
    w.serve(keel_http::catalog::context(
        catalog,
        settings.uploads.max_bytes,
    ));
    Ok(())
}
