//! Parametric jewellery geometry for Orfèvre: ring sizes in every system, band profiles swept at
//! the exact inner size, cut stones with real proportions, prong and bezel heads, engravable
//! pendant discs, manufacturing checks, and the files a viewer, a caster or a printer takes (GLB, STL, 3MF).
//!
//! Units: millimetres, cubic millimetres, carats. Frames are documented where they are built
//! ([`band`], [`gem`]). The crate does no I/O: writers return bytes.

/// An enum of named choices: `ALL`, `as_str`, `Display`, and `FromStr` whose error lists the
/// names (`what` names the input in the message).
macro_rules! named {
    ($(#[$m:meta])* $name:ident, $what:literal { $($(#[$vm:meta])* $v:ident = $s:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($(#[$vm])* $v,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$v => $s,)+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::Error;
            fn from_str(s: &str) -> crate::Result<$name> {
                $name::ALL.iter().copied().find(|x| x.as_str() == s).ok_or_else(|| crate::Error::Invalid {
                    what: $what.into(),
                    rule: format!("one of {}", [$($s,)+].join(", ")),
                    got: s.into(),
                })
            }
        }
    };
}
pub(crate) use named;

pub mod band;
pub mod export;
pub mod gem;
pub mod mesh;
pub mod pendant;
pub mod ring;
pub mod size;

pub use band::{Band, Profile};
pub use gem::{Cut, Gem};
pub use mesh::{Mesh, RenderMesh};
pub use pendant::{pendant, PendantSpec};
pub use ring::{figures, ring, Figures, Piece, RingSpec, Setting, StoneSize, StoneSpec, Top};
pub use size::RingSize;

/// Input the geometry cannot be built from: what, the rule, and what was given.
#[derive(Debug, thiserror::Error, Clone, PartialEq)]
pub enum Error {
    #[error("{what} must be {rule} (got {got})")]
    Invalid { what: String, rule: String, got: String },
}

pub type Result<T> = std::result::Result<T, Error>;
