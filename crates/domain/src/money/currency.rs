//! ISO 4217 currency codes and their minor units.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::MoneyError;

/// Active ISO 4217 codes of circulating currencies (2026), sorted. Fund
/// codes (BOV, CLF, USN...), precious metals (XAU...), SDRs and the test
/// codes (XTS, XXX) are deliberately absent, as are withdrawn codes (HRK,
/// ANG, BGN, SLL, ZWL...).
const ACTIVE: &[&str] = &[
    "AED", "AFN", "ALL", "AMD", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT", "BHD",
    "BIF", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
    "CLP", "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DJF", "DKK", "DOP", "DZD", "EGP", "ERN",
    "ETB", "EUR", "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GNF", "GTQ", "GYD", "HKD",
    "HNL", "HTG", "HUF", "IDR", "ILS", "INR", "IQD", "IRR", "ISK", "JMD", "JOD", "JPY", "KES",
    "KGS", "KHR", "KMF", "KPW", "KRW", "KWD", "KYD", "KZT", "LAK", "LBP", "LKR", "LRD", "LSL",
    "LYD", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR", "MWK", "MXN",
    "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "OMR", "PAB", "PEN", "PGK", "PHP",
    "PKR", "PLN", "PYG", "QAR", "RON", "RSD", "RUB", "RWF", "SAR", "SBD", "SCR", "SDG", "SEK",
    "SGD", "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT",
    "TND", "TOP", "TRY", "TTD", "TWD", "TZS", "UAH", "UGX", "USD", "UYU", "UZS", "VED", "VES",
    "VND", "VUV", "WST", "XAF", "XCD", "XCG", "XOF", "XPF", "YER", "ZAR", "ZMW", "ZWG",
];

/// Codes without minor units (exponent 0).
const ZERO_DECIMALS: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
    "XAF", "XOF", "XPF",
];

/// Codes with thousandths (exponent 3).
const THREE_DECIMALS: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

/// An active ISO 4217 currency code, always upper case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    code: &'static str,
}

impl Currency {
    /// The euro.
    pub const EUR: Currency = Currency { code: "EUR" };
    /// The US dollar.
    pub const USD: Currency = Currency { code: "USD" };

    /// Parses a three-letter code in any letter case (`eur` → `EUR`),
    /// ignoring surrounding whitespace.
    ///
    /// # Errors
    /// [`MoneyError::UnknownCurrency`] unless it is exactly three ASCII
    /// letters naming an active code of the built-in list.
    pub fn parse(raw: &str) -> Result<Self, MoneyError> {
        let raw = raw.trim();
        if raw.len() != 3 || !raw.bytes().all(|b| b.is_ascii_alphabetic()) {
            return Err(MoneyError::UnknownCurrency);
        }
        let upper = raw.to_ascii_uppercase();
        ACTIVE
            .binary_search(&upper.as_str())
            .map(|i| Self { code: ACTIVE[i] })
            .map_err(|_| MoneyError::UnknownCurrency)
    }

    /// Every code in use, upper case, sorted.
    pub fn codes() -> &'static [&'static str] {
        ACTIVE
    }

    /// The upper-case code, e.g. `EUR`.
    pub fn as_str(&self) -> &'static str {
        self.code
    }

    /// The ISO 4217 exponent: how many decimals the minor unit has
    /// (0 for JPY, 2 for EUR, 3 for KWD).
    pub fn minor_units(&self) -> u8 {
        if ZERO_DECIMALS.contains(&self.code) {
            0
        } else if THREE_DECIMALS.contains(&self.code) {
            3
        } else {
            2
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Currency::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use serde::de::IntoDeserializer;
    use serde::de::value::{Error as DeError, StrDeserializer};

    use super::*;

    #[test]
    fn codes_parse_in_any_case_and_are_normalised_to_upper_case() {
        for raw in ["EUR", "eur", "Eur", " eUr "] {
            assert_eq!(Currency::parse(raw).unwrap().as_str(), "EUR", "{raw:?}");
        }
        assert_eq!(Currency::parse("jpy").unwrap().to_string(), "JPY");
    }

    #[test]
    fn malformed_unknown_and_withdrawn_codes_are_rejected() {
        for bad in [
            "", "EU", "EURO", "E1R", "E-R", "ÉUR", "EU\u{0}", "ABC", "QQQ", "HRK", "DEM", "XXX",
            "XTS", "XAU", "BOV",
        ] {
            assert_eq!(
                Currency::parse(bad),
                Err(MoneyError::UnknownCurrency),
                "{bad:?} should be rejected"
            );
        }
    }

    #[test]
    fn the_built_in_list_is_sorted_unique_and_three_upper_case_letters() {
        assert!(ACTIVE.windows(2).all(|w| w[0] < w[1]), "sorted and unique");
        for code in ACTIVE {
            assert_eq!(code.len(), 3, "{code}");
            assert!(code.bytes().all(|b| b.is_ascii_uppercase()), "{code}");
            assert_eq!(Currency::parse(code).unwrap().as_str(), *code);
        }
    }

    #[test]
    fn every_exponent_exception_is_an_active_code() {
        for code in ZERO_DECIMALS.iter().chain(THREE_DECIMALS) {
            assert!(ACTIVE.contains(code), "{code} is not in the active list");
        }
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        let expect = |code: &str, units: u8| {
            assert_eq!(
                Currency::parse(code).unwrap().minor_units(),
                units,
                "{code}"
            );
        };
        for code in [
            "JPY", "KRW", "ISK", "CLP", "VND", "XAF", "XOF", "UGX", "PYG",
        ] {
            expect(code, 0);
        }
        for code in ["BHD", "KWD", "OMR", "JOD", "TND", "IQD", "LYD"] {
            expect(code, 3);
        }
        for code in ["EUR", "USD", "GBP", "CHF", "SEK", "CNY", "INR", "BRL"] {
            expect(code, 2);
        }
    }

    #[test]
    fn constants_are_the_parsed_codes() {
        assert_eq!(Currency::parse("EUR").unwrap(), Currency::EUR);
        assert_eq!(Currency::parse("USD").unwrap(), Currency::USD);
    }

    #[test]
    fn deserialising_goes_through_parse() {
        let de: StrDeserializer<'_, DeError> = "usd".into_deserializer();
        assert_eq!(Currency::deserialize(de).unwrap(), Currency::USD);
        let de: StrDeserializer<'_, DeError> = "usx".into_deserializer();
        assert!(Currency::deserialize(de).is_err());
    }
}
