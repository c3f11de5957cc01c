//! What `cargo build` writes: golden function.json files for the samples, validation
//! against the official schemas, and the build step's behaviour on real cargo builds of
//! fixture crates (renames, hand-written folders, unchanged files, invisible functions,
//! name clashes, `#[cfg]`, an explicit `--target`).

use std::path::{Path, PathBuf};
use std::process::Command;

use dapr_fn_tests::{app_dir, build_example, target_dir, workspace};

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every file the build step generated for a package, relative to its app dir.
fn app_files(app: &Path) -> Vec<PathBuf> {
    let mut files = vec![PathBuf::from("host.json")];
    let mut dirs: Vec<_> =
        std::fs::read_dir(app).unwrap().flatten().filter(|e| e.path().join("function.json").exists()).map(|e| e.file_name()).collect();
    dirs.sort();
    files.extend(dirs.into_iter().map(|d| Path::new(&d).join("function.json")));
    files
}

#[test]
fn sample_apps_match_their_golden_files() {
    for package in ["state-output-binding", "create-new-order"] {
        build_example(package);
        let app = app_dir(package);
        let golden = workspace().join("tests/golden").join(package);
        for file in app_files(&app) {
            let generated = read(&app.join(&file));
            let expected_path = golden.join(&file);
            if std::env::var_os("DAPR_FN_BLESS").is_some() {
                std::fs::create_dir_all(expected_path.parent().unwrap()).unwrap();
                std::fs::write(&expected_path, &generated).unwrap();
            }
            assert_eq!(
                generated,
                read(&expected_path),
                "{package}/{} differs from tests/golden (DAPR_FN_BLESS=1 to update)",
                file.display()
            );
        }
        let golden_functions = std::fs::read_dir(&golden).unwrap().flatten().filter(|e| e.path().is_dir()).count();
        assert_eq!(golden_functions, app_files(&app).len() - 1, "{package}: a golden function has no generated folder");
        let settings: serde_json::Value = serde_json::from_str(&read(&app.join("local.settings.json"))).unwrap();
        assert_eq!(settings["Values"]["FUNCTIONS_WORKER_RUNTIME"], "custom");
        let link = std::fs::read_link(app.join(package)).expect("the app links the executable");
        assert!(app.join(&link).exists(), "{package}: the link {} points at the built executable", link.display());
    }
}

