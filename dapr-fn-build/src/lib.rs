//! Generates the Azure Functions app during `cargo build`.
//!
//! Add to the application crate's `build.rs`:
//!
//! ```no_run
//! fn main() {
//!     dapr_fn_build::generate();
//! }
//! ```
//!
//! and `dapr-fn-build` to its `[build-dependencies]`. Every build then:
//! - reads the crate's source from `src/main.rs` and `src/lib.rs` (following `mod`s and
//!   evaluating `#[cfg]`s for the target) and finds every dapr-fn function;
//! - writes the function app to `target/<profile>/azure-functions/<package>/` (or
//!   `$DAPR_FN_APP_DIR`): `host.json` (yours from the crate root merged over dapr-fn's
//!   defaults), `local.settings.json` (yours, or defaults if absent), one folder per
//!   function with its `function.json`, and a link to the built executable;
//! - removes folders of functions that no longer exist, but only folders it generated;
//! - hands the macros an index of what it found, so that a function it could not see is a
//!   compile error rather than a missing folder.
//!
//! Files are written atomically and only when their content changes, since the host
//! restarts when it sees a change. Run the app with
//! `func start --script-root target/debug/azure-functions/<package>`.
#![warn(missing_docs, unreachable_pub)]
// The crate docs show a whole build.rs, `fn main` included.
#![allow(clippy::needless_doctest_main)]

mod app;
mod hostjson;

use std::path::{Path, PathBuf};

pub use app::{write_app, AppLayout, WriteReport};

/// Environment variable that overrides where the app is written.
pub const APP_DIR_ENV: &str = "DAPR_FN_APP_DIR";
/// Environment variable that overrides the executable name (default: the package name).
pub const EXECUTABLE_ENV: &str = "DAPR_FN_EXECUTABLE";

/// Runs the build step from a build script; on failure prints why and fails the build.
pub fn generate() {
    if let Err(message) = try_generate() {
        eprintln!("error: dapr-fn could not generate the function app: {message}");
        std::process::exit(1);
    }
}

/// The build step, returning the problem instead of failing the build.
pub fn try_generate() -> Result<WriteReport, String> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} is not set; call dapr_fn_build::generate() from build.rs"));
    let manifest_dir = PathBuf::from(var("CARGO_MANIFEST_DIR")?);
    let out_dir = PathBuf::from(var("OUT_DIR")?);
    let package = var("CARGO_PKG_NAME")?;

    println!("cargo:rerun-if-changed=src");
    // Only existing files: cargo treats a watched file that is missing as changed, which
    // would rebuild the crate on every `cargo build`. (Adding a host.json or
    // local.settings.json later takes effect with the next source change or `touch build.rs`.)
    for file in ["Cargo.toml", "host.json", "local.settings.json", "build.rs"] {
        if manifest_dir.join(file).exists() {
            println!("cargo:rerun-if-changed={file}");
        }
    }
    println!("cargo:rerun-if-env-changed={APP_DIR_ENV}");
    println!("cargo:rerun-if-env-changed={EXECUTABLE_ENV}");

    let roots: Vec<PathBuf> = ["src/main.rs", "src/lib.rs"].iter().map(|r| manifest_dir.join(r)).filter(|p| p.exists()).collect();
    let cfg = dapr_fn_codegen::scan::CfgEnv::from_build_env();
    let scan = dapr_fn_codegen::scan::scan_crate(&roots, &manifest_dir, &cfg);
    for warning in &scan.warnings {
        println!("cargo:warning={warning}");
    }

    let index = scan.index();
    let index_dir = out_dir.join("dapr_fn");
    std::fs::create_dir_all(&index_dir).map_err(|e| format!("cannot create {}: {e}", index_dir.display()))?;
    let index_path = index_dir.join("index.json");
    app::write_if_changed(&index_path, index.to_json().as_bytes())?;
    println!("cargo:rustc-env={}={}", dapr_fn_codegen::index::INDEX_ENV, index_path.display());

    let target_os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let executable = std::env::var(EXECUTABLE_ENV).unwrap_or(package.clone()) + if target_os == "windows" { ".exe" } else { "" };
    let profile_dir = profile_dir(&out_dir)?;
    let app_dir = std::env::var_os(APP_DIR_ENV).map(PathBuf::from).unwrap_or_else(|| profile_dir.join("azure-functions").join(&package));
    let layout = AppLayout {
        app_dir,
        executable,
        executable_dir: profile_dir,
        user_host_json: Some(manifest_dir.join("host.json")),
        user_local_settings: Some(manifest_dir.join("local.settings.json")),
    };
    // Functions with problems spanning several functions fail to compile; giving them no
    // folder keeps the host from loading, say, both `Orders` and `orders`.
    let functions: Vec<_> = scan
        .functions
        .iter()
        .filter(|f| index.functions.get(&f.manifest.name).is_some_and(|e| e.error.is_none() && e.source == f.source))
        .map(|f| f.manifest.clone())
        .collect();
    write_app(&layout, &functions)
}

/// `target/<profile>` (or `target/<triple>/<profile>`) from `OUT_DIR`, which cargo puts at
/// `<profile dir>/build/<package>-<hash>/out`.
fn profile_dir(out_dir: &Path) -> Result<PathBuf, String> {
    out_dir.ancestors().nth(3).map(Path::to_path_buf).ok_or_else(|| format!("unexpected OUT_DIR layout: {}", out_dir.display()))
}
