//! Domain units: lengths in millimetres, weights in grams, money in exact decimal.
//!
//! Every quantity is stored as an integer or a [`Decimal`] so that sums are exact:
//! - [`Mm`] holds integer micrometres (a catalog cannot say more than 3 decimals of a millimetre);
//! - [`Grams`] holds integer milligrams;
//! - [`Price`] and [`Money`] hold [`Decimal`], never a float.
//!
//! Catalog files may write these as TOML numbers (`width_mm = 9.5`) or strings (`price = "29.90"`).
//! A TOML float is turned into a decimal through its shortest round-trip text, which is exactly
//! what the merchandiser typed for any value of up to 15 significant digits.

use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

/// Parses a decimal from a TOML/JSON value: integer, float or string.
fn decimal_from_any<'de, D: Deserializer<'de>>(d: D, what: &'static str) -> Result<Decimal, D::Error> {
    struct V(&'static str);
    impl<'de> Visitor<'de> for V {
        type Value = Decimal;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "{} as a number or a decimal string", self.0)
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Decimal, E> {
            Ok(Decimal::from(v))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Decimal, E> {
            if !v.is_finite() {
                return Err(E::custom(format!("{} must be a finite number", self.0)));
            }
            Decimal::from_str(&v.to_string()).map_err(|_| E::custom(format!("{} {v} is out of range", self.0)))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Decimal, E> {
            Decimal::from_str(v.trim()).map_err(|_| E::custom(format!("{} \"{v}\" is not a decimal number", self.0)))
        }
    }
    d.deserialize_any(V(what))
}

/// A length in millimetres, stored as integer micrometres.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Mm(i64);

impl Mm {
    pub const ZERO: Mm = Mm(0);
    pub const fn from_um(um: i64) -> Mm {
        Mm(um)
    }
    pub const fn from_mm(mm: i64) -> Mm {
        Mm(mm * 1000)
    }
    pub const fn um(self) -> i64 {
        self.0
    }
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 1000.0
    }
    pub fn as_decimal(self) -> Decimal {
        Decimal::new(self.0, 3).normalize()
    }
    /// Exact conversion from a decimal number of millimetres; `None` beyond micrometre precision.
    pub fn from_decimal(d: Decimal) -> Option<Mm> {
        let um = d.checked_mul(Decimal::from(1000))?;
        if um.fract() != Decimal::ZERO {
            return None;
        }
        um.to_i64().map(Mm)
    }
    /// `self × ratio`, rounded down to the micrometre.
    pub fn scale_floor(self, ratio: Decimal) -> Mm {
        let v = (Decimal::from(self.0) * ratio).floor();
        Mm(v.to_i64().unwrap_or(i64::MAX))
    }
}

impl std::ops::Add for Mm {
    type Output = Mm;
    fn add(self, o: Mm) -> Mm {
        Mm(self.0.saturating_add(o.0))
    }
}
impl std::ops::Sub for Mm {
    type Output = Mm;
    fn sub(self, o: Mm) -> Mm {
        Mm(self.0.saturating_sub(o.0))
    }
}
impl std::ops::AddAssign for Mm {
    fn add_assign(&mut self, o: Mm) {
        self.0 = self.0.saturating_add(o.0);
    }
}
impl std::iter::Sum for Mm {
    fn sum<I: Iterator<Item = Mm>>(it: I) -> Mm {
        it.fold(Mm::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Mm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} mm", self.as_decimal())
    }
}

impl<'de> Deserialize<'de> for Mm {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Mm, D::Error> {
        let v = decimal_from_any(d, "a length in millimetres")?;
        if v.is_sign_negative() {
            return Err(de::Error::custom(format!("a length cannot be negative (got {v} mm)")));
        }
        Mm::from_decimal(v).ok_or_else(|| {
            de::Error::custom(format!("length {v} mm is finer than a micrometre: use at most 3 decimals"))
        })
    }
}

impl Serialize for Mm {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

/// A weight in grams, stored as integer milligrams.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Grams(i64);

impl Grams {
    pub const ZERO: Grams = Grams(0);
    pub const fn from_mg(mg: i64) -> Grams {
        Grams(mg)
    }
    pub const fn mg(self) -> i64 {
        self.0
    }
    pub fn as_decimal(self) -> Decimal {
        Decimal::new(self.0, 3).normalize()
    }
    pub fn from_decimal(d: Decimal) -> Option<Grams> {
        let mg = d.checked_mul(Decimal::from(1000))?;
        if mg.fract() != Decimal::ZERO {
            return None;
        }
        mg.to_i64().map(Grams)
    }
    /// Weight of `volume_mm3` of a material of `density` g/cm³, rounded to the milligram.
    pub fn from_volume(volume_mm3: Decimal, density_g_cm3: Decimal) -> Grams {
        // 1 cm³ = 1000 mm³, so g = mm³ × density / 1000 and mg = mm³ × density.
        let mg = (volume_mm3 * density_g_cm3).round();
        Grams(mg.to_i64().unwrap_or(i64::MAX))
    }
}

impl std::ops::Add for Grams {
    type Output = Grams;
    fn add(self, o: Grams) -> Grams {
        Grams(self.0.saturating_add(o.0))
    }
}
impl std::ops::Mul<u32> for Grams {
    type Output = Grams;
    fn mul(self, n: u32) -> Grams {
        Grams(self.0.saturating_mul(n as i64))
    }
}
impl std::iter::Sum for Grams {
    fn sum<I: Iterator<Item = Grams>>(it: I) -> Grams {
        it.fold(Grams::ZERO, |a, b| a + b)
    }
}

impl fmt::Display for Grams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} g", self.as_decimal())
    }
}

