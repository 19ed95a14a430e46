use super::*;

fn eur(amount: i64) -> Money {
    Money::new(amount, Currency::EUR)
}

fn jpy() -> Currency {
    Currency::parse("JPY").unwrap()
}

#[test]
fn prices_must_not_be_negative_but_may_be_zero() {
    assert_eq!(Money::price(-1, Currency::EUR), Err(MoneyError::Negative));
    assert_eq!(
        Money::price(i64::MIN, Currency::EUR),
        Err(MoneyError::Negative)
    );
    assert_eq!(
        Money::price(0, Currency::EUR).unwrap(),
        Money::zero(Currency::EUR)
    );
    assert_eq!(
        Money::price(1099, Currency::EUR).unwrap().amount_minor(),
        1099
    );
}

#[test]
fn new_keeps_any_amount_and_its_currency() {
    let m = Money::new(-250, Currency::USD);
    assert_eq!((m.amount_minor(), m.currency()), (-250, Currency::USD));
    assert!(m.is_negative());
    assert!(!Money::zero(Currency::USD).is_negative());
}

#[test]
fn adding_amounts_of_one_currency_adds_minor_units() {
    assert_eq!(eur(750).checked_add(&eur(1099)), Ok(eur(1849)));
    assert_eq!(eur(-5).checked_add(&eur(5)), Ok(eur(0)));
}

#[test]
fn adding_amounts_of_different_currencies_is_a_mismatch() {
    let usd = Money::new(1, Currency::USD);
    assert_eq!(eur(1).checked_add(&usd), Err(MoneyError::CurrencyMismatch));
    assert_eq!(usd.checked_add(&eur(1)), Err(MoneyError::CurrencyMismatch));
    let zero_yen = Money::zero(jpy());
    assert_eq!(
        eur(0).checked_add(&zero_yen),
        Err(MoneyError::CurrencyMismatch)
    );
}

#[test]
fn addition_past_either_end_of_i64_is_an_overflow_not_a_wrap() {
    assert_eq!(
        eur(i64::MAX).checked_add(&eur(1)),
        Err(MoneyError::Overflow)
    );
    assert_eq!(
        eur(i64::MIN).checked_add(&eur(-1)),
        Err(MoneyError::Overflow)
    );
    assert_eq!(eur(i64::MAX - 1).checked_add(&eur(1)), Ok(eur(i64::MAX)));
}

#[test]
fn mismatch_is_reported_before_overflow() {
    let usd = Money::new(1, Currency::USD);
    assert_eq!(
        eur(i64::MAX).checked_add(&usd),
        Err(MoneyError::CurrencyMismatch)
    );
}

#[test]
fn multiplying_by_a_quantity_scales_the_amount_and_keeps_the_currency() {
    assert_eq!(eur(250).checked_mul(3), Ok(eur(750)));
    assert_eq!(eur(250).checked_mul(1), Ok(eur(250)));
    assert_eq!(eur(250).checked_mul(0), Ok(eur(0)));
    assert_eq!(eur(-2).checked_mul(4), Ok(eur(-8)));
    let yen = Money::new(500, jpy()).checked_mul(2).unwrap();
    assert_eq!((yen.amount_minor(), yen.currency()), (1000, jpy()));
}

#[test]
fn multiplication_past_i64_is_an_overflow() {
    assert_eq!(
        eur(i64::MAX / 2 + 1).checked_mul(2),
        Err(MoneyError::Overflow)
    );
    assert_eq!(
        eur(i64::MAX).checked_mul(u32::MAX),
        Err(MoneyError::Overflow)
    );
    assert_eq!(eur(i64::MIN).checked_mul(2), Err(MoneyError::Overflow));
    assert_eq!(eur(i64::MAX / 2).checked_mul(2), Ok(eur(i64::MAX - 1)));
}

#[test]
fn summing_nothing_is_zero_in_the_given_currency() {
    assert_eq!(Money::sum([], jpy()), Ok(Money::zero(jpy())));
}

#[test]
fn summing_checks_currency_and_overflow() {
    assert_eq!(
        Money::sum(&[eur(750), eur(1099)], Currency::EUR),
        Ok(eur(1849))
    );
    assert_eq!(
        Money::sum(&[eur(1)], Currency::USD),
        Err(MoneyError::CurrencyMismatch)
    );
    assert_eq!(
        Money::sum(&[eur(i64::MAX), eur(1)], Currency::EUR),
        Err(MoneyError::Overflow)
    );
}

#[test]
fn display_uses_the_currency_decimals_without_floats() {
    let bhd = Currency::parse("BHD").unwrap();
    for (money, shown) in [
        (eur(1849), "18.49 EUR"),
        (eur(5), "0.05 EUR"),
        (eur(0), "0.00 EUR"),
        (eur(-1205), "-12.05 EUR"),
        (Money::new(500, jpy()), "500 JPY"),
        (Money::new(1234, bhd), "1.234 BHD"),
        (Money::new(-7, bhd), "-0.007 BHD"),
        (eur(i64::MIN), "-92233720368547758.08 EUR"),
        (eur(i64::MAX), "92233720368547758.07 EUR"),
    ] {
        assert_eq!(money.to_string(), shown);
    }
}
