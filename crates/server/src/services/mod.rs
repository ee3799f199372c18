//! The service's work, without HTTP: each module owns one part of the domain, takes and gives
//! plain data and domain types, and returns its own error enum. None of them imports axum or
//! the HTTP kernel (the layering test holds them to it); `http::problem` turns their errors into
//! problem documents.

pub mod accounts;
pub mod bmff;
pub mod catalogs;
pub mod designs;
pub mod engraving;
pub mod making;
pub mod media;
pub mod model;
pub mod orders;
pub mod pieces;
pub mod production;
pub mod quotes;
pub mod vault;
pub mod webhooks;

/// An RFC 3339 date-time of Unix milliseconds (empty if out of range).
pub fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(ms as i128 * 1_000_000)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn milliseconds_read_as_utc_date_times() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::rfc3339(1_796_170_500_123), "2026-12-02T00:15:00.123Z");
    }
}
