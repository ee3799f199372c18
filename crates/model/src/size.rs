//! Ring sizes: every system a shop meets, to the inner circumference in millimetres.
//!
//! - **ISO 8653** (`EU54`, `ISO54`): the size *is* the inner circumference in mm (the standard's
//!   ring stick runs from 41 to 76; we accept 38–80 for children's and thumb rings).
//! - **Swiss / Italian / Spanish** (`CH14`, `IT14`, `ES14`): circumference − 40.
//! - **US / Canada** (`US7`, `US7.25`, `US 7½`): inner diameter in inches = 0.458 + 0.032 × size,
//!   in quarter sizes from 0 to 16.
//! - **UK / Ireland / Australia** (`UKN`, `UK N½`, `UKN.5`): BS 6820:1987, letters A–Z in half
//!   sizes aligned with ISO 8653: A is 37.5 mm and each letter adds 1.25 mm (so C = ISO 40 and
//!   N½ = 54.375 mm ≈ US 7, as domain.md has it).
//! - **Japan** (`JP14`): the Japanese custom sizes (JCS), a lookup table of inner diameters: size 1
//!   is 13 mm and each size adds a third of a millimetre (JP 14 = 17⅓ mm ≈ US 7). JIS S 4700 itself
//!   is ISO 8653 translated; the numbers on Japanese shop charts are the JCS ones, so `JP` means
//!   those.

use crate::{Error, Result};
use std::f64::consts::PI;
use std::fmt;

/// One inch, in millimetres (exact by definition).
const INCH_MM: f64 = 25.4;

/// Japanese custom sizes 1–30: inner diameters in thirds of a millimetre (13 mm = 39 thirds).
const JP_DIAMETER_THIRDS: [u16; 30] = [
    39, 40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64, 65, 66, 67,
    68,
];

/// A ring size in one of the systems; [`RingSize::circumference_mm`] turns it into the inner
/// circumference that the geometry is built on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RingSize {
    /// ISO 8653: inner circumference in mm.
    Iso(f64),
    /// Swiss, Italian, Spanish: circumference − 40.
    Swiss(f64),
    /// US and Canada, in quarter sizes.
    Us(f64),
    /// UK, in half letters: 0 = A, 0.5 = A½, 13.5 = N½, 25 = Z.
    Uk(f64),
    /// Japan (JCS), whole sizes 1–30.
    Jp(u8),
}

impl RingSize {
    /// Parses `US7`, `US 7.25`, `US7½`, `UKN½`, `UK N 1/2`, `UKN.5`, `EU54`, `ISO 54`, `CH14`,
    /// `IT14`, `ES14`, `JP14` (case-insensitive). The error says which form was expected.
    pub fn parse(s: &str) -> Result<RingSize> {
        let t: String = s.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
        let bad = |rule: &str| Error::Invalid { what: "the ring size".into(), rule: rule.into(), got: s.to_string() };
        let split = t.find(|c: char| !c.is_ascii_alphabetic()).unwrap_or(t.len());
        let (system, rest) = t.split_at(split);
        let number = |rest: &str| -> Option<f64> {
            let rest = rest.replace('½', ".5").replace("1/2", ".5").replace('¼', ".25").replace('¾', ".75");
            let rest = rest.replace("..", ".");
            let rest = if rest.starts_with('.') { format!("0{rest}") } else { rest };
            let v: f64 = rest.parse().ok()?;
            v.is_finite().then_some(v)
        };
        let size = match system {
            "US" | "CA" => {
                let v = number(rest).ok_or_else(|| bad("a number after US, e.g. US7 or US7.25"))?;
                if !(0.0..=16.0).contains(&v) || (v * 4.0).fract() != 0.0 {
                    return Err(bad("a US size from 0 to 16 in quarter sizes"));
                }
                RingSize::Us(v)
            }
            "EU" | "ISO" | "FR" | "DE" => {
                let v = number(rest).ok_or_else(|| bad("a circumference in mm after EU or ISO, e.g. EU54"))?;
                if !(38.0..=80.0).contains(&v) || (v * 4.0).fract() != 0.0 {
                    return Err(bad("an ISO 8653 size from 38 to 80 mm in quarter sizes"));
                }
                RingSize::Iso(v)
            }
            "CH" | "IT" | "ES" => {
                let v = number(rest).ok_or_else(|| bad("a number after CH, IT or ES, e.g. IT14"))?;
                if !(0.0..=40.0).contains(&v) || (v * 4.0).fract() != 0.0 {
                    return Err(bad("a Swiss, Italian or Spanish size from 0 to 40 in quarter sizes"));
                }
                RingSize::Swiss(v)
            }
            "JP" => {
                let v = number(rest).ok_or_else(|| bad("a whole number after JP, e.g. JP14"))?;
                if !(1.0..=30.0).contains(&v) || v.fract() != 0.0 {
                    return Err(bad("a Japanese size from 1 to 30, whole sizes only"));
                }
                RingSize::Jp(v as u8)
            }
            s if s.len() == 3 && s.starts_with("UK") => {
                let letter = s.as_bytes()[2] - b'A';
                let half = match rest {
                    "" => 0.0,
                    ".5" | "½" | "1/2" => 0.5,
                    _ => return Err(bad("a letter with an optional ½ after UK, e.g. UKN or UKN½")),
                };
                if letter == 25 && half > 0.0 {
                    return Err(bad("a UK size from A to Z"));
                }
                RingSize::Uk(letter as f64 + half)
            }
            _ => return Err(bad("a size such as US7, UKN½, EU54, IT14 or JP14")),
        };
        Ok(size)
    }

