//! RFC 9457 problem details: every error the API returns, with the JSON pointer of the field at
//! fault and the rule it broke — and, in one place, how each service's error becomes one.

use crate::services::accounts::AccountError;
use crate::services::catalogs::CatalogError;
use crate::services::designs::{CurrencyError, DesignError};
use crate::services::engraving::EngravingError;
use crate::services::making::MakingError;
use crate::services::media::{MediaError, PhotoError};
use crate::services::model::ModelError;
use crate::services::orders::OrderError;
use crate::services::pieces::PieceError;
use crate::services::production::ProductionError;
use crate::services::quotes::{QuoteError, QuotingError};
use crate::services::vault::VaultError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use orfevre_catalog::Severity;
use orfevre_commerce::TransitionError;
use orfevre_production::JobError;
use orfevre_store::StoreError;
use serde::Serialize;

/// One field at fault.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// RFC 6901 JSON pointer into the request body (`""` for the whole body), or `header:NAME` /
    /// `query:NAME` for a header or query parameter.
    pub pointer: String,
    /// What is wrong, in plain words.
    pub detail: String,
}

/// An RFC 9457 problem document (`application/problem+json`).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// `urn:orfevre:problem:<slug>`: a stable identifier of the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// Extension members (e.g. `violations`, `diagnostics`, `order_id`).
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: &str, detail: impl Into<String>) -> Problem {
        Problem {
            kind: format!("urn:orfevre:problem:{slug}"),
            title: title.to_string(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            extra: serde_json::Map::new(),
        }
    }
    pub fn at(mut self, pointer: impl Into<String>, detail: impl Into<String>) -> Problem {
        self.errors.push(FieldError { pointer: pointer.into(), detail: detail.into() });
        self
    }
    pub fn with(mut self, key: &str, value: impl Serialize) -> Problem {
        self.extra.insert(key.to_string(), serde_json::to_value(value).unwrap_or_default());
        self
    }

    pub fn bad_request(slug: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::BAD_REQUEST, slug, "Bad request", detail)
    }
    /// A well-formed request that breaks a rule (422).
    pub fn invalid(slug: &str, detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, slug, "Unprocessable request", detail)
    }
    pub fn unauthorized() -> Problem {
        Problem::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "Sign-in required",
            "this needs a session or an API token",
        )
    }
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, "forbidden", "Forbidden", detail)
    }
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, "not-found", "Not found", detail)
    }
    pub fn conflict(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::CONFLICT, "conflict", "Conflict", detail)
    }
    pub fn internal(detail: impl std::fmt::Display) -> Problem {
        tracing::error!(error = %detail, "internal error");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "Internal error", "the server failed; see its log")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut r = (status, body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        r
    }
}

pub type ApiResult<T> = Result<T, Problem>;

pub fn too_large(limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        format!("the request body exceeds the limit of {limit} bytes"),
    )
}

/// A field that breaks a rule: 422 `validation`, the detail prefixed with the pointer.
pub fn field(pointer: &str, why: impl Into<String>) -> Problem {
    let why = why.into();
    Problem::invalid("validation", format!("{pointer}: {why}")).at(pointer, why)
}

/// A currency refused where it was given (`query:currency`, `/currency`).
pub fn currency(e: CurrencyError, pointer: &str) -> Problem {
    Problem::bad_request("currency", e.0.clone()).at(pointer, e.0)
}

/// A quote token refused where it was given.
pub fn quote(e: QuoteError, pointer: &str) -> Problem {
    let slug = match e {
        QuoteError::Expired => "quote-expired",
        _ => "invalid-quote",
    };
    Problem::invalid(slug, e.to_string()).at(pointer, e.to_string())
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match e {
            StoreError::NotFound(m) => Problem::not_found(m),
            StoreError::Unique(m) | StoreError::Stale(m) => Problem::conflict(m),
            other @ (StoreError::Corrupt(_) | StoreError::Config(_) | StoreError::Db(_)) => Problem::internal(other),
        }
    }
}

