//! Profiles: the caller's profile, contacts, job history, public search.

use std::sync::Arc;

use keel_application::profiles::{ProfileItemService, ProfileService};
use keel_domain::catalog::{FileStorage, ImageDecoder};
use keel_domain::profiles::ProfileRepo;
use keel_infrastructure::persistence::profiles::SeaOrmProfileRepo;

use crate::wiring::Wiring;

/// Wires profiles; pictures go through the catalog's image pipeline (its
/// storage and decoder, so `/api/v1/images/{key}` serves them too).
pub fn wire(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let repo: Arc<dyn ProfileRepo> = Arc::new(SeaOrmProfileRepo::new(w.db.clone()));
    let profiles = Arc::new(ProfileService::new(
        repo.clone(),
        w.require::<Arc<dyn FileStorage>>()?,
        w.require::<Arc<dyn ImageDecoder>>()?,
        w.clock.clone(),
        Arc::new(keel_http::catalog::dto::image_path),
    ));
    let items = Arc::new(ProfileItemService::new(repo, w.clock.clone()));
    w.serve(keel_http::profiles::context(
        profiles,
        items,
        w.settings.uploads.max_bytes,
    ));
    Ok(())
}
