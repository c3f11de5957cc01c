//! The function.json model shared by every part of dapr-fn.
//!
//! `dapr-fn-codegen` (the macros and the build step) turns Rust attributes into a
//! [`FunctionManifest`]; the build step writes it as `function.json`; the runtime
//! reads it back to play the host's part in local mode. All of them go through this
//! crate, so what the macro checks, what the build writes and what the runtime
//! serves can never disagree. It deliberately depends on nothing but `serde_json`,
//! so that `syn` stays out of the runtime's dependency graph.
//!
//! ```
//! use dapr_fn_manifest::{catalogue, names};
//!
//! let state = catalogue::by_attribute("dapr_state").unwrap();
//! assert_eq!(state.json_type, "daprState");
//! assert_eq!(names::binding_name_from_rust("order_payload").unwrap(), "orderPayload");
//! ```
#![warn(missing_docs, unreachable_pub)]

pub mod catalogue;
pub mod expr;
mod json;
pub mod names;
pub mod route;

pub use json::{parse_function_json, ParseError};

/// Which way a binding's data flows, as function.json spells it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `"in"`: triggers and input bindings; the host sends the value in `Data`.
    In,
    /// `"out"`: output bindings; the handler returns the value in `Outputs`.
    Out,
}

impl Direction {
    /// The function.json spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// The value of one binding property in function.json.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PropertyValue {
    /// A JSON string (may hold `%AppSetting%` and `{expression}` tokens).
    Text(String),
    /// A JSON array of strings (e.g. `methods`).
    List(Vec<String>),
}

impl PropertyValue {
    /// The text of a [`PropertyValue::Text`], `None` for lists.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            PropertyValue::Text(s) => Some(s),
            PropertyValue::List(_) => None,
        }
    }
}

/// One entry of function.json's `bindings` array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BindingManifest {
    /// The binding type, e.g. `daprState` (see [`catalogue`]).
    pub binding_type: String,
    /// `in` or `out`.
    pub direction: Direction,
    /// The binding name: the key in `Data` / `Outputs`, or `$return`.
    pub name: String,
    /// Binding-specific properties, in the catalogue's order, with function.json keys.
    pub properties: Vec<(String, PropertyValue)>,
}

impl BindingManifest {
    /// The value of a property, looked up case-insensitively as the host does.
    pub fn property(&self, key: &str) -> Option<&PropertyValue> {
        self.properties.iter().find(|(k, _)| k.eq_ignore_ascii_case(key)).map(|(_, v)| v)
    }

    /// The text of a property, looked up case-insensitively.
    pub fn text(&self, key: &str) -> Option<&str> {
        self.property(key).and_then(PropertyValue::as_text)
    }

    /// Whether the host treats this binding as the trigger (its type ends in `Trigger`).
    pub fn is_trigger(&self) -> bool {
        self.binding_type.to_ascii_lowercase().ends_with("trigger")
    }
}

/// Everything the host needs to know about one function: its folder name and bindings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionManifest {
    /// The function name, i.e. the folder name and the invocation path `/<name>`.
    pub name: String,
    /// The bindings, trigger first.
    pub bindings: Vec<BindingManifest>,
}

impl FunctionManifest {
    /// The trigger binding, if any.
    pub fn trigger(&self) -> Option<&BindingManifest> {
        self.bindings.iter().find(|b| b.is_trigger())
    }

    /// The canonical function.json text for this function (deterministic, pretty, with a
    /// trailing newline and the `generatedBy` ownership marker).
    pub fn to_function_json(&self) -> String {
        json::render_function_json(self)
    }
}

/// The marker dapr-fn puts in every function.json it writes (`"generatedBy"`), so that it
/// only ever deletes folders it generated itself. The host ignores unknown top-level keys.
pub const GENERATED_BY: &str = concat!("dapr-fn ", env!("CARGO_PKG_VERSION"));

/// The prefix of [`GENERATED_BY`] that identifies dapr-fn output of any version.
pub const GENERATED_BY_PREFIX: &str = "dapr-fn ";
