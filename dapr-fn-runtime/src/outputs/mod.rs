//! Output collectors: the typed parameters that functions add output records to. Each
//! record is serialized when it is added, as the wrapper object the Dapr extension
//! requires (dapr-extension §2), and checked against the extension's rules so that a
//! record the extension would reject fails the invocation here, with the extension's
//! own error text, instead of after the function "succeeded".

mod binding;
mod invoke;
mod publish;
mod state;

use std::sync::Arc;

use serde::Serialize;

pub use binding::{BindingRequest, DaprBinding};
pub use invoke::DaprInvoke;
pub use publish::DaprPublish;
pub use state::{DaprState, StateRecord};

use crate::http::write_json_str;
use crate::invocation::{Invocation, OutputSink};
use crate::registry::OutputDef;

/// A field of a record besides its value.
pub(crate) enum Field<'a> {
    /// A JSON string.
    Text(&'a str),
    /// JSON already rendered.
    Json(&'a [u8]),
}

/// Where a collector's records go: a slot of an invocation's output sink.
#[derive(Clone)]
pub(crate) struct OutputHandle {
    sink: Arc<OutputSink>,
    slot: usize,
    def: &'static OutputDef,
}

impl OutputHandle {
    pub(crate) fn bind(inv: &Invocation, slot: usize) -> Self {
        OutputHandle { sink: inv.sink.clone(), slot, def: &inv.function().outputs[slot] }
    }

    /// A handle not attached to an invocation (for calling functions in tests).
    pub(crate) fn detached(def: &'static OutputDef) -> Self {
        OutputHandle { sink: Arc::default(), slot: 0, def }
    }

    /// The binding name.
    pub(crate) fn name(&self) -> &'static str {
        self.def.name
    }

    /// Whether function.json sets this property on the binding.
    pub(crate) fn binding_has(&self, json_key: &str) -> bool {
        self.def.properties.contains(&json_key)
    }

    /// Fails the invocation with `message`.
    pub(crate) fn fail(&self, message: String) {
        self.sink.error(message);
    }

    /// Serializes `value` and adds `{ <fields>..., "<value_key>": value }`.
    /// A value that serializes to `null` fails with `null_error`.
    pub(crate) fn push<T: Serialize>(&self, fields: &[(&str, Field<'_>)], value_key: &str, value: &T, null_error: &str) {
        let mut record = Vec::with_capacity(64);
        record.push(b'{');
        for (key, field) in fields {
            write_json_str(&mut record, key);
            record.push(b':');
            match field {
                Field::Text(text) => write_json_str(&mut record, text),
                Field::Json(json) => record.extend_from_slice(json),
            }
            record.push(b',');
        }
        write_json_str(&mut record, value_key);
        record.push(b':');
        let start = record.len();
        if let Err(e) = serde_json::to_writer(&mut record, value) {
            self.fail(format!("the value for {} output `{}` does not serialize to JSON: {e}", self.def.binding_type, self.def.name));
            return;
        }
        if &record[start..] == b"null" {
            self.fail(format!("{null_error} (the value for `{}` serialized to null)", self.def.name));
            return;
        }
        record.push(b'}');
        self.sink.push(self.slot, record);
    }

    /// Adds a record that is already JSON.
    pub(crate) fn push_raw(&self, record: Vec<u8>) {
        self.sink.push(self.slot, record);
    }

    /// The records so far, parsed.
    pub(crate) fn records(&self) -> Vec<serde_json::Value> {
        self.sink.records(self.slot).iter().map(|r| serde_json::from_slice(r).expect("records are JSON written here")).collect()
    }
}

impl std::fmt::Debug for OutputHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output").field("binding", &self.def.name).field("type", &self.def.binding_type).finish()
    }
}
