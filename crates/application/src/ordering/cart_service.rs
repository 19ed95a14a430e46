use std::sync::Arc;

use keel_domain::catalog::{Product, ProductId, ProductRepo};
use keel_domain::clock::Clock;
use keel_domain::identity::Principal;
use keel_domain::money::Currency;
use keel_domain::ordering::{CartLine, CartRepo, CartView, Quantity};

use super::error::OrderingError;

/// The caller's cart. Quantities are 1..=99; only purchasable products may
/// be added; the view prices lines at current prices and leaves out
/// products that are no longer sold (checkout reports them).
pub struct CartService {
    carts: Arc<dyn CartRepo>,
    products: Arc<dyn ProductRepo>,
    clock: Arc<dyn Clock>,
    currency: Currency,
}

impl CartService {
    /// Wires the service; `currency` is the empty cart's currency.
    pub fn new(
        carts: Arc<dyn CartRepo>,
        products: Arc<dyn ProductRepo>,
        clock: Arc<dyn Clock>,
        currency: Currency,
    ) -> Self {
        Self {
            carts,
            products,
            clock,
            currency,
        }
    }

    /// The caller's cart at current prices.
    ///
    /// # Errors
    /// `Conflict` when the cart mixes currencies; storage errors.
    pub async fn view(&self, principal: &Principal) -> Result<CartView, OrderingError> {
        let cart = self.carts.get(principal.user.id).await?;
        let mut lines = Vec::with_capacity(cart.items().len());
        for item in cart.items() {
            if let Some(p) = self
                .products
                .find_by_id(item.product_id)
                .await?
                .filter(Product::is_purchasable)
            {
                lines.push(CartLine {
                    product_id: p.id,
                    name: p.name,
                    unit_price: p.price,
                    quantity: item.quantity,
                });
            }
        }
        Ok(CartView::from_lines(lines, self.currency)?)
    }

    /// Sets the quantity of a purchasable product.
    ///
    /// # Errors
    /// `Validation` for a quantity outside 1..=99, `NotFound` for a product
    /// that is missing, inactive or deleted.
    pub async fn set(
        &self,
        principal: &Principal,
        product_id: ProductId,
        quantity: i64,
    ) -> Result<CartView, OrderingError> {
        let quantity = Quantity::parse(quantity).map_err(|e| OrderingError::Validation(vec![e]))?;
        self.products
            .find_by_id(product_id)
            .await?
            .filter(Product::is_purchasable)
            .ok_or(OrderingError::NotFound)?;
        self.carts
            .set_item(principal.user.id, product_id, quantity, self.clock.now())
            .await
            .map_err(|e| match e {
                keel_domain::RepoError::Conflict(_) => OrderingError::NotFound,
                other => other.into(),
            })?;
        self.view(principal).await
    }

    /// Removes a product from the cart.
    ///
    /// # Errors
    /// `NotFound` when it was not in the cart.
    pub async fn remove(
        &self,
        principal: &Principal,
        product_id: ProductId,
    ) -> Result<CartView, OrderingError> {
        if !self
            .carts
            .remove_item(principal.user.id, product_id)
            .await?
        {
            return Err(OrderingError::NotFound);
        }
        self.view(principal).await
    }

    /// Empties the cart.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn clear(&self, principal: &Principal) -> Result<(), OrderingError> {
        Ok(self.carts.clear(principal.user.id).await?)
    }
}