impl<'de> Deserialize<'de> for Grams {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Grams, D::Error> {
        let v = decimal_from_any(d, "a weight in grams")?;
        if v.is_sign_negative() {
            return Err(de::Error::custom(format!("a weight cannot be negative (got {v} g)")));
        }
        Grams::from_decimal(v)
            .ok_or_else(|| de::Error::custom(format!("weight {v} g is finer than a milligram: use at most 3 decimals")))
    }
}

impl Serialize for Grams {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_decimal().to_string())
    }
}

/// A non-negative decimal quantity read from a catalog (ratios, densities, carats, percentages).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Dec(pub Decimal);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Dec, D::Error> {
        let v = decimal_from_any(d, "a decimal number")?;
        if v.is_sign_negative() {
            return Err(de::Error::custom(format!("this number cannot be negative (got {v})")));
        }
        Ok(Dec(v.normalize()))
    }
}

/// A catalog price in the brand's main currency: exact, non-negative, at most 4 decimals.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Price(pub Decimal);

impl Price {
    pub const ZERO: Price = Price(Decimal::ZERO);
}

impl<'de> Deserialize<'de> for Price {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Price, D::Error> {
        let v = decimal_from_any(d, "a price")?;
        if v.is_sign_negative() {
            return Err(de::Error::custom(format!("a price cannot be negative (got {v})")));
        }
        if v.scale() > 4 && v.normalize().scale() > 4 {
            return Err(de::Error::custom(format!("price {v} has more than 4 decimals")));
        }
        Ok(Price(v))
    }
}

/// An ISO 4217 currency code (three upper-case letters).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency([u8; 3]);

impl Currency {
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).expect("ASCII by construction")
    }
    /// Digits after the decimal point of the currency's minor unit (ISO 4217).
    pub fn minor_digits(&self) -> u32 {
        match self.as_str() {
            "JPY" | "KRW" | "CLP" | "ISK" | "VND" | "XOF" | "XAF" => 0,
            "BHD" | "KWD" | "OMR" | "JOD" | "TND" => 3,
            _ => 2,
        }
    }
}

