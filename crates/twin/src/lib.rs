//! A piece's digital twin for Orfèvre: verifying NTAG 424 DNA tags' Secure Unique NFC messages
//! (NXP AN12196, AES mode), per-tag keys diversified from a master key (NXP AN10922), the NDEF URI
//! record written to a tag, and QR codes for packaging and engraving. Pure: bytes in, bytes out;
//! replay protection (the tap counter only goes up) is the caller's, against its database.

pub mod credential;
pub mod identity;
pub mod ndef;
pub mod qr;
pub mod status;
pub mod sun;

/// Input the twin cannot work with: what, the rule, and what was given.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum Error {
    #[error("{what} must be {rule} (got {got})")]
    Invalid { what: &'static str, rule: &'static str, got: String },
}

pub type Result<T> = std::result::Result<T, Error>;
