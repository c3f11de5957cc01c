//! The build step's view of a crate: walk the module tree from its root files, evaluate
//! `#[cfg]`s as the target will, and find every function carrying a dapr-fn attribute.
//! It is lenient: files that do not parse are skipped (rustc reports them), and what it
//! cannot evaluate becomes a warning. The macro's cross-check ([`crate::index`]) turns
//! any blind spot into a compile error, so leniency never becomes a silent disagreement.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use dapr_fn_manifest::route::RouteTemplate;
use dapr_fn_manifest::FunctionManifest;
use quote::ToTokens;

use crate::index::{Index, IndexEntry};

/// The `cfg` values of the target being built.
#[derive(Clone, Debug, Default)]
pub struct CfgEnv {
    /// Enabled cargo features (as written in Cargo.toml, lower-case, `-` and `_` alike).
    pub features: HashSet<String>,
    /// `key` → values (`target_os` → `linux`; `unix` → empty).
    pub cfgs: HashMap<String, Vec<String>>,
}

impl CfgEnv {
    /// Reads `CARGO_FEATURE_*` and `CARGO_CFG_*` as cargo sets them for build scripts.
    pub fn from_build_env() -> CfgEnv {
        let mut env = CfgEnv::default();
        for (key, value) in std::env::vars() {
            if let Some(feature) = key.strip_prefix("CARGO_FEATURE_") {
                env.features.insert(normalize_feature(feature));
            } else if let Some(cfg) = key.strip_prefix("CARGO_CFG_") {
                let values = value.split(',').filter(|v| !v.is_empty()).map(str::to_string).collect();
                env.cfgs.insert(cfg.to_ascii_lowercase(), values);
            }
        }
        env
    }

    /// Evaluates a `cfg` predicate; `None` when it names something unknown.
    pub fn eval(&self, meta: &syn::Meta) -> Option<bool> {
        match meta {
            syn::Meta::Path(path) => {
                let name = path.get_ident()?.to_string();
                match name.as_str() {
                    "test" | "doc" | "doctest" | "miri" => Some(false),
                    _ => Some(self.cfgs.contains_key(&name)).filter(|set| *set || known_flag(&name)),
                }
            }
            syn::Meta::NameValue(nv) => {
                let name = nv.path.get_ident()?.to_string();
                let syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(value), .. }) = &nv.value else {
                    return None;
                };
                if name == "feature" {
                    return Some(self.features.contains(&normalize_feature(&value.value())));
                }
                let values = self.cfgs.get(&name);
                match values {
                    Some(values) => Some(values.iter().any(|v| *v == value.value())),
                    None if known_key(&name) => Some(false),
                    None => None,
                }
            }
            syn::Meta::List(list) => {
                let name = list.path.get_ident()?.to_string();
                let args = list.parse_args_with(syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated).ok()?;
                let results: Option<Vec<bool>> = args.iter().map(|m| self.eval(m)).collect();
                let results = results?;
                match name.as_str() {
                    "all" => Some(results.iter().all(|r| *r)),
                    "any" => Some(results.iter().any(|r| *r)),
                    "not" if results.len() == 1 => Some(!results[0]),
                    _ => None,
                }
            }
        }
    }
}

fn normalize_feature(name: &str) -> String {
    name.to_ascii_lowercase().replace('-', "_")
}

/// Flags cargo reports only when set, so their absence means false.
fn known_flag(name: &str) -> bool {
    matches!(name, "unix" | "windows" | "debug_assertions" | "panic" | "proc_macro" | "overflow_checks")
}

/// Keys cargo always reports for the target.
fn known_key(name: &str) -> bool {
    name.starts_with("target_") || name == "panic"
}

/// One function the build step found.
#[derive(Clone, Debug)]
pub struct FoundFunction {
    /// Its function.json model.
    pub manifest: FunctionManifest,
    /// Where it is, e.g. `src/main.rs:12`.
    pub source: String,
}

/// Everything a scan found.
#[derive(Debug, Default)]
pub struct ScanResult {
    /// Functions that parsed and validated (the macro reports the others).
    pub functions: Vec<FoundFunction>,
    /// Things the scan could not interpret, for `cargo:warning`.
    pub warnings: Vec<String>,
    /// Every source file read.
    pub files: Vec<PathBuf>,
}

impl ScanResult {
    /// The index handed to the macros, with problems that span several functions.
    pub fn index(&self) -> Index {
        let mut index = Index::default();
        let errors = cross_function_errors(&self.functions);
        for f in &self.functions {
            index.functions.entry(f.manifest.name.clone()).or_insert_with(|| IndexEntry {
                function_json: f.manifest.to_function_json(),
                source: f.source.clone(),
                error: errors.get(&f.source).cloned(),
            });
        }
        index
    }
}

/// Scans a crate from its root files (e.g. `src/main.rs`, `src/lib.rs`); `base` is the
/// directory paths are reported relative to.
pub fn scan_crate(roots: &[PathBuf], base: &Path, cfg: &CfgEnv) -> ScanResult {
    let mut result = ScanResult::default();
    for root in roots {
        let dir = root.parent().unwrap_or(Path::new(".")).to_path_buf();
        scan_file(root, &dir, base, cfg, &mut result);
    }
    result
}

fn scan_file(file: &Path, module_dir: &Path, base: &Path, cfg: &CfgEnv, out: &mut ScanResult) {
    out.files.push(file.to_path_buf());
    let Ok(text) = std::fs::read_to_string(file) else {
        out.warnings.push(format!("dapr-fn: could not read {}", file.display()));
        return;
    };
    let Ok(parsed) = syn::parse_file(&text) else {
        // rustc reports syntax errors itself; the macro cross-check covers what we miss.
        return;
    };
    let rel = file.strip_prefix(base).unwrap_or(file).display().to_string();
    scan_items(&parsed.items, module_dir, &rel, base, cfg, out);
}

