//! # orfevre-commerce
//!
//! The lifecycles the service enforces, as types: a caller's [`Role`] and the named
//! [`policy`] lists of roles, an order's [`OrderStatus`] and the moves between statuses each
//! role may make, a piece's [`PieceEventKind`]s (which of them the public sees), a vault item's
//! [`VaultKind`], and how a gift hands the vault over ([`GiftVault`]).
//!
//! Every one of them is a closed set of values written as lowercase snake_case words in the
//! database and the API: parsing is exact (an unknown word is an error, never a default), and
//! `Display` writes the same word back, so a value survives any number of round trips.
//!
//! The crate does no I/O and knows nothing of HTTP or SQL: the store maps its columns into these
//! types, the service asks them what is allowed.

mod order;
mod piece;
mod role;

pub use order::{Actor, OrderStatus, TransitionError};
pub use piece::{GiftVault, PieceEventKind, VaultKind};
pub use role::{policy, Role};

/// A word that names none of a closed set's values.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{word:?} is not {what}: one of {expected}")]
pub struct UnknownValue {
    /// What was being read (`a role`, `an order status`…).
    pub what: &'static str,
    pub word: String,
    /// The words that are, comma-separated.
    pub expected: String,
}

/// Implements the word round trip of a closed enum: `ALL`, `as_str`, `FromStr`, `Display`,
/// `TryFrom<String>` (for sqlx's `try_from` row mapping) and serde as the same words.
macro_rules! words {
    ($ty:ident, $what:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        impl $ty {
            /// Every value, in lifecycle order.
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];
            /// The value's word, as stored and as the API writes it.
            pub const fn as_str(self) -> &'static str {
                match self { $($ty::$variant => $word),+ }
            }
        }
        impl std::str::FromStr for $ty {
            type Err = $crate::UnknownValue;
            fn from_str(s: &str) -> Result<$ty, $crate::UnknownValue> {
                match s {
                    $($word => Ok($ty::$variant),)+
                    _ => Err($crate::UnknownValue {
                        what: $what,
                        word: s.to_string(),
                        expected: [$($word),+].join(", "),
                    }),
                }
            }
        }
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl TryFrom<String> for $ty {
            type Error = $crate::UnknownValue;
            fn try_from(s: String) -> Result<$ty, $crate::UnknownValue> {
                s.parse()
            }
        }
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            // Read as serde reads a unit-variant enum (`deserialize_enum`), so that a value of
            // the wrong JSON type is refused as it always was.
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                const WORDS: &[&str] = &[$($word),+];
                struct Visitor;
                impl<'de> serde::de::Visitor<'de> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        write!(f, "one of {}", WORDS.join(", "))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse().map_err(|_| E::unknown_variant(v, WORDS))
                    }
                    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<$ty, A::Error> {
                        use serde::de::VariantAccess;
                        let (word, variant): (String, _) = data.variant()?;
                        variant.unit_variant()?;
                        self.visit_str(&word)
                    }
                }
                d.deserialize_enum(stringify!($ty), WORDS, Visitor)
            }
        }
    };
}
pub(crate) use words;

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn round_trips<T>(all: &[T])
    where
        T: Copy + std::fmt::Display + FromStr<Err = UnknownValue> + PartialEq + std::fmt::Debug + serde::Serialize,
        T: serde::de::DeserializeOwned,
    {
        for v in all {
            let word = v.to_string();
            assert_eq!(T::from_str(&word).unwrap(), *v);
            let json = serde_json::to_string(v).unwrap();
            assert_eq!(json, format!("\"{word}\""));
            assert_eq!(serde_json::from_str::<T>(&json).unwrap(), *v);
        }
    }

    #[test]
    fn every_value_of_every_set_round_trips_through_its_word_and_json() {
        round_trips(Role::ALL);
        round_trips(OrderStatus::ALL);
        round_trips(PieceEventKind::ALL);
        round_trips(VaultKind::ALL);
        round_trips(GiftVault::ALL);
    }

    #[test]
    fn an_unknown_word_is_an_error_that_lists_the_known_ones_never_a_default() {
        let e = Role::from_str("superuser").unwrap_err();
        assert_eq!(e.word, "superuser");
        assert_eq!(
            e.to_string(),
            "\"superuser\" is not a role: one of shopper, admin, merchandiser, workshop, designer, integration"
        );
        assert!(OrderStatus::from_str("Placed").is_err(), "words are exact, not case-folded");
        assert!(VaultKind::from_str("").is_err());
        let json = serde_json::from_str::<GiftVault>("\"keep\"").unwrap_err().to_string();
        assert!(json.contains("unknown variant `keep`, expected `hand_over` or `wipe`"), "{json}");
        // Another JSON type is refused as serde refuses it for any enum (a syntax error in JSON).
        let e = serde_json::from_str::<Role>("5").unwrap_err();
        assert!(e.is_syntax(), "{e}");
    }
}
