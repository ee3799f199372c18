//! Extractors: each reads one part of a request into a checked value, or answers a problem that
//! names the part at fault (`/pointer` in a JSON body, `query:NAME`, `header:NAME`, `path:NAME`).

use crate::http::problem::{too_large, ApiResult, FieldError, Problem};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use orfevre_engine::Design;
use serde::de::DeserializeOwned;

/// Default body limit for JSON requests.
pub const JSON_LIMIT: usize = 256 * 1024;

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

/// A query string, or a 400 problem at `query:`.
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> ApiResult<Self> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(q)) => Ok(Query(q)),
            Err(e) => {
                let msg = e.body_text();
                Err(Problem::bad_request("query", format!("bad query string: {msg}")).at("query:", msg))
            }
        }
    }
}

/// Parses a design document; a JSON syntax error is 400, a shape error 422, both with the
/// pointer.
pub fn parse_design(bytes: &[u8]) -> ApiResult<Design> {
    Design::from_json(bytes).map_err(|e| {
        if bytes.len() > orfevre_engine::design::MAX_DESIGN_BYTES {
            return too_large(orfevre_engine::design::MAX_DESIGN_BYTES);
        }
        if serde_json::from_slice::<serde::de::IgnoredAny>(bytes).is_err() {
            Problem::bad_request("malformed-json", format!("the body is not valid JSON: {}", e.message))
                .at(e.pointer, e.message)
        } else {
            Problem::invalid("invalid-design", format!("{e}")).at(e.pointer, e.message)
        }
    })
}

/// A design document as the body (docs/design.md), at most `MAX_DESIGN_BYTES`.
pub struct DesignBody(pub Design);

impl<S: Send + Sync> FromRequest<S> for DesignBody {
    type Rejection = Problem;
    async fn from_request(req: Request, _: &S) -> ApiResult<Self> {
        let bytes = body_bytes(req, orfevre_engine::design::MAX_DESIGN_BYTES, &["application/json"]).await?;
        parse_design(&bytes).map(DesignBody)
    }
}

/// A design's content address: 64 lowercase hexadecimal digits.
pub fn check_hash(h: &str) -> ApiResult<()> {
    if h.len() == 64 && h.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        Ok(())
    } else {
        Err(Problem::bad_request("design-hash", "a design hash is 64 lowercase hexadecimal digits")
            .at("path:hash", "not a SHA-256 hex digest"))
    }
}

/// [`check_hash`] on a body's field: the problem points at `pointer`.
pub fn check_hash_at(h: &str, pointer: &str) -> ApiResult<()> {
    check_hash(h)
        .map_err(|p| Problem { errors: vec![FieldError { pointer: pointer.into(), detail: p.detail.clone() }], ..p })
}

/// The path's one parameter as a design hash (`/designs/{hash}`…), checked. A path that does not
/// decode gets axum's own answer, as with any other path parameter.
pub struct DesignHash(pub String);

impl<S: Send + Sync> FromRequestParts<S> for DesignHash {
    type Rejection = axum::response::Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::IntoResponse;
        let axum::extract::Path(hash) = axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        check_hash(&hash).map_err(IntoResponse::into_response)?;
        Ok(DesignHash(hash))
    }
}

/// The `Idempotency-Key` header: 1 to 255 visible ASCII characters.
pub struct IdempotencyKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = Problem;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> ApiResult<Self> {
        let Some(v) = parts.headers.get("idempotency-key") else {
            return Err(Problem::bad_request("idempotency-key", "creating an order needs an Idempotency-Key header")
                .at("header:idempotency-key", "missing"));
        };
        let k = v.to_str().unwrap_or("").trim().trim_matches('"');
        if k.is_empty() || k.len() > 255 || !k.bytes().all(|b| (0x21..0x7f).contains(&b)) {
            return Err(Problem::bad_request(
                "idempotency-key",
                "an Idempotency-Key is 1 to 255 visible ASCII characters",
            )
            .at("header:idempotency-key", "malformed"));
        }
        Ok(IdempotencyKey(k.to_string()))
    }
}

/// An NFC tag's UID: 7 bytes in hexadecimal, upper-cased; the problem points at `pointer`.
pub fn tag_uid(u: &str, pointer: &str) -> ApiResult<String> {
    let u = u.trim().to_ascii_uppercase();
    if u.len() == 14 && u.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(u)
    } else {
        Err(Problem::invalid("validation", format!("{pointer}: a tag UID is 7 bytes in hexadecimal (14 digits)"))
            .at(pointer, "14 hexadecimal digits"))
    }
}

/// The value of cookie `name` in the request's headers.
pub fn cookie(headers: &axum::http::HeaderMap, name: &str) -> Option<String> {
    headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).find_map(|h| {
        h.split(';').find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_design_hash_is_sixty_four_lowercase_hex_digits() {
        assert!(check_hash(&"a1".repeat(32)).is_ok());
        assert_eq!(check_hash(&"A1".repeat(32)).unwrap_err().errors[0].pointer, "path:hash");
        assert_eq!(check_hash_at("x", "/design").unwrap_err().errors[0].pointer, "/design");
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_by_its_pointer() {
        #[derive(serde::Deserialize, Debug)]
        #[allow(dead_code)]
        struct B {
            items: Vec<u32>,
        }
        let p = parse_json::<B>(br#"{"items": [1, "two"]}"#).unwrap_err();
        assert_eq!((p.status, p.errors[0].pointer.as_str()), (422, "/items/1"));
        let p = parse_json::<B>(br#"{"items": [1,"#).unwrap_err();
        assert_eq!(p.status, 400);
        let p = parse_json::<B>(br#"{"items": []} x"#).unwrap_err();
        assert!(p.detail.starts_with("trailing data"), "{}", p.detail);
    }

    #[test]
    fn a_tag_uid_is_upper_cased_and_seven_bytes() {
        assert_eq!(tag_uid(" 04a1b2c3d4e5f6 ", "/uid").unwrap(), "04A1B2C3D4E5F6");
        assert_eq!(tag_uid("04a1", "path:uid").unwrap_err().errors[0].pointer, "path:uid");
    }

    #[test]
    fn a_cookie_is_found_among_others_by_its_exact_name() {
        let mut h = axum::http::HeaderMap::new();
        h.insert(header::COOKIE, "a=1; orfevre_session=abc; orfevre_session_old=x".parse().unwrap());
        assert_eq!(cookie(&h, "orfevre_session").as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b"), None);
    }
}
