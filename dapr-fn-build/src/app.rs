//! Writing the function app to disk: atomically, only when content changes, and
//! removing only folders dapr-fn generated itself.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use dapr_fn_manifest::{FunctionManifest, GENERATED_BY_PREFIX};

/// Where the app goes and what it runs.
#[derive(Clone, Debug)]
pub struct AppLayout {
    /// The app (script root) directory.
    pub app_dir: PathBuf,
    /// The executable's file name, which host.json's `defaultExecutablePath` names.
    pub executable: String,
    /// The directory cargo links the executable into; the app links to it from there.
    pub executable_dir: PathBuf,
    /// The user's host.json to merge, if it exists.
    pub user_host_json: Option<PathBuf>,
    /// The user's local.settings.json to copy, if it exists.
    pub user_local_settings: Option<PathBuf>,
}

/// What [`write_app`] did, for tests and tooling.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files (re)written because their content changed.
    pub written: Vec<PathBuf>,
    /// Function folders removed because their function no longer exists.
    pub removed: Vec<PathBuf>,
}

/// The list of folders this app's last build generated.
const OWNED_LIST: &str = ".dapr-fn-functions";

const DEFAULT_LOCAL_SETTINGS: &str = "{\n  \"IsEncrypted\": false,\n  \"Values\": {\n    \"FUNCTIONS_WORKER_RUNTIME\": \"custom\",\n    \"AzureWebJobsStorage\": \"\"\n  }\n}\n";

