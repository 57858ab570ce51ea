//! The CloudEvents HTTP binding as Azure Web PubSub uses it for upstream event handlers:
//! binary content mode (attributes in `ce-*` headers, the data as the body), Web PubSub's
//! extension attributes and the `ce-signature` HMAC
//! (<https://learn.microsoft.com/azure/azure-web-pubsub/reference-cloud-events>, and the
//! CloudEvents HTTP binding <https://github.com/cloudevents/spec/blob/v1.0.1/http-protocol-binding.md>).

use crate::names::HubName;
use hmac::{Hmac, Mac};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use sha2::Sha256;
use std::time::{SystemTime, UNIX_EPOCH};

/// Who an event is about.
#[derive(Debug, Clone)]
pub(crate) struct Identity {
    pub(crate) hub: HubName,
    pub(crate) connection_id: String,
    pub(crate) user_id: Option<String>,
    /// The subprotocol name the connection uses, if any.
    pub(crate) subprotocol: Option<String>,
}

/// The `ce-*` headers of one event. `ce_type` is e.g. `azure.webpubsub.sys.connect` or
/// `azure.webpubsub.user.message`; `state` is the connection state to carry
/// (`ce-connectionState`), when there is one.
pub(crate) fn headers(
    who: &Identity,
    ce_type: &str,
    event: &str,
    id: &str,
    state: Option<&str>,
    keys: &[&str],
    origin: &str,
) -> HeaderMap {
    let mut h = HeaderMap::new();
    let mut put = |name: &'static str, value: &str| {
        // Values come from validated names and ids (no control characters); non-ASCII user
        // ids go as their UTF-8 bytes. One that still is not a valid header value is left out
        // rather than failing the delivery.
        if let Ok(v) = HeaderValue::from_bytes(value.as_bytes()) {
            h.insert(HeaderName::from_static(name), v);
        }
    };
    put("webhook-request-origin", origin);
    put("ce-specversion", "1.0");
    put("ce-type", ce_type);
    put(
        "ce-source",
        &format!("/hubs/{}/client/{}", who.hub, who.connection_id),
    );
    put("ce-id", id);
    put("ce-time", &rfc3339(SystemTime::now()));
    put("ce-awpsversion", "1.0");
    put("ce-hub", who.hub.as_str());
    put("ce-connectionid", &who.connection_id);
    if let Some(user) = &who.user_id {
        put("ce-userid", user);
    }
    put("ce-eventname", event);
    if let Some(sub) = &who.subprotocol {
        put("ce-subprotocol", sub);
    }
    if let Some(state) = state {
        put("ce-connectionstate", state);
    }
    put("ce-signature", &signature(&who.connection_id, keys));
    h
}

/// `sha256=<hex>` per access key, comma-separated: Hex(HMAC-SHA256(key, connectionId)).
pub(crate) fn signature(connection_id: &str, keys: &[&str]) -> String {
    keys.iter()
        .filter_map(|key| {
            let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).ok()?;
            mac.update(connection_id.as_bytes());
            let hex: String = mac
                .finalize()
                .into_bytes()
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            Some(format!("sha256={hex}"))
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `YYYY-MM-DDTHH:MM:SSZ`. Hand-written (days-to-civil conversion) rather than adding a date
/// crate for one timestamp format.
pub(crate) fn rfc3339(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil_from_days, for days since 1970-01-01 (never negative here).
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_rfc3339_utc() {
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        let leap = UNIX_EPOCH + Duration::from_secs(951_827_696);
        assert_eq!(rfc3339(leap), "2000-02-29T12:34:56Z");
    }

    #[test]
    fn the_signature_is_hex_hmac_sha256_of_the_connection_id_per_key() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published vector.
        let s = signature(
            "The quick brown fox jumps over the lazy dog",
            &["key", "key"],
        );
        let one = "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8";
        assert_eq!(s, format!("{one},{one}"));
    }
}
