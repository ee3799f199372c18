//! RFC 9457 problem details: every error the API returns, with the JSON pointer of the field at
//! fault and the rule it broke; and [`Json`], the body extractor that produces them.

use axum::extract::{FromRequest, Request};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
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

impl From<orfevre_store::StoreError> for Problem {
    fn from(e: orfevre_store::StoreError) -> Problem {
        match e {
            orfevre_store::StoreError::Conflict(m) => Problem::conflict(m),
            other => Problem::internal(other),
        }
    }
}

pub type ApiResult<T> = Result<T, Problem>;

/// The request body's bytes, after checking its media type and size.
pub async fn body_bytes(req: Request, limit: usize, media: &[&str]) -> ApiResult<axum::body::Bytes> {
    let ct = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !media.iter().any(|m| *m == essence) {
        return Err(Problem::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported-media-type",
            "Unsupported media type",
            format!(
                "the body must be {}; got {}",
                media.join(" or "),
                if ct.is_empty() { "no Content-Type".to_string() } else { ct.to_string() }
            ),
        )
        .at("header:content-type", format!("expected {}", media.join(" or "))));
    }
    axum::body::to_bytes(req.into_body(), limit).await.map_err(|_| too_large(limit))
}

pub fn too_large(limit: usize) -> Problem {
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload-too-large",
        "Payload too large",
        format!("the request body exceeds the limit of {limit} bytes"),
    )
}

/// Parses JSON, naming the pointer of the first field at fault.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let v: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let pointer = orfevre_engine::design::pointer_of(e.path());
        let inner = e.into_inner();
        let syntax = inner.is_syntax() || inner.is_eof();
        let msg = inner.to_string();
        if syntax {
            Problem::bad_request("malformed-json", format!("the body is not valid JSON: {msg}")).at(pointer, msg)
        } else {
            let msg = msg.rsplit_once(" at line ").map(|(m, _)| m.to_string()).unwrap_or(msg);
            Problem::invalid("validation", format!("{}: {msg}", if pointer.is_empty() { "(body)" } else { &pointer }))
                .at(pointer, msg)
        }
    })?;
    de.end().map_err(|e| Problem::bad_request("malformed-json", format!("trailing data after the JSON value: {e}")))?;
    Ok(v)
}

/// Default body limit for JSON requests.
pub const JSON_LIMIT: usize = 256 * 1024;

/// A JSON body (`application/json`, at most [`JSON_LIMIT`] bytes, unknown fields rejected by the
/// target types), or a problem naming the field at fault.
pub struct Json<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Json<T> {
    type Rejection = Problem;
    async fn from_request(req: Request, _: &S) -> ApiResult<Self> {
        let bytes = body_bytes(req, JSON_LIMIT, &["application/json"]).await?;
        parse_json(&bytes).map(Json)
    }
}
