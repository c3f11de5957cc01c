//! The CloudEvent envelope Dapr delivers to topic subscribers.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// A pub/sub event as Dapr delivers it: the CloudEvents 1.0 envelope and its `data`.
///
/// A `#[dapr_topic_trigger]` parameter of type `CloudEvent<T>` receives the whole
/// envelope; a parameter of any other type receives only `data`.
///
/// ```
/// use dapr_fn_runtime::prelude::*;
///
/// #[dapr_topic_trigger(pub_sub_name = "messagebus", topic = "orders")]
/// async fn on_order(event: CloudEvent<serde_json::Value>) {
///     tracing::info!("event {} from {}: {}", event.id, event.source, event.data);
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent<T> {
    /// Event id.
    #[serde(default)]
    pub id: String,
    /// Who sent it (the publishing app id for Dapr).
    #[serde(default)]
    pub source: String,
    /// Event type, e.g. `com.dapr.event.sent`.
    #[serde(rename = "type", default)]
    pub event_type: String,
    /// CloudEvents version, `1.0`.
    #[serde(default)]
    pub specversion: String,
    /// Media type of `data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datacontenttype: Option<String>,
    /// The topic it was published to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// The pub/sub component it came through.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pubsubname: Option<String>,
    /// W3C trace parent, when tracing is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// Time of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Subject of the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// The payload.
    pub data: T,
    /// Every other envelope field (`traceid`, `tracestate`, extensions...).
    #[serde(flatten)]
    pub extensions: serde_json::Map<String, serde_json::Value>,
}

/// Deserializes an envelope's `data` as `T`: a string `data` goes through the payload
/// rules (so `String` gets the text, and JSON text parses into typed values).
pub(crate) fn data_of<T: DeserializeOwned>(envelope: &mut serde_json::Value) -> Result<T, serde_json::Error> {
    match envelope.get_mut("data").map(serde_json::Value::take) {
        Some(serde_json::Value::String(text)) => {
            crate::payload::from_payload(&crate::payload::HostValue::Text(std::borrow::Cow::Owned(text)))
        }
        Some(other) => serde_json::from_value(other),
        None => T::deserialize(serde_json::Value::Null),
    }
}