impl From<CatalogError> for Problem {
    fn from(e: CatalogError) -> Problem {
        let msg = e.to_string();
        match e {
            CatalogError::Encoding(p) => {
                Problem::invalid("catalog-encoding", msg).at(format!("/files/{p}"), "not UTF-8")
            }
            CatalogError::Errors { diagnostics, .. } => {
                let mut p = Problem::invalid("catalog-errors", msg).with("diagnostics", &diagnostics);
                for d in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
                    p = p.at(format!("/files/{}", d.loc.file), format!("{}: error[{}]: {}", d.loc, d.code, d.message));
                }
                p
            }
            CatalogError::TooManyFiles | CatalogError::TooLarge => Problem::invalid("catalog-too-large", msg),
            CatalogError::UnsafePath(p) => {
                Problem::invalid("catalog-path", msg).at(format!("/files/{p}"), "paths must be relative, without ..")
            }
            CatalogError::Empty => Problem::invalid("catalog-empty", msg).at("", "no catalog files"),
            CatalogError::Archive(_) => Problem::new(StatusCode::BAD_REQUEST, "malformed-archive", "Bad request", msg),
            CatalogError::UnknownVersion(_) => Problem::not_found(msg),
            CatalogError::Broken(_) => Problem::internal(msg),
            CatalogError::Store(e) => e.into(),
        }
    }
}

impl From<DesignError> for Problem {
    fn from(e: DesignError) -> Problem {
        match e {
            DesignError::Shape(err) => Problem::invalid("invalid-design", err.to_string()).at(err.pointer, err.message),
            DesignError::UnknownCatalog(_) => {
                Problem::invalid("unknown-catalog", e.to_string()).at("/catalog/version", "unknown catalog version")
            }
            DesignError::Catalog(e) => e.into(),
        }
    }
}

impl From<EngravingError> for Problem {
    fn from(e: EngravingError) -> Problem {
        let msg = e.to_string();
        match e {
            EngravingError::NoBase(_) => Problem::not_found(msg),
            EngravingError::NotEngravingField { .. } => {
                Problem::invalid("validation", msg).at("/field", "not an engraving field of this base")
            }
            EngravingError::TooLong { max, got } => {
                Problem::invalid("validation", msg).at("/text", format!("at most {max} characters (got {got})"))
            }
            EngravingError::UnknownFont(ids) => {
                Problem::invalid("validation", msg).at("/font", format!("one of {}", ids.join(", ")))
            }
            EngravingError::CannotEngrave(why) => Problem::invalid("cannot-engrave", msg).at("/text", why),
            EngravingError::InField { field, why } => {
                Problem::invalid("cannot-engrave", msg).at("/design", why).with("field", field)
            }
            EngravingError::Setup(_) => Problem::internal(msg),
        }
    }
}

impl From<AccountError> for Problem {
    fn from(e: AccountError) -> Problem {
        match &e {
            AccountError::Email(why) => field("/email", why.clone()),
            AccountError::PasswordLength(_) => field("/password", e.to_string()),
        }
    }
}

impl From<MediaError> for Problem {
    fn from(e: MediaError) -> Problem {
        match e {
            MediaError::Store(e) => Problem::internal(e),
            MediaError::Unreadable(m) => Problem::invalid("unreadable-media", m.clone()).at("", m),
            MediaError::BrokeOff(_) => Problem::bad_request("body", e.to_string()),
            MediaError::TooLarge(n) => too_large(n as usize),
        }
    }
}

impl From<PhotoError> for Problem {
    fn from(e: PhotoError) -> Problem {
        match e {
            PhotoError::TooManyPixels { .. } => {
                Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "too-many-pixels", "Payload too large", e.to_string())
                    .at("", e.to_string())
            }
            PhotoError::Unreadable(_) => Problem::invalid("unreadable-media", e.to_string()).at("", e.to_string()),
        }
    }
}

