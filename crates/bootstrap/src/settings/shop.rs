//! `APP__SHOP__*`.

use serde::Deserialize;

/// `APP__SHOP__*`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct ShopSettings {
    /// ISO 4217 currency an empty cart is shown in.
    pub currency: String,
    /// Milliseconds a public product-list page is reused (0 disables).
    pub list_cache_ms: u64,
}

impl Default for ShopSettings {
    fn default() -> Self {
        Self {
            currency: "EUR".into(),
            list_cache_ms: 1000,
        }
    }
}