impl FromStr for Currency {
    type Err = String;
    fn from_str(s: &str) -> Result<Currency, String> {
        let b = s.as_bytes();
        if b.len() == 3 && b.iter().all(|c| c.is_ascii_uppercase()) {
            Ok(Currency([b[0], b[1], b[2]]))
        } else {
            Err(format!("\"{s}\" is not an ISO 4217 currency code (three capital letters, e.g. EUR)"))
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Currency, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An exact amount of money in a currency. Serialised as `{"amount": "141.50", "currency": "EUR"}`:
/// the amount a decimal string with at least the currency's minor digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    pub amount: Decimal,
    pub currency: Currency,
}

impl Money {
    /// The amount as written in documents and quotes: a decimal string with at least the
    /// currency's minor digits (`"141.50"`, `"281.00"`).
    pub fn amount_string(&self) -> String {
        let mut a = self.amount;
        let digits = self.currency.minor_digits();
        if a.scale() < digits {
            a.rescale(digits);
        }
        a.to_string()
    }
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Money", 2)?;
        st.serialize_field("amount", &self.amount_string())?;
        st.serialize_field("currency", &self.currency)?;
        st.end()
    }
}

impl Money {
    pub fn new(amount: Decimal, currency: Currency) -> Money {
        Money { amount, currency }
    }
    /// Rounded half away from zero to the currency's minor unit.
    pub fn rounded(self) -> Money {
        Money {
            amount: self.amount.round_dp_with_strategy(
                self.currency.minor_digits(),
                rust_decimal::RoundingStrategy::MidpointAwayFromZero,
            ),
            currency: self.currency,
        }
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = self.rounded();
        let mut a = r.amount;
        a.rescale(self.currency.minor_digits());
        write!(f, "{} {}", a, self.currency)
    }
}

/// Rounding to a price point: the smallest `k × step + ending` (k ≥ 0 an integer) not below the amount.
/// `step = 1, ending = 0.90` gives 29.90, 30.90…; `step = 5, ending = 9` gives 9, 14, 19…
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PricePoint {
    pub step: Price,
    #[serde(default)]
    pub ending: Price,
}

impl PricePoint {
    pub fn apply(&self, amount: Decimal) -> Decimal {
        let step = self.step.0;
        let ending = self.ending.0;
        // Nothing to pay is never rounded up to a price point.
        if step <= Decimal::ZERO || amount <= Decimal::ZERO {
            return amount;
        }
        if amount <= ending {
            return ending;
        }
        let k = ((amount - ending) / step).ceil();
        k * step + ending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nothing_to_pay_is_never_rounded_up_to_a_price_point() {
        let p = PricePoint { step: Price(Decimal::ONE), ending: Price(Decimal::new(90, 2)) };
        assert_eq!(p.apply(Decimal::ZERO), Decimal::ZERO);
        assert_eq!(p.apply(Decimal::new(-5, 0)), Decimal::new(-5, 0));
        assert_eq!(p.apply(Decimal::new(1, 2)), Decimal::new(90, 2));
        assert_eq!(p.apply(Decimal::new(4520, 2)), Decimal::new(4590, 2));
    }

    #[test]
    fn money_is_written_with_the_currencys_minor_digits() {
        let eur: Currency = "EUR".parse().unwrap();
        let j = serde_json::to_string(&Money::new(Decimal::new(1415, 1), eur)).unwrap();
        assert_eq!(j, r#"{"amount":"141.50","currency":"EUR"}"#);
        let j = serde_json::to_string(&Money::new(Decimal::new(12345, 4), eur)).unwrap();
        assert_eq!(j, r#"{"amount":"1.2345","currency":"EUR"}"#, "a finer unit price keeps its digits");
    }

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn mm_parses_floats_exactly() {
        #[derive(Deserialize)]
        struct T {
            a: Mm,
            b: Mm,
            c: Mm,
        }
        let t: T = toml::from_str("a = 9.5\nb = \"0.1\"\nc = 160").unwrap();
        assert_eq!(t.a.um(), 9500);
        assert_eq!(t.b.um(), 100);
        assert_eq!(t.c.um(), 160_000);
        assert_eq!(t.a.to_string(), "9.5 mm");
    }

    #[test]
    fn mm_rejects_negative_and_sub_micrometre() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct T {
            a: Mm,
        }
        let e = toml::from_str::<T>("a = -1").unwrap_err().to_string();
        assert!(e.contains("cannot be negative"), "{e}");
        let e = toml::from_str::<T>("a = 1.0001").unwrap_err().to_string();
        assert!(e.contains("finer than a micrometre"), "{e}");
        let e = toml::from_str::<T>("a = \"nine\"").unwrap_err().to_string();
        assert!(e.contains("not a decimal"), "{e}");
    }

    #[test]
    fn price_points() {
        let p = PricePoint { step: Price(d("1")), ending: Price(d("0.90")) };
        assert_eq!(p.apply(d("29.10")), d("29.90"));
        assert_eq!(p.apply(d("29.90")), d("29.90"));
        assert_eq!(p.apply(d("29.95")), d("30.90"));
        let p = PricePoint { step: Price(d("5")), ending: Price(d("9")) };
        assert_eq!(p.apply(d("10")), d("14"));
        assert_eq!(p.apply(d("4")), d("9"));
    }

    #[test]
    fn money_display_uses_minor_unit() {
        let eur: Currency = "EUR".parse().unwrap();
        let jpy: Currency = "JPY".parse().unwrap();
        assert_eq!(Money::new(d("12.345"), eur).to_string(), "12.35 EUR");
        assert_eq!(Money::new(d("1234.5"), jpy).to_string(), "1235 JPY");
        assert!("eur".parse::<Currency>().is_err());
    }

    proptest! {
        #[test]
        fn price_point_is_smallest_point_not_below(cents in 0i64..10_000_000, step in 1i64..2000, end in 0i64..99) {
            let p = PricePoint { step: Price(Decimal::new(step, 2)), ending: Price(Decimal::new(end, 2)) };
            let a = Decimal::new(cents, 2);
            let r = p.apply(a);
            prop_assert!(r >= a);
            // r is on the grid and the grid point below it is under the amount.
            let k = (r - p.ending.0) / p.step.0;
            prop_assert_eq!(k.fract(), Decimal::ZERO);
            if r - p.step.0 >= p.ending.0 {
                prop_assert!(r - p.step.0 < a);
            }
        }

        #[test]
        fn mm_sum_is_exact(widths in proptest::collection::vec(0i64..50_000, 0..40)) {
            let total: Mm = widths.iter().map(|&w| Mm::from_um(w)).sum();
            prop_assert_eq!(total.um(), widths.iter().sum::<i64>());
        }
    }
}