impl From<MakingError> for Problem {
    fn from(e: MakingError) -> Problem {
        let msg = e.to_string();
        match e {
            MakingError::NoOrder(_) | MakingError::NoPiece(_) => Problem::not_found(msg),
            MakingError::NotInProduction { .. } | MakingError::Revoked(_) | MakingError::KeptChanging(_) => {
                Problem::conflict(msg)
            }
            MakingError::CannotAlter { pointer, reasons, repair, .. } => {
                let mut p = Problem::invalid("cannot-alter", msg);
                for why in reasons {
                    p = p.at(format!("/alteration{pointer}"), why);
                }
                match repair {
                    Some(r) => p.with("repair", r),
                    None => p,
                }
            }
            MakingError::Broken(_) => Problem::internal(msg),
            MakingError::Catalog(e) => e.into(),
            MakingError::Store(e) => e.into(),
        }
    }
}

impl From<ProductionError> for Problem {
    fn from(e: ProductionError) -> Problem {
        let msg = e.to_string();
        match e {
            ProductionError::NoOrder(_) => Problem::not_found(msg),
            ProductionError::NotPaid { status, .. } => Problem::conflict(msg).with("status", status.to_string()),
            ProductionError::CatalogGone { .. } => Problem::conflict(msg),
            ProductionError::NoBed { pointer, why } => Problem::invalid("validation", msg).at(pointer, why),
            ProductionError::Job(JobError::Fidelity { check, why }) => {
                tracing::error!(check, why, "a job failed a fidelity check");
                Problem::new(StatusCode::INTERNAL_SERVER_ERROR, "job-failed-check", "Job refused", msg)
                    .with("check", check)
            }
            ProductionError::Job(j) => Problem::invalid("job-cannot-be-made", msg).with("reason", job_reason(&j)),
            ProductionError::Broken(_) => Problem::internal(msg),
            ProductionError::Catalog(e) => e.into(),
            ProductionError::Store(e) => e.into(),
        }
    }
}

/// A job refusal's kind, for integrations that act on it.
fn job_reason(j: &JobError) -> &'static str {
    match j {
        JobError::Invalid(_) => "invalid-design",
        JobError::CatalogVersion { .. } => "catalog-version",
        JobError::NoMachine { .. } => "no-machine",
        JobError::Font { .. } => "font",
        JobError::Engraving { .. } => "engraving",
        JobError::Model(_) => "model",
        JobError::Fidelity { .. } => "fidelity",
        JobError::TooLarge(_) => "too-large",
        JobError::Plate(_) => "plate",
    }
}

impl From<QuotingError> for Problem {
    fn from(e: QuotingError) -> Problem {
        let msg = e.to_string();
        match e {
            QuotingError::NoDesign(_) => Problem::not_found(msg).at("/design", "save the design first"),
            QuotingError::StaleCatalog { .. } => {
                Problem::invalid("stale-catalog", msg).at("/design", "re-make the design on the published catalog")
            }
            QuotingError::Currency(c) => currency(c, "/currency"),
            QuotingError::Invalid(violations) => Problem::invalid("invalid-design", msg)
                .at("/design", violations.first().map(|v| v.message.clone()).unwrap_or_default())
                .with("violations", &violations),
            QuotingError::Engraving(e) => e.into(),
            QuotingError::Broken(_) => Problem::internal(msg),
            QuotingError::Catalog(e) => e.into(),
            QuotingError::Store(e) => e.into(),
        }
    }
}

impl From<OrderError> for Problem {
    fn from(e: OrderError) -> Problem {
        let msg = e.to_string();
        match e {
            OrderError::Quote(q) => quote(q, "/quote"),
            OrderError::CustomerField { field: f, max } => {
                field(&format!("/customer/{f}"), format!("at most {max} characters"))
            }
            OrderError::KeyReused(order) => Problem::invalid("idempotency-key-reused", msg)
                .at("header:idempotency-key", "already used with another body")
                .with("order_id", order),
            OrderError::QuoteUsed(order) => {
                Problem::conflict(msg).at("/quote", "one order per quote").with("order_id", order)
            }
            OrderError::Store(e) => e.into(),
        }
    }
}

