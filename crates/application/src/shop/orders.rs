use std::sync::Arc;

use keel_domain::catalog::{Product, ProductId, ProductRepo};
use keel_domain::clock::Clock;
use keel_domain::identity::Principal;
use keel_domain::money::Currency;
use keel_domain::ordering::{
    CancelOutcome, CartLine, CartRepo, CartView, CheckoutOutcome, IdempotencyKey, Order, OrderId,
    OrderRepo, OrderStatus, Quantity,
};
use keel_domain::{Page, PageRequest};

use super::error::ShopError;

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
    pub async fn view(&self, principal: &Principal) -> Result<CartView, ShopError> {
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
    ) -> Result<CartView, ShopError> {
        let quantity = Quantity::parse(quantity).map_err(|e| ShopError::Validation(vec![e]))?;
        self.products
            .find_by_id(product_id)
            .await?
            .filter(Product::is_purchasable)
            .ok_or(ShopError::NotFound)?;
        self.carts
            .set_item(principal.user.id, product_id, quantity, self.clock.now())
            .await
            .map_err(|e| match e {
                keel_domain::RepoError::Conflict(_) => ShopError::NotFound,
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
    ) -> Result<CartView, ShopError> {
        if !self
            .carts
            .remove_item(principal.user.id, product_id)
            .await?
        {
            return Err(ShopError::NotFound);
        }
        self.view(principal).await
    }

    /// Empties the cart.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn clear(&self, principal: &Principal) -> Result<(), ShopError> {
        Ok(self.carts.clear(principal.user.id).await?)
    }
}

/// The outcome of a successful checkout.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckoutResult {
    /// A new order (201).
    Created(Order),
    /// The order a previous request with the same key created (200).
    Replayed(Order),
}

/// Checkout, my orders, and staff order management.
pub struct OrderService {
    orders: Arc<dyn OrderRepo>,
    clock: Arc<dyn Clock>,
}

impl OrderService {
    /// Wires the service.
    pub fn new(orders: Arc<dyn OrderRepo>, clock: Arc<dyn Clock>) -> Self {
        Self { orders, clock }
    }

    /// Checks out the caller's cart, idempotently with `key`.
    ///
    /// # Errors
    /// `Validation` for a malformed key, `EmptyCart` (422), `Unfulfillable`
    /// (409) naming the products short of stock or no longer sold.
    pub async fn checkout(
        &self,
        principal: &Principal,
        key: Option<&str>,
    ) -> Result<CheckoutResult, ShopError> {
        let key = key
            .map(IdempotencyKey::parse)
            .transpose()
            .map_err(|e| ShopError::Validation(vec![e]))?;
        match self
            .orders
            .checkout(principal.user.id, key, self.clock.now())
            .await?
        {
            CheckoutOutcome::Created(order) => Ok(CheckoutResult::Created(order)),
            CheckoutOutcome::Replayed(order) => Ok(CheckoutResult::Replayed(order)),
            CheckoutOutcome::EmptyCart => Err(ShopError::EmptyCart),
            CheckoutOutcome::OutOfStock(ids) => Err(ShopError::Unfulfillable {
                out_of_stock: ids,
                unavailable: Vec::new(),
            }),
            CheckoutOutcome::Unavailable(ids) => Err(ShopError::Unfulfillable {
                out_of_stock: Vec::new(),
                unavailable: ids,
            }),
            CheckoutOutcome::PricingFailed(e) => Err(e.into()),
        }
    }

    /// The caller's orders, newest first.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn mine(
        &self,
        principal: &Principal,
        page: PageRequest,
    ) -> Result<Page<Order>, ShopError> {
        Ok(self.orders.list_for_user(principal.user.id, page).await?)
    }

    /// One order: the owner's, or any for staff and admins.
    ///
    /// # Errors
    /// `NotFound` for another user's order.
    pub async fn get(&self, principal: &Principal, id: OrderId) -> Result<Order, ShopError> {
        self.orders
            .find(id)
            .await?
            .filter(|o| o.user_id == principal.user.id || principal.is_staff())
            .ok_or(ShopError::NotFound)
    }

    /// The owner cancels a pending order; its stock returns.
    ///
    /// # Errors
    /// `NotFound`, `Conflict` once it is no longer pending.
    pub async fn cancel(&self, principal: &Principal, id: OrderId) -> Result<Order, ShopError> {
        match self
            .orders
            .cancel(id, principal.user.id, self.clock.now())
            .await?
        {
            CancelOutcome::Cancelled(order) => Ok(order),
            CancelOutcome::NotFound => Err(ShopError::NotFound),
            CancelOutcome::NotPending(status) => Err(ShopError::Conflict(format!(
                "only pending orders can be cancelled; this one is {}",
                status.as_str()
            ))),
        }
    }

    /// Every order, optionally of one status (staff and admins).
    ///
    /// # Errors
    /// `Forbidden` for customers.
    pub async fn all(
        &self,
        principal: &Principal,
        status: Option<OrderStatus>,
        page: PageRequest,
    ) -> Result<Page<Order>, ShopError> {
        if !principal.is_staff() {
            return Err(ShopError::Forbidden);
        }
        Ok(self.orders.list_all(status, page).await?)
    }

    /// Moves an order along the status machine (staff and admins), recorded
    /// with who and when.
    ///
    /// # Errors
    /// `Forbidden`, `NotFound`, `Conflict` for a move the machine forbids or
    /// a concurrent change.
    pub async fn change_status(
        &self,
        principal: &Principal,
        id: OrderId,
        next: OrderStatus,
    ) -> Result<Order, ShopError> {
        if !principal.is_staff() {
            return Err(ShopError::Forbidden);
        }
        let order = self.orders.find(id).await?.ok_or(ShopError::NotFound)?;
        let change = order.status_change(next, principal.user.id, self.clock.now())?;
        self.orders
            .change_status(id, change)
            .await?
            .ok_or_else(|| ShopError::Conflict("the order changed meanwhile; reload it".into()))
    }
}
