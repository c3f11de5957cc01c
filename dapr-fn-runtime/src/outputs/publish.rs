//! `DaprPublish<T>`: the collector behind `#[dapr_publish]` output parameters.

use std::marker::PhantomData;

use serde::Serialize;

use super::{Field, OutputHandle};
use crate::invocation::Invocation;
use crate::registry::OutputDef;

/// Publishes events through the extension: each call adds one record `{"payload": ...}`
/// (plus `pubsubname`/`topic` when given per event) to the function's `daprPublish`
/// output (dapr-extension §2.4). The extension publishes all of them in parallel after
/// the function succeeds, so their order is not guaranteed; Dapr wraps each payload in a
/// CloudEvent.
///
/// ```
/// use dapr_fn_runtime::DaprPublish;
///
/// let publish = DaprPublish::<String>::new();
/// publish.publish("order created");
/// publish.publish_to("messagebus", "audit", "order audited");
/// assert_eq!(publish.records()[1], serde_json::json!({"pubsubname": "messagebus", "topic": "audit", "payload": "order audited"}));
/// ```
pub struct DaprPublish<T> {
    out: OutputHandle,
    _payload: PhantomData<fn(T)>,
}

static DETACHED: OutputDef = OutputDef { name: "publish", binding_type: "daprPublish", properties: &["pubsubname", "topic"] };

/// The extension's error for an event without a payload (it names `json` by mistake).
const PAYLOAD_REQUIRED: &str = "A 'json' parameter is required for outbound pub/sub operations.";

impl<T: Serialize> DaprPublish<T> {
    /// A collector not attached to an invocation, for calling functions in tests.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        DaprPublish { out: OutputHandle::detached(&DETACHED), _payload: PhantomData }
    }

    pub(crate) fn bind(inv: &Invocation, slot: usize) -> Self {
        DaprPublish { out: OutputHandle::bind(inv, slot), _payload: PhantomData }
    }

    /// Publishes `payload` to the binding's pub/sub component and topic.
    pub fn publish(&self, payload: impl Into<T>) {
        let missing = [
            (
                "pubsubname",
                "No pub/sub name was found. Make sure it is configured either in the binding properties or in the data payload.",
            ),
            (
                "topic",
                "No topic information was found. Make sure it is configured either in the binding properties or in the data payload.",
            ),
        ]
        .into_iter()
        .find(|(key, _)| !self.out.binding_has(key));
        match missing {
            Some((key, message)) => self.out.fail(format!("{message} (`{}` has no `{key}`: use `.publish_to(...)`)", self.out.name())),
            None => self.out.push(&[], "payload", &payload.into(), PAYLOAD_REQUIRED),
        }
    }

    /// Publishes `payload` to `topic` of the pub/sub component `pubsub_name`, whatever the
    /// binding says.
    pub fn publish_to(&self, pubsub_name: &str, topic: &str, payload: impl Into<T>) {
        self.out.push(
            &[("pubsubname", Field::Text(pubsub_name)), ("topic", Field::Text(topic))],
            "payload",
            &payload.into(),
            PAYLOAD_REQUIRED,
        );
    }

    /// The records collected so far.
    pub fn records(&self) -> Vec<serde_json::Value> {
        self.out.records()
    }
}

impl<T> Clone for DaprPublish<T> {
    fn clone(&self) -> Self {
        DaprPublish { out: self.out.clone(), _payload: PhantomData }
    }
}

impl<T> std::fmt::Debug for DaprPublish<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.out.fmt(f)
    }
}
