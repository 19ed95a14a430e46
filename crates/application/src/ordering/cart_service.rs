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

    /// The current lines of `items` (products no longer sold are left out).
    async fn lines(
        &self,
        items: impl Iterator<Item = (ProductId, Quantity)>,
    ) -> Result<Vec<CartLine>, OrderingError> {
        let mut lines = Vec::new();
        for (product_id, quantity) in items {
            if let Some(p) = self
                .products
                .find_by_id(product_id)
                .await?
                .filter(Product::is_purchasable)
            {
                lines.push(CartLine {
                    product_id: p.id,
                    name: p.name,
                    unit_price: p.price,
                    quantity,
                });
            }
        }
        Ok(lines)
    }

    /// The caller's cart at current prices. It always renders: a line that
    /// no longer prices with the rest (its product changed currency since)
    /// is left out, and checkout names it.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn view(&self, principal: &Principal) -> Result<CartView, OrderingError> {
        let cart = self.carts.get(principal.user.id).await?;
        let lines = self
            .lines(cart.items().iter().map(|i| (i.product_id, i.quantity)))
            .await?;
        Ok(CartView::from_lines_that_fit(lines, self.currency).0)
    }

    /// Sets the quantity of a purchasable product, when the cart still
    /// prices with it (one currency, no overflow); nothing is stored otherwise.
    ///
    /// # Errors
    /// `Validation` for a quantity outside 1..=99, `NotFound` for a product
    /// that is missing, inactive or deleted, `Conflict` when the line cannot
    /// be priced with the rest of the cart.
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
        let mut cart = self.carts.get(principal.user.id).await?;
        cart.set(product_id, quantity);
        let lines = self
            .lines(cart.items().iter().map(|i| (i.product_id, i.quantity)))
            .await?;
        CartView::from_lines(lines, self.currency)?;
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
