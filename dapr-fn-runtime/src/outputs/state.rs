//! `DaprState<T>`: the collector behind `#[dapr_state]` output parameters.

use std::marker::PhantomData;

use serde::Serialize;

use super::{Field, OutputHandle};
use crate::invocation::Invocation;
use crate::registry::OutputDef;

/// Saves state through the Dapr extension: each call adds one record
/// `{"key"?, "value"}` to the function's `daprState` output (dapr-extension §2.2).
///
/// The records are sent to the host only if the function succeeds; the extension then
/// saves them all with one call to the state store (in no particular order). An `etag`
/// cannot be given: the extension ignores it in records from non-.NET functions.
///
/// ```
/// use dapr_fn_runtime::DaprState;
///
/// // In an application the runtime creates the collector; in a test, make one.
/// let state = DaprState::<serde_json::Value>::new();
/// state.set(serde_json::json!({"orderId": 42}));
/// state.insert("order-43", serde_json::json!({"orderId": 43}));
/// let records = state.records();
/// assert_eq!(records[0].key, None);
/// assert_eq!(records[1].key.as_deref(), Some("order-43"));
/// ```
pub struct DaprState<T> {
    out: OutputHandle,
    _value: PhantomData<fn(T)>,
}

/// One record collected by [`DaprState`].
#[derive(Clone, Debug, PartialEq)]
pub struct StateRecord {
    /// The record's own key; `None` means the binding's `key` applies.
    pub key: Option<String>,
    /// The value to save.
    pub value: serde_json::Value,
}

static DETACHED: OutputDef = OutputDef { name: "state", binding_type: "daprState", properties: &["stateStore", "key"] };

impl<T: Serialize> DaprState<T> {
    /// A collector not attached to an invocation, for calling functions in tests; read
    /// what was saved with [`DaprState::records`].
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        DaprState { out: OutputHandle::detached(&DETACHED), _value: PhantomData }
    }

    pub(crate) fn bind(inv: &Invocation, slot: usize) -> Self {
        DaprState { out: OutputHandle::bind(inv, slot), _value: PhantomData }
    }

    /// Saves `value` under the binding's `key` (e.g. `key = "{key}"` from the route).
    ///
    /// The binding must have a `key`; without one use [`DaprState::insert`]. Otherwise,
    /// and if `value` serializes to `null` or fails to serialize, the invocation fails
    /// with the Dapr extension's error text.
    pub fn set(&self, value: impl Into<T>) {
        if !self.out.binding_has("key") {
            self.out.fail(format!(
                "No key information was found. Make sure it is configured either in the binding properties or in the data \\
                 payload. (`{}` has no `key`: use `.insert(key, value)` or give #[dapr_state] a `key`)",
                self.out.name()
            ));
            return;
        }
        self.out.push(&[], "value", &value.into(), VALUE_REQUIRED);
    }

    /// Saves `value` under `key`, which wins over the binding's `key`.
    pub fn insert(&self, key: impl Into<String>, value: impl Into<T>) {
        self.out.push(&[("key", Field::Text(&key.into()))], "value", &value.into(), VALUE_REQUIRED);
    }

    /// The records collected so far.
    pub fn records(&self) -> Vec<StateRecord> {
        self.out
            .records()
            .into_iter()
            .map(|mut v| StateRecord {
                key: v.get("key").and_then(|k| k.as_str()).map(str::to_string),
                value: v.get_mut("value").map(serde_json::Value::take).unwrap_or_default(),
            })
            .collect()
    }
}

/// The extension's error for a record without a value.
pub(crate) const VALUE_REQUIRED: &str = "A 'value' parameter is required for save-state operations.";

impl<T> Clone for DaprState<T> {
    fn clone(&self) -> Self {
        DaprState { out: self.out.clone(), _value: PhantomData }
    }
}

impl<T> std::fmt::Debug for DaprState<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.out.fmt(f)
    }
}
