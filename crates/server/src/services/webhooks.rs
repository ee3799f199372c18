//! Outgoing webhooks after the Standard Webhooks convention: each delivery carries
//! `webhook-id`, `webhook-timestamp` and `webhook-signature: v1,<base64 HMAC-SHA256 of
//! "{id}.{timestamp}.{body}">` keyed by the endpoint's `whsec_…` secret.
//!
//! Deliveries are rows of an outbox written in the same transaction as the change they report;
//! every server runs a worker that leases due rows (one server per row), posts them, and on
//! failure retries with exponential backoff until the attempts run out.

use crate::state::AppState;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use std::sync::Arc;
use std::time::Duration;

/// A new endpoint secret: `whsec_` + base64 of 24 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 24];
    rand::rngs::OsRng.fill_bytes(&mut key);
    format!("whsec_{}", B64.encode(key))
}

/// The `webhook-signature` header value for a message.
pub fn signature(secret: &str, id: &str, timestamp: i64, body: &str) -> String {
    let key =
        B64.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).unwrap_or_else(|_| secret.as_bytes().to_vec());
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&key).expect("HMAC takes any key length");
    m.update(format!("{id}.{timestamp}.{body}").as_bytes());
    format!("v1,{}", B64.encode(m.finalize().into_bytes()))
}

/// When to try again after `attempts` failed attempts: `base × 2^(attempts-1)`, at most an hour.
pub fn backoff(base: Duration, attempts: u32) -> Duration {
    let factor = 1u32.checked_shl(attempts.saturating_sub(1).min(20)).unwrap_or(u32::MAX);
    base.saturating_mul(factor).min(Duration::from_secs(3600))
}

/// Runs until the process ends: every `tick`, delivers what is due.
pub async fn worker(state: Arc<AppState>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(10)).build() {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = %e, "webhook worker cannot start");
            return;
        }
    };
    loop {
        match state.store.claim_deliveries(20, Duration::from_secs(60)).await {
            Ok(batch) => {
                for d in batch {
                    let ts = orfevre_store::now_ms() / 1000;
                    let sig = signature(&d.secret, &d.id, ts, &d.payload);
                    let sent = client
                        .post(&d.url)
                        .header("content-type", "application/json")
                        .header("webhook-id", &d.id)
                        .header("webhook-timestamp", ts.to_string())
                        .header("webhook-signature", sig)
                        .body(d.payload.clone())
                        .send()
                        .await;
                    let outcome = match sent {
                        Ok(r) if r.status().is_success() => Ok(()),
                        Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
                        Err(e) => Err(e.to_string()),
                    };
                    let attempts = d.attempts as u32 + 1;
                    let recorded = match outcome {
                        Ok(()) => {
                            metrics::counter!("orfevre_webhook_deliveries_total", "outcome" => "delivered")
                                .increment(1);
                            state.store.delivered(&d.id).await
                        }
                        Err(err) => {
                            let retry = (attempts < state.config.webhook_max_attempts).then(|| {
                                orfevre_store::now_ms()
                                    + backoff(state.config.webhook_retry_base, attempts).as_millis() as i64
                            });
                            let outcome = if retry.is_some() { "retry" } else { "failed" };
                            metrics::counter!("orfevre_webhook_deliveries_total", "outcome" => outcome).increment(1);
                            tracing::warn!(delivery = %d.id, url = %d.url, attempts, error = %err, "webhook delivery failed");
                            state.store.delivery_failed(&d.id, &err, retry).await
                        }
                    };
                    if let Err(e) = recorded {
                        tracing::error!(error = %e, "cannot record a webhook delivery");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "webhook worker: cannot read the outbox"),
        }
        tokio::select! {
            _ = tokio::time::sleep(state.config.webhook_tick) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standard_webhooks_signature() {
        // The example of the Standard Webhooks specification (webhooks.md, "Signature scheme").
        let sig = signature(
            "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            r#"{"test": 2432232314}"#,
        );
        assert_eq!(sig, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let b = Duration::from_secs(1);
        assert_eq!(backoff(b, 1), Duration::from_secs(1));
        assert_eq!(backoff(b, 2), Duration::from_secs(2));
        assert_eq!(backoff(b, 5), Duration::from_secs(16));
        assert_eq!(backoff(b, 40), Duration::from_secs(3600));
    }
}