impl From<VaultError> for Problem {
    fn from(e: VaultError) -> Problem {
        let msg = e.to_string();
        match e {
            VaultError::UnsupportedType(_) => Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                msg,
            )
            .at("header:content-type", format!("one of {}", crate::services::media::accepted())),
            VaultError::DeclaredTooLarge(kind) => too_large(kind.max_bytes() as usize)
                .at("header:content-length", format!("a {} is at most {} bytes", kind.as_str(), kind.max_bytes())),
            VaultError::Name => {
                let why = msg.trim_start_matches("name: ").to_string();
                Problem::invalid("validation", msg).at("query:name", why)
            }
            VaultError::Full(kind) => Problem::conflict(msg).with("limit", kind.max_items()),
            VaultError::Mismatch(_) => {
                Problem::invalid("media-mismatch", msg).at("header:content-type", "does not match the file's content")
            }
            VaultError::Media(e) => e.into(),
            VaultError::Photo(e) => e.into(),
            VaultError::Broken(_) => Problem::internal(msg),
            VaultError::Store(e) => e.into(),
        }
    }
}

impl From<PieceError> for Problem {
    fn from(e: PieceError) -> Problem {
        let msg = e.to_string();
        match e {
            PieceError::NoPiece(_) | PieceError::UnknownTag(_) => Problem::not_found(msg),
            PieceError::NotATap(why) => Problem::bad_request("tap", msg).at("query:", why),
            PieceError::Forged(_) => Problem::forbidden(msg).at("query:", "not a genuine tap"),
            PieceError::NotTapped => Problem::forbidden(msg),
            PieceError::WrongPin { .. } => Problem::forbidden(msg).at("/pin", "wrong PIN"),
            PieceError::Keys(_) => Problem::internal(msg),
            PieceError::Store(e) => e.into(),
        }
    }
}

impl From<ModelError> for Problem {
    fn from(e: ModelError) -> Problem {
        match e {
            ModelError::NoModel(m) => Problem::invalid("no-model", m),
            ModelError::Broken(m) => Problem::internal(m),
        }
    }
}

impl From<TransitionError> for Problem {
    fn from(e: TransitionError) -> Problem {
        match e {
            TransitionError::Forbidden(why) => Problem::forbidden(why),
            TransitionError::NotNext { from, .. } => {
                let next: Vec<&str> = from.next().iter().map(|s| s.as_str()).collect();
                Problem::conflict(e.to_string())
                    .at("/status", format!("allowed next: {}", next.join(", ")))
                    .with("next_statuses", next)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use orfevre_commerce::OrderStatus;

    #[test]
    fn a_lost_compare_and_set_is_a_conflict_and_corrupt_data_never_reaches_the_caller() {
        let p = Problem::from(StoreError::Stale("the order changed meanwhile; read it again".into()));
        assert_eq!((p.status, p.detail.as_str()), (409, "the order changed meanwhile; read it again"));
        let p = Problem::from(StoreError::Corrupt("users.role: \"x\" is not a role".into()));
        assert_eq!((p.status, p.detail.as_str()), (500, "the server failed; see its log"));
        let p = Problem::from(StoreError::Config("postgres is down".into()));
        assert!(!p.detail.contains("postgres"), "{}", p.detail);
    }

    #[test]
    fn a_move_that_does_not_exist_lists_the_moves_that_do() {
        let p = Problem::from(TransitionError::NotNext { from: OrderStatus::Placed, to: OrderStatus::Delivered });
        assert_eq!(p.status, 409);
        assert_eq!(p.detail, "an order that is placed cannot become delivered");
        assert_eq!(p.errors[0].pointer, "/status");
        assert_eq!(p.errors[0].detail, "allowed next: in_production, on_hold, cancelled");
        assert_eq!(p.extra["next_statuses"], serde_json::json!(["in_production", "on_hold", "cancelled"]));
    }

    #[test]
    fn a_catalog_with_errors_points_at_each_file_with_its_line_and_column() {
        let mut set = orfevre_catalog::SourceSet::new();
        set.insert("brand.toml", "[brand]\nid = 3\n");
        let e = crate::services::catalogs::check(&set).err().expect("a broken catalog");
        let p = Problem::from(e);
        assert_eq!(p.status, 422);
        assert!(p.kind.ends_with("catalog-errors"));
        assert!(p.errors.iter().all(|f| f.pointer == "/files/brand.toml"), "{:?}", p.errors);
        assert!(p.errors[0].detail.starts_with("brand.toml:"), "{:?}", p.errors[0]);
    }
}
