//! Media served with HTTP range requests: a phone's video player asks for ranges and seeks with
//! them.

use crate::http::problem::Problem;
use crate::services::media::Media;
use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Serves an object: the whole of it, or the one range asked for (206 with Content-Range;
/// 416 for a range outside it). Several ranges at once get the whole object, as RFC 9110
/// allows.
pub async fn serve(media: &Media, key: &str, mime: &str, size: u64, headers: &HeaderMap, etag: &str) -> Response {
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let fresh = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v == etag);
    let wanted = match range
        .filter(|_| fresh)
        .map(|r| http_range_header::parse_range_header(r).and_then(|p| p.validate(size)))
    {
        None => None,
        Some(Ok(rs)) if rs.len() == 1 => Some(rs[0].clone()),
        Some(Ok(_)) => None,
        Some(Err(_)) => {
            let mut r = Problem::new(
                StatusCode::RANGE_NOT_SATISFIABLE,
                "range",
                "Range not satisfiable",
                format!("the range {:?} is outside this {size}-byte file", range.unwrap_or_default()),
            )
            .at("header:range", "outside the file")
            .into_response();
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{size}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return r;
        }
    };
    let got = match media.open(key, wanted.clone()).await {
        Ok(g) => g,
        Err(object_store::Error::NotFound { .. }) => {
            return Problem::not_found("this item's media are gone").into_response()
        }
        Err(e) => return Problem::internal(e).into_response(),
    };
    let stream = got.into_stream();
    let mut r = Response::new(Body::from_stream(stream));
    let h = r.headers_mut();
    let set = |h: &mut HeaderMap, k: header::HeaderName, v: String| {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    };
    set(h, header::CONTENT_TYPE, mime.to_string());
    set(h, header::ACCEPT_RANGES, "bytes".into());
    set(h, header::ETAG, etag.to_string());
    set(h, header::CACHE_CONTROL, "private, max-age=3600".into());
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    match wanted {
        Some(rg) => {
            *r.status_mut() = StatusCode::PARTIAL_CONTENT;
            set(r.headers_mut(), header::CONTENT_RANGE, format!("bytes {}-{}/{size}", rg.start(), rg.end()));
            set(r.headers_mut(), header::CONTENT_LENGTH, (rg.end() - rg.start() + 1).to_string());
        }
        None => set(r.headers_mut(), header::CONTENT_LENGTH, size.to_string()),
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::media::MediaError;
    use bytes::Bytes;

    #[tokio::test]
    async fn a_stored_file_is_served_by_range_and_an_upload_past_its_limit_is_413() {
        assert_eq!(Problem::from(MediaError::TooLarge(5000)).status, 413);
        let dir = tempfile::tempdir().unwrap();
        let m = Media::local(dir.path()).unwrap();
        let chunks = (0..4).map(|i| Ok::<_, std::io::Error>(Bytes::from(vec![i as u8; 1000])));
        let n = m
            .put_stream("vault/x/ok", Bytes::from_static(b"head"), futures_util::stream::iter(chunks), 5000, None)
            .await
            .unwrap();
        let mut h = HeaderMap::new();
        h.insert(header::RANGE, HeaderValue::from_static("bytes=4-1003"));
        let r = serve(&m, "vault/x/ok", "video/webm", n, &h, "\"e\"").await;
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
        let b = axum::body::to_bytes(r.into_body(), 10_000).await.unwrap();
        assert_eq!(&b[..], &[0u8; 1000][..]);
        // A stale If-Range gets the whole file.
        h.insert(header::IF_RANGE, HeaderValue::from_static("\"old\""));
        assert_eq!(serve(&m, "vault/x/ok", "video/webm", n, &h, "\"e\"").await.status(), StatusCode::OK);
        // A range outside the file is 416 with the file's size.
        h.remove(header::IF_RANGE);
        h.insert(header::RANGE, HeaderValue::from_static("bytes=9000-9100"));
        let r = serve(&m, "vault/x/ok", "video/webm", n, &h, "\"e\"").await;
        assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
        assert_eq!(r.headers()[header::CONTENT_RANGE], "bytes */4004");
    }
}
