//! Ordering: carts, checkout and orders.

use std::sync::Arc;

use keel_application::ordering::{CartService, OrderService};
use keel_domain::catalog::ProductRepo;
use keel_domain::money::Currency;
use keel_infrastructure::persistence::{SeaOrmCartRepo, SeaOrmOrderRepo};

use crate::wiring::Wiring;

/// Wires ordering; needs the catalog's `Arc<dyn ProductRepo>`.
pub fn wire(w: &mut Wiring<'_>) -> anyhow::Result<()> {
    let products = w.require::<Arc<dyn ProductRepo>>()?;
    let currency = Currency::parse(&w.settings.shop.currency)
        .map_err(|e| anyhow::anyhow!("APP__SHOP__CURRENCY: {e}"))?;
    let carts = Arc::new(CartService::new(
        Arc::new(SeaOrmCartRepo::new(w.db.clone())),
        products,
        w.clock.clone(),
        currency,
    ));
    let orders = Arc::new(
        OrderService::new(Arc::new(SeaOrmOrderRepo::new(w.db.clone())), w.clock.clone())
            .with_outbox(w.outbox.clone()),
    );
    w.serve(keel_http::ordering::context(carts, orders));
    Ok(())
}
