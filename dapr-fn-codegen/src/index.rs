//! The build step's index of functions, and the macro's cross-check against it.
//!
//! `dapr_fn_build::generate()` writes `$OUT_DIR/dapr_fn/index.json` (every function it
//! found in the crate's source with its function.json, plus problems that span several
//! functions, such as two functions whose names differ only in case) and tells rustc
//! where it is through the `DAPR_FN_APP_INDEX` environment variable. Each macro
//! expansion looks its function up there, so a function the build step did not see (one
//! produced by `macro_rules!`, say) is a compile error instead of a missing folder.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use serde_json::{json, Value};

/// The environment variable through which the build step hands the index to the macro.
pub const INDEX_ENV: &str = "DAPR_FN_APP_INDEX";

/// One function as the build step saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexEntry {
    /// Its function.json text.
    pub function_json: String,
    /// Where it was found, e.g. `src/main.rs:12`.
    pub source: String,
    /// A problem involving other functions, reported by this function's macro.
    pub error: Option<String>,
}

/// Everything the build step found: function name → entry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    /// The functions by name.
    pub functions: BTreeMap<String, IndexEntry>,
}

impl Index {
    /// Serializes the index.
    pub fn to_json(&self) -> String {
        let functions: serde_json::Map<String, Value> = self
            .functions
            .iter()
            .map(|(name, e)| (name.clone(), json!({"functionJson": e.function_json, "source": e.source, "error": e.error})))
            .collect();
        serde_json::to_string_pretty(&json!({ "functions": functions })).expect("JSON values serialize")
    }

    /// Reads an index written by [`Index::to_json`].
    pub fn from_json(text: &str) -> Option<Index> {
        let root: Value = serde_json::from_str(text).ok()?;
        let mut functions = BTreeMap::new();
        for (name, e) in root.get("functions")?.as_object()? {
            functions.insert(
                name.clone(),
                IndexEntry {
                    function_json: e.get("functionJson")?.as_str()?.to_string(),
                    source: e.get("source")?.as_str()?.to_string(),
                    error: e.get("error").and_then(Value::as_str).map(str::to_string),
                },
            );
        }
        Some(Index { functions })
    }
}

/// What the macro concludes about one function.
#[derive(Debug, PartialEq, Eq)]
pub enum CrossCheck {
    /// No build step ran for this crate (no `DAPR_FN_APP_INDEX`): nothing to compare.
    NoBuildStep,
    /// The build step generated exactly what the macro computed.
    Agrees,
    /// Something is wrong; the message says what and how to fix it.
    Disagrees(String),
}

fn cached_index(path: &str) -> Result<Index, String> {
    static CACHE: OnceLock<Mutex<BTreeMap<String, Index>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(index) = cache.get(path) {
        return Ok(index.clone());
    }
    let text = std::fs::read_to_string(Path::new(path)).map_err(|e| {
        format!("dapr-fn could not read the build step's index `{path}`: {e}; run `cargo clean -p <this crate>` and build again")
    })?;
    let index = Index::from_json(&text)
        .ok_or_else(|| format!("dapr-fn's build step index `{path}` is unreadable; run `cargo clean -p <this crate>` and build again"))?;
    cache.insert(path.to_string(), index.clone());
    Ok(index)
}

/// Compares what the macro computed for `name` with what the build step generated.
pub fn cross_check(name: &str, function_json: &str) -> CrossCheck {
    let Ok(path) = std::env::var(INDEX_ENV) else {
        return CrossCheck::NoBuildStep;
    };
    let index = match cached_index(&path) {
        Ok(index) => index,
        Err(e) => return CrossCheck::Disagrees(e),
    };
    compare(&index, name, function_json)
}

/// The comparison behind [`cross_check`], on an index already read.
pub fn compare(index: &Index, name: &str, function_json: &str) -> CrossCheck {
    match index.functions.get(name) {
        None => CrossCheck::Disagrees(format!(
            "dapr-fn's build step did not find function `{name}` in this crate's source, so `cargo build` would not \
             generate its function.json. The build step reads the module tree from src/main.rs and src/lib.rs: \
             functions produced by `macro_rules!` or `include!`, inside other functions, or gated by a `#[cfg]` it \
             could not evaluate are invisible to it. Write the function out at module level (and check that \
             build.rs calls `dapr_fn_build::generate()`)"
        )),
        Some(IndexEntry { error: Some(error), .. }) => CrossCheck::Disagrees(error.clone()),
        Some(entry) if entry.function_json != function_json => CrossCheck::Disagrees(format!(
            "dapr-fn's build step generated a different function.json for `{name}` (found at {}) than this \
             attribute describes; attribute values must be written literally (not produced by macros or \
             `cfg_attr`) so that both read the same source.\nbuild step:\n{}\nmacro:\n{}",
            entry.source, entry.function_json, function_json
        )),
        Some(_) => CrossCheck::Agrees,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_round_trips_and_compares() {
        let mut index = Index::default();
        index.functions.insert("A".into(), IndexEntry { function_json: "{}\n".into(), source: "src/main.rs:3".into(), error: None });
        index
            .functions
            .insert("B".into(), IndexEntry { function_json: "{}\n".into(), source: "src/b.rs:1".into(), error: Some("clash".into()) });
        let back = Index::from_json(&index.to_json()).unwrap();
        assert_eq!(back, index);
        assert_eq!(compare(&back, "A", "{}\n"), CrossCheck::Agrees);
        assert_eq!(compare(&back, "B", "{}\n"), CrossCheck::Disagrees("clash".into()));
        assert!(matches!(compare(&back, "A", "{ }\n"), CrossCheck::Disagrees(m) if m.contains("different function.json")));
        assert!(matches!(compare(&back, "C", "{}\n"), CrossCheck::Disagrees(m) if m.contains("did not find function `C`")));
    }
}
