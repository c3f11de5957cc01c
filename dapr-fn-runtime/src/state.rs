//! `DaprState<T>`: the collector behind `#[dapr_state]` output parameters.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;

use crate::http::write_json_str;
use crate::invocation::{Invocation, OutputSink};
use crate::registry::OutputDef;

/// Saves state through the Dapr extension: each call adds one record
/// `{"key"?, "value"}` to the function's `daprState` output (dapr-extension §2.2).
///
/// The records are sent to the host only if the function succeeds; the extension then
/// saves them all with one call to the state store (in no particular order).
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
    sink: Arc<OutputSink>,
    slot: usize,
    def: &'static OutputDef,
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

static DETACHED: OutputDef = OutputDef { name: "state", binding_type: "daprState", has_key: true };

impl<T: Serialize> DaprState<T> {
    /// A collector not attached to an invocation, for calling functions in tests; read
    /// what was saved with [`DaprState::records`].
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        DaprState { sink: Arc::new(OutputSink::new(1)), slot: 0, def: &DETACHED, _value: PhantomData }
    }

    pub(crate) fn bind(inv: &Invocation, slot: usize) -> Self {
        DaprState { sink: inv.sink.clone(), slot, def: &inv.function().outputs[slot], _value: PhantomData }
    }

    /// Saves `value` under the binding's `key` (e.g. `key = "{key}"` from the route).
    ///
    /// The binding must have a `key`; without one use [`DaprState::insert`]. Otherwise,
    /// and if `value` serializes to `null` or fails to serialize, the invocation fails
    /// with the Dapr extension's error text.
    pub fn set(&self, value: impl Into<T>) {
        if !self.def.has_key {
            self.sink.error(format!(
                "No key information was found. Make sure it is configured either in the binding properties or in the data \
                 payload. (`{}` has no `key`: use `.insert(key, value)` or give #[dapr_state] a `key`)",
                self.def.name
            ));
            return;
        }
        self.push(None, value.into());
    }

    /// Saves `value` under `key`, which wins over the binding's `key`.
    pub fn insert(&self, key: impl Into<String>, value: impl Into<T>) {
        self.push(Some(key.into()), value.into());
    }

    fn push(&self, key: Option<String>, value: T) {
        let mut record = Vec::with_capacity(64);
        if let Some(key) = &key {
            record.extend_from_slice(b"{\"key\":");
            write_json_str(&mut record, key);
            record.extend_from_slice(b",\"value\":");
        } else {
            record.extend_from_slice(b"{\"value\":");
        }
        let start = record.len();
        if let Err(e) = serde_json::to_writer(&mut record, &value) {
            self.sink.error(format!("the value for daprState output `{}` does not serialize to JSON: {e}", self.def.name));
            return;
        }
        if &record[start..] == b"null" {
            self.sink.error(format!(
                "A 'value' parameter is required for save-state operations. (the value for `{}` serialized to null)",
                self.def.name
            ));
            return;
        }
        record.push(b'}');
        self.sink.push(self.slot, record);
    }

    /// The records collected so far.
    pub fn records(&self) -> Vec<StateRecord> {
        self.sink
            .records(self.slot)
            .iter()
            .map(|bytes| {
                let mut v: serde_json::Value = serde_json::from_slice(bytes).expect("records are JSON we wrote");
                StateRecord {
                    key: v.get("key").and_then(|k| k.as_str()).map(str::to_string),
                    value: v.get_mut("value").map(serde_json::Value::take).unwrap_or_default(),
                }
            })
            .collect()
    }
}

impl<T> Clone for DaprState<T> {
    fn clone(&self) -> Self {
        DaprState { sink: self.sink.clone(), slot: self.slot, def: self.def, _value: PhantomData }
    }
}

impl<T> std::fmt::Debug for DaprState<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DaprState").field("binding", &self.def.name).finish_non_exhaustive()
    }
}