/// Validates JSON files against one of the official schemas, with draft-07 semantics
/// (see the function.json note below).
fn validate(schema: &str, files: &[PathBuf]) {
    let mut schema_json: serde_json::Value = serde_json::from_str(&read(&workspace().join("tests/schemas").join(schema))).unwrap();
    let root = schema_json.as_object_mut().unwrap();
    root.remove("$schema");
    root.remove("id");
    root.remove("$id");
    let mut compiler = boon::Compiler::new();
    compiler.set_default_draft(boon::Draft::V7);
    let url = format!("mem://{schema}");
    compiler.add_resource(&url, schema_json).unwrap();
    let mut schemas = boon::Schemas::new();
    let index = compiler.compile(&url, &mut schemas).unwrap();
    let mut failures = Vec::new();
    for file in files {
        let instance: serde_json::Value = serde_json::from_str(&read(file)).unwrap();
        if let Err(e) = schemas.validate(&instance, index) {
            failures.push(format!("{}: {e}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn generated_files_validate_against_the_official_schemas() {
    let mut functions = Vec::new();
    let mut hosts = Vec::new();
    for package in [
        "state-output-binding",
        "create-new-order",
        "dapr-fn-e2e-app",
        "samples-quickstart",
        "samples-javascript",
        "samples-powershell",
        "samples-python",
    ] {
        build_example(package);
        let app = app_dir(package);
        for file in app_files(&app) {
            if file.ends_with("host.json") {
                hosts.push(app.join(file));
            } else {
                functions.push(app.join(file));
            }
        }
    }
    // The function.json schema declares draft-04 but uses draft-06 `const` (in its sql and
    // mysql definitions). A strict draft-04 validator ignores `const`, so `sqlBinding`
    // matches every binding and *every* function.json fails its `oneOf`; validating with
    // `const` honoured (draft-07 semantics) is what the schema's authors meant.
    validate("function.json.schema.json", &functions);
    validate("host.json.schema.json", &hosts);

    // The validator does reject what the host rejects.
    let bad = target_dir().join("fixtures/bad-function.json");
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(&bad, r#"{"bindings":[{"type":"httpTrigger","direction":"in","name":"req","authLevel":"everyone"}]}"#).unwrap();
    let rejected = std::panic::catch_unwind(|| validate("function.json.schema.json", std::slice::from_ref(&bad)));
    assert!(rejected.is_err(), "an invalid authLevel must fail validation");
}

/// A throwaway application crate built with cargo, sharing the workspace's target dir.
struct Fixture {
    dir: PathBuf,
    name: String,
}

impl Fixture {
    fn new(name: &str, main_rs: &str) -> Fixture {
        let dir = target_dir().join("fixtures").join(name);
        let _ = std::fs::remove_dir_all(&dir);
        let _ = std::fs::remove_dir_all(app_dir(name));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        let ws = workspace();
        std::fs::write(
            dir.join("Cargo.toml"),
            format!(
                "[package]\nname = \"{name}\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n[features]\nextra = []\n\n[dependencies]\ndapr-fn-runtime = {{ path = {:?} }}\ntokio = {{ version = \"1\", features = [\"rt-multi-thread\", \"macros\"] }}\n\n[build-dependencies]\ndapr-fn-build = {{ path = {:?} }}\n\n[workspace]\n",
                ws.join("dapr-fn-runtime"),
                ws.join("dapr-fn-build")
            ),
        )
        .unwrap();
        std::fs::write(dir.join("build.rs"), "fn main() { dapr_fn_build::generate(); }\n").unwrap();
        let fixture = Fixture { dir, name: name.to_string() };
        fixture.write_main(main_rs);
        fixture
    }

    fn write_main(&self, body: &str) {
        let main = format!("use dapr_fn_runtime::prelude::*;\n{body}\n#[tokio::main]\nasync fn main() -> Result<(), Error> {{ dapr_fn_runtime::run().await }}\n");
        std::fs::write(self.dir.join("src/main.rs"), main).unwrap();
    }

    /// `cargo build` with extra arguments; returns success and stderr.
    fn build(&self, args: &[&str]) -> (bool, String) {
        let out = Command::new(env!("CARGO"))
            .args(["build", "--quiet"])
            .args(args)
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", target_dir())
            .output()
            .expect("cargo runs");
        (out.status.success(), String::from_utf8_lossy(&out.stderr).into_owned())
    }

    fn app(&self) -> PathBuf {
        app_dir(&self.name)
    }
}

fn function_src(rust_name: &str) -> String {
    format!("#[dapr_service_invocation_trigger]\n#[dapr_state(store = \"s\", key = \"k\")]\nasync fn {rust_name}(payload: String) -> String {{ payload }}\n")
}

#[test]
fn renames_leave_no_stale_folder_and_unchanged_files_are_not_rewritten() {
    let fixture = Fixture::new("fixture-rename", &(function_src("keep_me") + &function_src("old_name")));
    let (ok, stderr) = fixture.build(&[]);
    assert!(ok, "{stderr}");
    let app = fixture.app();
    assert!(app.join("KeepMe/function.json").exists() && app.join("OldName/function.json").exists());
    std::fs::create_dir_all(app.join("HandWritten")).unwrap();
    std::fs::write(app.join("HandWritten/function.json"), r#"{"bindings":[{"type":"timerTrigger","name":"t","schedule":"0 * * * * *"}]}"#)
        .unwrap();
    let mtime = |p: &Path| std::fs::metadata(p).unwrap().modified().unwrap();
    let kept_before = mtime(&app.join("KeepMe/function.json"));
    let host_before = mtime(&app.join("host.json"));

    std::thread::sleep(std::time::Duration::from_millis(1100));
    fixture.write_main(&(function_src("keep_me") + &function_src("new_name")));
    let (ok, stderr) = fixture.build(&[]);
    assert!(ok, "{stderr}");
    assert!(!app.join("OldName").exists(), "the renamed function's folder is removed");
    assert!(app.join("NewName/function.json").exists());
    assert!(app.join("HandWritten/function.json").exists(), "folders the build did not generate are never touched");
    assert_eq!(mtime(&app.join("KeepMe/function.json")), kept_before, "unchanged function.json is not rewritten");
    assert_eq!(mtime(&app.join("host.json")), host_before, "unchanged host.json is not rewritten");

    // A build with no change does nothing: the build step does not make the crate dirty.
    let exe = target_dir().join("debug").join(&fixture.name);
    let exe_before = mtime(&exe);
    let out =
        Command::new(env!("CARGO")).args(["build", "-v"]).current_dir(&fixture.dir).env("CARGO_TARGET_DIR", target_dir()).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("Fresh {}", fixture.name)), "a no-change build recompiled: {stderr}");
    assert_eq!(mtime(&exe), exe_before);
}

#[test]
fn functions_the_build_step_cannot_see_are_compile_errors() {
    let source = format!("macro_rules! make {{ () => {{ {} }}; }}\nmake!();\n{}", function_src("hidden"), function_src("visible"));
    let fixture = Fixture::new("fixture-invisible", &source);
    let (ok, stderr) = fixture.build(&[]);
    assert!(!ok);
    assert!(stderr.contains("dapr-fn's build step did not find function `Hidden`"), "{stderr}");
    assert!(!stderr.contains("`Visible`"), "{stderr}");
}

#[test]
fn names_that_differ_only_in_case_are_compile_errors() {
    let source = "#[function(name = \"Orders\")]\n#[dapr_service_invocation_trigger]\nasync fn a(p: String) { let _ = p; }\n#[function(name = \"orders\")]\n#[dapr_service_invocation_trigger]\nasync fn b(p: String) { let _ = p; }\n";
    let fixture = Fixture::new("fixture-clash", source);
    let (ok, stderr) = fixture.build(&[]);
    assert!(!ok);
    assert!(stderr.contains("function name `Orders` is also used by the function at src/main.rs:7 (`orders`)"), "{stderr}");
    assert!(stderr.contains("function name `orders` is also used by the function at src/main.rs:4 (`Orders`)"), "{stderr}");
    assert!(!fixture.app().join("Orders").exists() && !fixture.app().join("orders").exists(), "clashing functions get no folder");
}

#[test]
fn cfg_gated_functions_follow_the_features_and_explicit_targets_work() {
    let source = format!(
        "{}#[cfg(feature = \"extra\")]\n{}#[cfg(not(unix))]\n{}",
        function_src("always"),
        function_src("extra"),
        function_src("never_on_unix")
    );
    let fixture = Fixture::new("fixture-cfg", &source);
    let (ok, stderr) = fixture.build(&[]);
    assert!(ok, "{stderr}");
    let app = fixture.app();
    assert!(app.join("Always").exists() && !app.join("Extra").exists() && !app.join("NeverOnUnix").exists());
    let (ok, stderr) = fixture.build(&["--features", "extra"]);
    assert!(ok, "{stderr}");
    assert!(app.join("Extra/function.json").exists());

    // With `--target`, cargo puts everything under target/<triple>/: the app goes there too,
    // next to the executable (the same layout as a cross build).
    let triple = host_triple();
    let (ok, stderr) = fixture.build(&["--target", &triple]);
    assert!(ok, "{stderr}");
    let app = target_dir().join(&triple).join("debug/azure-functions").join(&fixture.name);
    assert!(app.join("Always/function.json").exists());
    assert!(app.join(&fixture.name).exists(), "the link reaches target/<triple>/debug/{}", fixture.name);
}

fn host_triple() -> String {
    let out = Command::new("rustc").arg("-vV").output().expect("rustc runs");
    String::from_utf8_lossy(&out.stdout).lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc -vV names the host").to_string()
}
