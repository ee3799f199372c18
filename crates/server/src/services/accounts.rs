//! Accounts' credentials: email addresses normalised and checked, passwords of a bounded length
//! hashed with argon2id.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 256;
pub const MAX_EMAIL: usize = 254;

/// Why credentials are refused; each names its field (`/email`, `/password`).
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("{0}")]
    Email(String),
    #[error("a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters; this one has {0}")]
    PasswordLength(usize),
}

/// Normalises and checks an email address.
pub fn parse_email(raw: &str) -> Result<String, AccountError> {
    let e = raw.trim().to_lowercase();
    let bad = |why: &str| AccountError::Email(why.to_string());
    if e.len() > MAX_EMAIL {
        return Err(bad(&format!("at most {MAX_EMAIL} characters")));
    }
    let Some((local, domain)) = e.split_once('@') else { return Err(bad("an email address needs an @")) };
    if local.is_empty()
        || domain.len() < 3
        || !domain.contains('.')
        || domain.contains('@')
        || e.contains(char::is_whitespace)
    {
        return Err(bad("not an email address"));
    }
    Ok(e)
}

pub fn check_password(p: &str) -> Result<(), AccountError> {
    let n = p.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) {
        return Err(AccountError::PasswordLength(n));
    }
    Ok(())
}

/// argon2id with the crate's defaults (19 MiB, 2 passes), a fresh salt each time.
pub fn hash_password(p: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Ok(Argon2::default().hash_password(p.as_bytes(), &salt).map_err(|e| anyhow::anyhow!("{e}"))?.to_string())
}

pub fn verify_password(p: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(p.as_bytes(), &h).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_is_trimmed_and_lower_cased_and_needs_a_domain() {
        assert_eq!(parse_email("  Ines@Example.COM ").unwrap(), "ines@example.com");
        assert_eq!(parse_email("ines").unwrap_err(), AccountError::Email("an email address needs an @".into()));
        assert_eq!(parse_email("ines@x").unwrap_err(), AccountError::Email("not an email address".into()));
    }

    #[test]
    fn a_password_is_ten_to_256_characters_and_verifies_only_itself() {
        assert_eq!(check_password("short").unwrap_err(), AccountError::PasswordLength(5));
        assert!(check_password(&"é".repeat(10)).is_ok(), "characters, not bytes");
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct hors", &h));
    }
}
