//! `DaprBinding<T>`: the collector behind `#[dapr_binding]` output parameters.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use serde::Serialize;

use super::{Field, OutputHandle};
use crate::invocation::Invocation;
use crate::registry::OutputDef;

/// Sends data to a Dapr output binding through the extension: each call adds one record
/// `{"data": ..., "operation"?, "metadata"?, "bindingName"?}` to the function's
/// `daprBinding` output (dapr-extension §2.5). The extension sends them one after
/// another after the function succeeds.
///
/// ```
/// use dapr_fn_runtime::{BindingRequest, DaprBinding};
///
/// let kafka = DaprBinding::<serde_json::Value>::new();
/// kafka.send(serde_json::json!({"message": "hello"}));
/// kafka.send_request(BindingRequest::new(serde_json::json!("bye")).operation("create").metadata("key", "k1"));
/// assert_eq!(kafka.records()[1], serde_json::json!({"operation": "create", "metadata": {"key": "k1"}, "data": "bye"}));
/// ```
pub struct DaprBinding<T> {
    out: OutputHandle,
    _data: PhantomData<fn(T)>,
}

/// One message for an output binding, with per-message settings the extension honours.
#[derive(Clone, Debug)]
pub struct BindingRequest<T> {
    data: T,
    operation: Option<String>,
    binding_name: Option<String>,
    metadata: BTreeMap<String, String>,
}

impl<T> BindingRequest<T> {
    /// A message carrying `data`.
    pub fn new(data: T) -> Self {
        BindingRequest { data, operation: None, binding_name: None, metadata: BTreeMap::new() }
    }

    /// The operation, overriding the binding's.
    #[must_use]
    pub fn operation(mut self, operation: &str) -> Self {
        self.operation = Some(operation.to_string());
        self
    }

    /// The binding component, overriding the binding's `binding_name`.
    #[must_use]
    pub fn binding_name(mut self, name: &str) -> Self {
        self.binding_name = Some(name.to_string());
        self
    }

    /// Adds a metadata entry (Dapr expects string values).
    #[must_use]
    pub fn metadata(mut self, key: &str, value: &str) -> Self {
        self.metadata.insert(key.to_string(), value.to_string());
        self
    }
}

static DETACHED: OutputDef = OutputDef { name: "binding", binding_type: "daprBinding", properties: &["bindingName", "operation"] };

const DATA_REQUIRED: &str = "A 'data' parameter is required for Dapr Binding operations.";

impl<T: Serialize> DaprBinding<T> {
    /// A collector not attached to an invocation, for calling functions in tests.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        DaprBinding { out: OutputHandle::detached(&DETACHED), _data: PhantomData }
    }

    pub(crate) fn bind(inv: &Invocation, slot: usize) -> Self {
        DaprBinding { out: OutputHandle::bind(inv, slot), _data: PhantomData }
    }

    /// Sends `data` with the binding's operation.
    pub fn send(&self, data: impl Into<T>) {
        self.send_request(BindingRequest::new(data.into()));
    }

    /// Sends a message with its own operation, metadata or binding name.
    pub fn send_request(&self, request: BindingRequest<T>) {
        if request.binding_name.is_none() && !self.out.binding_has("bindingName") {
            return self.out.fail(format!(
                "A non-null binding name must be specified (`{}` has no `binding_name`: set it on #[dapr_binding] or the request)",
                self.out.name()
            ));
        }
        if request.operation.is_none() && !self.out.binding_has("operation") {
            return self.out.fail(format!(
                "A non-null operation must be specified (`{}` has no `operation`: set it on #[dapr_binding] or the request)",
                self.out.name()
            ));
        }
        let mut metadata = Vec::new();
        if !request.metadata.is_empty() {
            serde_json::to_writer(&mut metadata, &request.metadata).expect("a string map serializes");
        }
        let mut fields: Vec<(&str, Field<'_>)> = Vec::new();
        if let Some(op) = &request.operation {
            fields.push(("operation", Field::Text(op)));
        }
        if let Some(name) = &request.binding_name {
            fields.push(("bindingName", Field::Text(name)));
        }
        if !metadata.is_empty() {
            fields.push(("metadata", Field::Json(&metadata)));
        }
        self.out.push(&fields, "data", &request.data, DATA_REQUIRED);
    }

    /// The records collected so far.
    pub fn records(&self) -> Vec<serde_json::Value> {
        self.out.records()
    }
}

impl<T> Clone for DaprBinding<T> {
    fn clone(&self) -> Self {
        DaprBinding { out: self.out.clone(), _data: PhantomData }
    }
}

impl<T> std::fmt::Debug for DaprBinding<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.out.fmt(f)
    }
}