    /// The inner circumference in mm.
    pub fn circumference_mm(self) -> f64 {
        match self {
            RingSize::Iso(c) => c,
            RingSize::Swiss(s) => s + 40.0,
            RingSize::Us(s) => PI * (0.458 + 0.032 * s) * INCH_MM,
            RingSize::Uk(i) => 37.5 + 1.25 * i,
            RingSize::Jp(n) => PI * JP_DIAMETER_THIRDS[n as usize - 1] as f64 / 3.0,
        }
    }

    /// The inner diameter in mm.
    pub fn diameter_mm(self) -> f64 {
        self.circumference_mm() / PI
    }
}

impl fmt::Display for RingSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            RingSize::Iso(c) => write!(f, "EU{c}"),
            RingSize::Swiss(s) => write!(f, "IT{s}"),
            RingSize::Us(s) => write!(f, "US{s}"),
            RingSize::Uk(i) => {
                let letter = (b'A' + i.floor() as u8) as char;
                write!(f, "UK{letter}{}", if i.fract() > 0.0 { "½" } else { "" })
            }
            RingSize::Jp(n) => write!(f, "JP{n}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(s: &str) -> f64 {
        RingSize::parse(s).unwrap().circumference_mm()
    }

    #[test]
    fn the_systems_agree_where_domain_md_says_they_do() {
        // US 7 ≈ 17.32 mm diameter ≈ 54.4 mm ≈ UK N½ ≈ JP 14.
        assert!((RingSize::parse("US7").unwrap().diameter_mm() - 17.3228).abs() < 1e-3);
        assert!((c("US7") - 54.42).abs() < 0.01);
        assert!((c("UK N½") - 54.375).abs() < 1e-9);
        assert!((c("UKN.5") - c("uk n 1/2")).abs() < 1e-12);
        assert!((c("JP14") - 54.45).abs() < 0.01);
        assert_eq!(c("EU54"), 54.0);
        assert_eq!(c("IT14"), 54.0);
        assert_eq!(c("ukc"), 40.0, "BS 6820 C is ISO 40");
        assert!((c("US 7½") - c("US7.5")).abs() < 1e-12);
    }

    #[test]
    fn the_demo_catalog_table_matches() {
        // catalogs/demo/bases/solitaire.toml lists US sizes rounded to 0.01 mm.
        for (s, mm) in [("US4", 46.76), ("US6", 51.87), ("US8.5", 58.25), ("US10", 62.08)] {
            assert!((c(s) - mm).abs() < 0.006, "{s}: {} vs {mm}", c(s));
        }
    }

    #[test]
    fn bad_sizes_say_what_was_expected() {
        for (s, rule) in [
            ("US7.1", "quarter sizes"),
            ("US", "e.g. US7"),
            ("JP14.5", "whole sizes"),
            ("JP31", "1 to 30"),
            ("UKZ½", "A to Z"),
            ("UKN.3", "letter with an optional ½"),
            ("EU20", "38 to 80"),
            ("size 7", "such as US7"),
        ] {
            let e = RingSize::parse(s).unwrap_err().to_string();
            assert!(e.contains(rule), "{s}: {e}");
            assert!(e.contains(s), "{s}: the message names the input: {e}");
        }
    }

    #[test]
    fn display_round_trips() {
        for s in ["US7.25", "UKN½", "UKA", "EU54.5", "IT14", "JP9"] {
            let a = RingSize::parse(s).unwrap();
            assert_eq!(RingSize::parse(&a.to_string()).unwrap(), a, "{s}");
        }
    }
}