/// Writes the app for `functions`.
pub fn write_app(layout: &AppLayout, functions: &[FunctionManifest]) -> Result<WriteReport, String> {
    let mut report = WriteReport::default();
    let dir = &layout.app_dir;
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;

    let user_host = match &layout.user_host_json {
        Some(p) if p.exists() => Some(std::fs::read_to_string(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?),
        _ => None,
    };
    // Where symlinks are unavailable the app names the executable by its relative path.
    let executable_path = if cfg!(unix) {
        layout.executable.clone()
    } else {
        relative_path(&layout.app_dir, &layout.executable_dir.join(&layout.executable)).display().to_string()
    };
    let host_json = crate::hostjson::render(&executable_path, user_host.as_deref())?;
    write_tracked(&dir.join("host.json"), host_json.as_bytes(), &mut report)?;

    let settings = dir.join("local.settings.json");
    match &layout.user_local_settings {
        Some(p) if p.exists() => {
            let bytes = std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
            write_tracked(&settings, &bytes, &mut report)?;
        }
        _ if !settings.exists() => write_tracked(&settings, DEFAULT_LOCAL_SETTINGS.as_bytes(), &mut report)?,
        _ => {}
    }

    let desired: BTreeSet<&str> = functions.iter().map(|f| f.name.as_str()).collect();
    let previously_owned = read_owned(dir);
    for name in previously_owned.iter().filter(|n| !desired.contains(n.as_str())) {
        let folder = dir.join(name);
        if remove_generated_folder(&folder)? {
            report.removed.push(folder);
        }
    }
    for f in functions {
        let folder = dir.join(&f.name);
        std::fs::create_dir_all(&folder).map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        write_tracked(&folder.join("function.json"), f.to_function_json().as_bytes(), &mut report)?;
    }
    let owned: Vec<&str> = desired.iter().copied().collect();
    write_if_changed(&dir.join(OWNED_LIST), (owned.join("\n") + "\n").as_bytes())?;
    link_executable(layout)?;
    Ok(report)
}

fn read_owned(dir: &Path) -> Vec<String> {
    std::fs::read_to_string(dir.join(OWNED_LIST))
        .map(|t| t.lines().filter(|l| !l.is_empty() && !l.contains(['/', '\\']) && *l != "..").map(str::to_string).collect())
        .unwrap_or_default()
}

/// Removes a function folder if its function.json carries dapr-fn's marker; other files
/// the user put there are left alone (and so is the folder, then).
fn remove_generated_folder(folder: &Path) -> Result<bool, String> {
    let file = folder.join("function.json");
    let Ok(text) = std::fs::read_to_string(&file) else { return Ok(false) };
    if !text.contains(&format!("\"generatedBy\": \"{GENERATED_BY_PREFIX}")) {
        return Ok(false);
    }
    std::fs::remove_file(&file).map_err(|e| format!("cannot remove {}: {e}", file.display()))?;
    let _ = std::fs::remove_dir(folder);
    Ok(true)
}

fn write_tracked(path: &Path, bytes: &[u8], report: &mut WriteReport) -> Result<(), String> {
    if write_if_changed(path, bytes)? {
        report.written.push(path.to_path_buf());
    }
    Ok(())
}

/// Writes `bytes` to `path` through a temporary file and a rename, unless the file
/// already holds exactly these bytes. Returns whether it wrote.
pub(crate) fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, String> {
    if std::fs::read(path).is_ok_and(|existing| existing == bytes) {
        return Ok(false);
    }
    let tmp = path.with_extension(format!("tmp.{}", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(format!("cannot write {}: {e}", path.display()));
    }
    Ok(true)
}

/// Links `<app>/<executable>` to the executable cargo builds, so host.json can name it
/// relative to the app root. The link may dangle until linking finishes.
fn link_executable(layout: &AppLayout) -> Result<(), String> {
    let link = layout.app_dir.join(&layout.executable);
    let target = layout.executable_dir.join(&layout.executable);
    let relative = relative_path(&layout.app_dir, &target);
    #[cfg(unix)]
    {
        if std::fs::read_link(&link).is_ok_and(|existing| existing == relative) {
            return Ok(());
        }
        if std::fs::symlink_metadata(&link).is_ok() {
            std::fs::remove_file(&link).map_err(|e| format!("cannot replace {}: {e}", link.display()))?;
        }
        std::os::unix::fs::symlink(&relative, &link).map_err(|e| format!("cannot link {} to {}: {e}", link.display(), relative.display()))
    }
    #[cfg(not(unix))]
    {
        // No unprivileged symlinks: the app names the executable by relative path instead.
        let _ = (link, relative);
        Ok(())
    }
}

/// `to` relative to the directory `from` (both absolute).
fn relative_path(from: &Path, to: &Path) -> PathBuf {
    let from: Vec<_> = from.components().collect();
    let to_components: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to_components).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_components[common..] {
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use dapr_fn_manifest::{BindingManifest, Direction};

    fn function(name: &str) -> FunctionManifest {
        FunctionManifest {
            name: name.into(),
            bindings: vec![BindingManifest {
                binding_type: "daprServiceInvocationTrigger".into(),
                direction: Direction::In,
                name: "payload".into(),
                properties: vec![],
            }],
        }
    }

    fn layout(root: &Path) -> AppLayout {
        AppLayout {
            app_dir: root.join("target/debug/azure-functions/app"),
            executable: "app".into(),
            executable_dir: root.join("target/debug"),
            user_host_json: Some(root.join("host.json")),
            user_local_settings: Some(root.join("local.settings.json")),
        }
    }

    #[test]
    fn writes_the_app_and_leaves_unchanged_files_alone() {
        let root = tempfile::tempdir().unwrap();
        let layout = layout(root.path());
        let report = write_app(&layout, &[function("A"), function("B")]).unwrap();
        assert_eq!(report.written.len(), 4, "{report:?}");
        let app = &layout.app_dir;
        assert!(app.join("A/function.json").exists() && app.join("B/function.json").exists());
        assert!(std::fs::read_to_string(app.join("local.settings.json")).unwrap().contains("\"FUNCTIONS_WORKER_RUNTIME\": \"custom\""));
        #[cfg(unix)]
        assert_eq!(std::fs::read_link(app.join("app")).unwrap(), PathBuf::from("../../app"));
        let again = write_app(&layout, &[function("A"), function("B")]).unwrap();
        assert_eq!(again, WriteReport::default(), "a second build rewrites nothing");
    }

    #[test]
    fn removes_only_stale_folders_it_generated() {
        let root = tempfile::tempdir().unwrap();
        let layout = layout(root.path());
        write_app(&layout, &[function("Old"), function("Kept")]).unwrap();
        let app = &layout.app_dir;
        std::fs::create_dir_all(app.join("Handwritten")).unwrap();
        std::fs::write(app.join("Handwritten/function.json"), r#"{"bindings":[]}"#).unwrap();
        let report = write_app(&layout, &[function("Kept"), function("New")]).unwrap();
        assert_eq!(report.removed, vec![app.join("Old")]);
        assert!(!app.join("Old").exists());
        assert!(app.join("Handwritten/function.json").exists(), "folders it did not generate stay");
        assert!(app.join("New/function.json").exists() && app.join("Kept/function.json").exists());
    }

    #[test]
    fn keeps_user_settings_and_merges_host_json() {
        let root = tempfile::tempdir().unwrap();
        let layout = layout(root.path());
        std::fs::write(root.path().join("host.json"), r#"{"version":"2.0","functionTimeout":"00:05:00"}"#).unwrap();
        std::fs::write(root.path().join("local.settings.json"), r#"{"Values":{"StateStoreName":"statestore"}}"#).unwrap();
        write_app(&layout, &[function("A")]).unwrap();
        let host: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(layout.app_dir.join("host.json")).unwrap()).unwrap();
        assert_eq!(host["functionTimeout"], "00:05:00");
        assert_eq!(host["customHandler"]["description"]["defaultExecutablePath"], "app");
        let settings = std::fs::read_to_string(layout.app_dir.join("local.settings.json")).unwrap();
        assert!(settings.contains("StateStoreName"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(relative_path(Path::new("/t/debug/azure-functions/app"), Path::new("/t/debug/app")), PathBuf::from("../../app"));
    }
}
