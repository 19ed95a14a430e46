//! Profiles: the caller's profile, contacts, job history, public search.

use std::sync::Arc;

use keel_application::profiles::{ProfileItemService, ProfileService};
use keel_domain::profiles::ProfileRepo;
use keel_infrastructure::persistence::profiles::SeaOrmProfileRepo;
use keel_infrastructure::storage::{ImageCrateDecoder, LocalFileStorage};

use crate::wiring::Wiring;

/// Wires profiles; pictures share the catalog's upload directory (and so
/// its `/api/v1/images/{key}` route) and image decoder.
pub fn wire(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let settings = w.settings;
    let repo: Arc<dyn ProfileRepo> = Arc::new(SeaOrmProfileRepo::new(w.db.clone()));
    let storage = LocalFileStorage::new(&settings.uploads.dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot create APP__UPLOADS__DIR {}: {e}",
            settings.uploads.dir
        )
    })?;
    let profiles = Arc::new(ProfileService::new(
        repo.clone(),
        Arc::new(storage),
        Arc::new(ImageCrateDecoder),
        w.clock.clone(),
    ));
    let items = Arc::new(ProfileItemService::new(repo, w.clock.clone()));
    w.serve(keel_http::profiles::context(
        profiles,
        items,
        settings.uploads.max_bytes,
    ));
    Ok(())
}
