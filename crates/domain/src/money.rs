//! Money as an integer amount of minor units (cents) in an ISO 4217
//! currency. No floats: every operation is checked integer arithmetic.

mod currency;

use std::fmt;

pub use currency::Currency;

/// Why an amount could not be built or combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("amounts in different currencies cannot be combined")]
    CurrencyMismatch,
    /// The result does not fit in an `i64` of minor units.
    #[error("amount out of range")]
    Overflow,
    /// A price or line amount was below zero.
    #[error("amount must not be negative")]
    Negative,
    /// The currency code is not an active ISO 4217 code.
    #[error("unknown ISO 4217 currency code")]
    UnknownCurrency,
}

/// An amount of minor units (e.g. cents) in one currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    amount_minor: i64,
    currency: Currency,
}

impl Money {
    /// Any amount, negative ones included (e.g. a balance).
    pub fn new(amount_minor: i64, currency: Currency) -> Self {
        Self {
            amount_minor,
            currency,
        }
    }

    /// A price: an amount of at least zero.
    ///
    /// # Errors
    /// [`MoneyError::Negative`] when `amount_minor < 0`.
    pub fn price(amount_minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        if amount_minor < 0 {
            return Err(MoneyError::Negative);
        }
        Ok(Self::new(amount_minor, currency))
    }

    /// Nothing, in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// The amount in minor units (cents for EUR, yen for JPY, fils for BHD).
    pub fn amount_minor(&self) -> i64 {
        self.amount_minor
    }

    /// The currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.amount_minor < 0
    }

    /// `self + other`.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] when the currencies differ;
    /// [`MoneyError::Overflow`] when the sum leaves the `i64` range.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        if self.currency != other.currency {
            return Err(MoneyError::CurrencyMismatch);
        }
        let amount = self
            .amount_minor
            .checked_add(other.amount_minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(amount, self.currency))
    }

    /// `self × factor`, e.g. a unit price times a quantity.
    ///
    /// # Errors
    /// [`MoneyError::Overflow`] when the product leaves the `i64` range.
    pub fn checked_mul(&self, factor: u32) -> Result<Money, MoneyError> {
        let amount = self
            .amount_minor
            .checked_mul(i64::from(factor))
            .ok_or(MoneyError::Overflow)?;
        Ok(Self::new(amount, self.currency))
    }

    /// The sum of `amounts`, all in `currency`; zero in `currency` when there are none.
    ///
    /// # Errors
    /// [`MoneyError::CurrencyMismatch`] when an amount is in another currency;
    /// [`MoneyError::Overflow`] when the sum leaves the `i64` range.
    pub fn sum<'a>(
        amounts: impl IntoIterator<Item = &'a Money>,
        currency: Currency,
    ) -> Result<Money, MoneyError> {
        amounts
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }
}

impl fmt::Display for Money {
    /// `18.49 EUR`, `500 JPY`, `-1.234 BHD`: the major amount with the
    /// currency's number of decimals, then the code.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.amount_minor < 0 { "-" } else { "" };
        let abs = self.amount_minor.unsigned_abs();
        let decimals = self.currency.minor_units();
        if decimals == 0 {
            return write!(f, "{sign}{abs} {}", self.currency);
        }
        let divisor = 10_u64.pow(u32::from(decimals));
        write!(
            f,
            "{sign}{}.{:0width$} {}",
            abs / divisor,
            abs % divisor,
            self.currency,
            width = usize::from(decimals)
        )
    }
}

#[cfg(test)]
mod tests;
