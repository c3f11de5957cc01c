//! The functions compiled into this binary. Each annotated function adds a
//! [`FunctionDef`] to a link-time list (`linkme`), so nothing has to be registered by hand.

use std::future::Future;
use std::pin::Pin;

use crate::app::AppContext;
use crate::invocation::{Invocation, Outcome};
use crate::Error;

/// The future of one invocation.
pub type InvokeFuture = Pin<Box<dyn Future<Output = Outcome> + Send + 'static>>;

/// An output binding of a function, in the order the generated code refers to them.
#[derive(Debug)]
pub struct OutputDef {
    /// The binding name (the key in `Outputs`).
    pub name: &'static str,
    /// The function.json type, e.g. `daprState`.
    pub binding_type: &'static str,
    /// The function.json properties set on the binding (e.g. `key`), which records may
    /// then leave out.
    pub properties: &'static [&'static str],
}

/// One function, as the macro registers it.
pub struct FunctionDef {
    /// The function name the host uses (folder name, invocation path).
    pub name: &'static str,
    /// The Rust path of the function, for messages.
    pub rust_path: &'static str,
    /// Its function.json, exactly as the build step writes it.
    pub function_json: &'static str,
    /// The binding name of its HTTP trigger, if it has one (decoded with the envelope).
    pub http_trigger: Option<&'static str>,
    /// The name of its `http` output (`res`, another name, or `$return`); unused by
    /// functions without an HTTP trigger.
    pub http_response: &'static str,
    /// Its output bindings that parameters collect into.
    pub outputs: &'static [OutputDef],
    /// Runs one invocation.
    pub invoke: fn(Invocation) -> InvokeFuture,
    /// Checks at start-up that what the function's parameters need (e.g. application
    /// state) is available.
    pub check: fn(&AppContext) -> Result<(), Error>,
}

impl std::fmt::Debug for FunctionDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FunctionDef").field("name", &self.name).field("rust_path", &self.rust_path).finish_non_exhaustive()
    }
}

/// Every function linked into the binary.
#[linkme::distributed_slice]
pub static FUNCTIONS: [FunctionDef];

/// The functions by name, checked for clashes.
#[derive(Debug)]
pub(crate) struct Registry {
    /// Sorted by name, for binary search (cheaper than hashing a name).
    sorted: Vec<&'static FunctionDef>,
}

impl Registry {
    /// Builds the registry from the link-time list; two functions whose names differ only
    /// in case are an error (the host would confuse them).
    pub(crate) fn from_linked() -> Result<Registry, Error> {
        Self::from_defs(FUNCTIONS.iter())
    }

    pub(crate) fn from_defs(defs: impl Iterator<Item = &'static FunctionDef>) -> Result<Registry, Error> {
        let mut sorted: Vec<&'static FunctionDef> = defs.collect();
        sorted.sort_by_key(|d| d.name);
        for pair in sorted.windows(2) {
            if pair[0].name.eq_ignore_ascii_case(pair[1].name) {
                return Err(Error::msg(format!(
                    "two functions are named `{}` and `{}` ({} and {}); the host compares names ignoring case",
                    pair[0].name, pair[1].name, pair[0].rust_path, pair[1].rust_path
                )));
            }
        }
        Ok(Registry { sorted })
    }

    /// A function by the exact name the host uses, else ignoring case.
    pub(crate) fn get(&self, name: &str) -> Option<&'static FunctionDef> {
        match self.sorted.binary_search_by(|d| d.name.cmp(name)) {
            Ok(index) => Some(self.sorted[index]),
            Err(_) => self.sorted.iter().copied().find(|d| d.name.eq_ignore_ascii_case(name)),
        }
    }

    /// All functions, sorted by name.
    pub(crate) fn all(&self) -> &[&'static FunctionDef] {
        &self.sorted
    }
}
