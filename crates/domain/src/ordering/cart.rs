//! Carts: what a user means to buy, and the priced view of it.

use super::values::Quantity;
use crate::catalog::ProductId;
use crate::identity::UserId;
use crate::money::{Currency, Money, MoneyError};

/// One product in a cart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartItem {
    /// The product.
    pub product_id: ProductId,
    /// How many units.
    pub quantity: Quantity,
}

/// A user's cart: at most one item per product, in the order first added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    user_id: UserId,
    items: Vec<CartItem>,
}

impl Cart {
    /// An empty cart of `user_id`.
    pub fn new(user_id: UserId) -> Self {
        Self {
            user_id,
            items: Vec::new(),
        }
    }

    /// The owner.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The items, in the order first added.
    pub fn items(&self) -> &[CartItem] {
        &self.items
    }

    /// Whether the cart holds nothing.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The quantity of `product_id` in the cart, if any.
    pub fn quantity_of(&self, product_id: ProductId) -> Option<Quantity> {
        self.items
            .iter()
            .find(|i| i.product_id == product_id)
            .map(|i| i.quantity)
    }

    /// Sets the quantity of `product_id` (replacing, not adding to, the
    /// current one), or appends the product.
    pub fn set(&mut self, product_id: ProductId, quantity: Quantity) {
        match self.items.iter_mut().find(|i| i.product_id == product_id) {
            Some(item) => item.quantity = quantity,
            None => self.items.push(CartItem {
                product_id,
                quantity,
            }),
        }
    }

    /// Removes `product_id`; `false` when it was not in the cart.
    pub fn remove(&mut self, product_id: ProductId) -> bool {
        let before = self.items.len();
        self.items.retain(|i| i.product_id != product_id);
        self.items.len() != before
    }

    /// Empties the cart.
    pub fn clear(&mut self) {
        self.items.clear();
    }
}

/// A cart item with the product's current name and price, to be priced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    /// The product.
    pub product_id: ProductId,
    /// Its current name.
    pub name: String,
    /// Its current unit price.
    pub unit_price: Money,
    /// How many units.
    pub quantity: Quantity,
}

/// A cart line with its total (`unit_price × quantity`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricedLine {
    /// The line.
    pub line: CartLine,
    /// `unit_price × quantity`.
    pub line_total: Money,
}

/// A priced cart, as `GET /cart` shows it. One currency per cart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartView {
    lines: Vec<PricedLine>,
    total: Money,
}

impl CartView {
    /// Prices `lines` and totals them in their common currency; an empty
    /// cart totals zero in `empty_currency` (e.g. the shop's default).
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] when the lines have different
    /// currencies; [`MoneyError::Negative`] for a negative unit price;
    /// [`MoneyError::Overflow`] when a line or the total overflows.
    pub fn from_lines(
        lines: Vec<CartLine>,
        empty_currency: Currency,
    ) -> Result<CartView, MoneyError> {
        let mut view = CartView::empty(empty_currency);
        for line in lines {
            view.push(line).map_err(|(_, e)| e)?;
        }
        Ok(view)
    }

    /// Prices what can be priced together and returns the rest: the first
    /// priceable line's currency wins, and a line in another currency, with
    /// a negative price, or whose total would overflow is left out (checkout
    /// names it). So a stored cart always renders.
    pub fn from_lines_that_fit(
        lines: Vec<CartLine>,
        empty_currency: Currency,
    ) -> (CartView, Vec<CartLine>) {
        let mut view = CartView::empty(empty_currency);
        let left_out = lines
            .into_iter()
            .filter_map(|line| view.push(line).err().map(|(line, _)| line))
            .collect();
        (view, left_out)
    }

    fn empty(currency: Currency) -> Self {
        CartView {
            lines: Vec::new(),
            total: Money::zero(currency),
        }
    }

    /// Adds `line` when it prices with the lines already in (the first line
    /// sets the currency); otherwise hands it back with the reason.
    fn push(&mut self, line: CartLine) -> Result<(), (CartLine, MoneyError)> {
        let priced = (|| {
            if line.unit_price.is_negative() {
                return Err(MoneyError::Negative);
            }
            let base = if self.lines.is_empty() {
                Money::zero(line.unit_price.currency())
            } else {
                self.total
            };
            let line_total = line.unit_price.checked_mul(line.quantity.get())?;
            Ok((line_total, base.checked_add(&line_total)?))
        })();
        match priced {
            Ok((line_total, total)) => {
                self.total = total;
                self.lines.push(PricedLine { line, line_total });
                Ok(())
            }
            Err(e) => Err((line, e)),
        }
    }

    /// The priced lines, in cart order.
    pub fn lines(&self) -> &[PricedLine] {
        &self.lines
    }

    /// The sum of the line totals.
    pub fn total(&self) -> Money {
        self.total
    }

    /// The cart's currency.
    pub fn currency(&self) -> Currency {
        self.total.currency()
    }

    /// Whether there are no lines.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

#[cfg(test)]
#[path = "cart_tests.rs"]
mod tests;