fn cfg_enabled(attrs: &[syn::Attribute], cfg: &CfgEnv, rel: &str, out: &mut ScanResult) -> bool {
    for attr in attrs.iter().filter(|a| a.path().is_ident("cfg")) {
        let Ok(meta) = attr.parse_args::<syn::Meta>() else { continue };
        match cfg.eval(&meta) {
            Some(true) => {}
            Some(false) => return false,
            None => {
                out.warnings.push(format!("dapr-fn: cannot evaluate `#[cfg({})]` in {rel}; assuming it is enabled", meta.to_token_stream()))
            }
        }
    }
    true
}

fn scan_items(items: &[syn::Item], module_dir: &Path, rel: &str, base: &Path, cfg: &CfgEnv, out: &mut ScanResult) {
    for item in items {
        match item {
            syn::Item::Fn(f) if cfg_enabled(&f.attrs, cfg, rel, out) => scan_fn(f, rel, out),
            syn::Item::Mod(m) if cfg_enabled(&m.attrs, cfg, rel, out) => {
                let name = m.ident.to_string();
                let explicit_path = m.attrs.iter().find(|a| a.path().is_ident("path")).and_then(|a| match &a.meta {
                    syn::Meta::NameValue(syn::MetaNameValue {
                        value: syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(s), .. }), ..
                    }) => Some(s.value()),
                    _ => None,
                });
                match (&m.content, explicit_path) {
                    (Some((_, items)), path) => {
                        let dir = module_dir.join(path.unwrap_or(name));
                        scan_items(items, &dir, rel, base, cfg, out);
                    }
                    (None, Some(path)) => {
                        let file = module_dir.join(path);
                        let dir = file.parent().unwrap_or(module_dir).to_path_buf();
                        scan_file(&file, &dir, base, cfg, out);
                    }
                    (None, None) => {
                        let flat = module_dir.join(format!("{name}.rs"));
                        let nested = module_dir.join(&name).join("mod.rs");
                        if flat.exists() {
                            scan_file(&flat, &module_dir.join(&name), base, cfg, out);
                        } else if nested.exists() {
                            scan_file(&nested, &module_dir.join(&name), base, cfg, out);
                        } else {
                            out.warnings.push(format!("dapr-fn: no file for `mod {name};` in {rel}"));
                        }
                    }
                }
            }
            _ => {}
        }
    }
}

fn scan_fn(f: &syn::ItemFn, rel: &str, out: &mut ScanResult) {
    let Some(position) = f.attrs.iter().position(|a| crate::attr::our_attribute(a).is_some()) else {
        return;
    };
    let mut item = f.clone();
    let entry_attr = item.attrs.remove(position);
    let entry = crate::attr::our_attribute(&entry_attr).expect("found above");
    let args = match &entry_attr.meta {
        syn::Meta::List(list) => list.tokens.clone(),
        _ => proc_macro2::TokenStream::new(),
    };
    if let Ok(function) = crate::analyze(entry, args, &mut item) {
        let line = f.sig.ident.span().start().line;
        out.functions.push(FoundFunction { manifest: function.manifest(), source: format!("{rel}:{line}") });
    }
}

/// Problems that only show across functions, keyed by the source of the function to report them on.
fn cross_function_errors(functions: &[FoundFunction]) -> BTreeMap<String, String> {
    let mut errors: BTreeMap<String, String> = BTreeMap::new();
    for (i, a) in functions.iter().enumerate() {
        for b in &functions[..i] {
            if a.manifest.name.eq_ignore_ascii_case(&b.manifest.name) {
                for (this, other) in [(a, b), (b, a)] {
                    errors.entry(this.source.clone()).or_insert_with(|| {
                        format!(
                            "function name `{}` is also used by the function at {} (`{}`); the host compares names ignoring \
                             case, so rename one with #[function(name = \"...\")]",
                            this.manifest.name, other.source, other.manifest.name
                        )
                    });
                }
            } else if let Some(route) = conflicting_route(&a.manifest, &b.manifest) {
                for (this, other) in [(a, b), (b, a)] {
                    errors.entry(this.source.clone()).or_insert_with(|| {
                        format!(
                            "the HTTP route `{route}` of `{}` conflicts with function `{}` at {} (same route and an \
                             overlapping method); change the route or the methods",
                            this.manifest.name, other.manifest.name, other.source
                        )
                    });
                }
            }
        }
    }
    errors
}

/// The host's rule: equal routes (ignoring case and outer slashes) whose method sets
/// intersect (absent = all) conflict.
fn conflicting_route(a: &FunctionManifest, b: &FunctionManifest) -> Option<String> {
    let http = |f: &FunctionManifest| {
        let t = f.trigger().filter(|t| t.binding_type == "httpTrigger")?;
        let route = t.text("route").unwrap_or(&f.name).trim_matches('/').to_ascii_lowercase();
        let methods = match t.property("methods") {
            Some(dapr_fn_manifest::PropertyValue::List(m)) => Some(m.clone()),
            _ => None,
        };
        Some((route, methods))
    };
    let (ra, ma) = http(a)?;
    let (rb, mb) = http(b)?;
    if ra != rb || RouteTemplate::parse(&ra).is_err() {
        return None;
    }
    let overlap = match (ma, mb) {
        (Some(ma), Some(mb)) => ma.iter().any(|m| mb.contains(m)),
        _ => true,
    };
    overlap.then_some(ra)
}
