//! Helpers shared by dapr-fn's integration tests: building the example apps and talking
//! HTTP/1.1 to a running handler with full control over framing.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Reads a child's stdout and stderr on background threads, so a chatty child never
/// blocks on a full pipe; the text is collected for the end of the test.
#[derive(Default, Clone)]
struct Output {
    stdout: Arc<Mutex<String>>,
    stderr: Arc<Mutex<String>>,
}

impl Output {
    fn drain(child: &mut Child) -> Output {
        let out = Output::default();
        fn pump(stream: Option<impl Read + Send + 'static>, into: Arc<Mutex<String>>) {
            if let Some(mut stream) = stream {
                std::thread::spawn(move || {
                    let mut buf = [0u8; 8192];
                    while let Ok(n) = stream.read(&mut buf) {
                        if n == 0 {
                            break;
                        }
                        into.lock().unwrap().push_str(&String::from_utf8_lossy(&buf[..n]));
                    }
                });
            }
        }
        pump(child.stdout.take(), out.stdout.clone());
        pump(child.stderr.take(), out.stderr.clone());
        out
    }

    fn take(&self) -> (String, String) {
        // Give the pumps a moment to read what the exited child wrote last.
        std::thread::sleep(Duration::from_millis(100));
        (self.stdout.lock().unwrap().clone(), self.stderr.lock().unwrap().clone())
    }
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

/// The cargo target directory the tests build into.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| workspace().join("target"))
}

/// Builds a workspace package (debug) and returns the path of its executable.
pub fn build_example(package: &str) -> PathBuf {
    let status =
        Command::new(env!("CARGO")).args(["build", "--quiet", "-p", package]).current_dir(workspace()).status().expect("cargo runs");
    assert!(status.success(), "cargo build -p {package} failed");
    target_dir().join("debug").join(package)
}

/// The function app the build step wrote for a package.
pub fn app_dir(package: &str) -> PathBuf {
    target_dir().join("debug").join("azure-functions").join(package)
}

/// A handler process started the way the host starts it.
pub struct Handler {
    child: Option<Child>,
    output: Output,
    /// Its `FUNCTIONS_CUSTOMHANDLER_PORT`.
    pub port: u16,
}

impl Handler {
    /// Starts `exe` with `FUNCTIONS_CUSTOMHANDLER_PORT` and waits until `GET /` answers.
    pub fn start(exe: &Path, envs: &[(&str, &str)]) -> Handler {
        let port = free_port();
        let mut cmd = Command::new(exe);
        cmd.env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
            .env("FUNCTIONS_CUSTOMHANDLER_WORKER_ID", "e2e-worker")
            .env_remove("FUNCTIONS_APP_ROOT_PATH")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("handler starts");
        let output = Output::drain(&mut child);
        let handler = Handler { child: Some(child), output, port };
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                let _ = s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                let mut buf = String::new();
                if s.read_to_string(&mut buf).is_ok() && buf.starts_with("HTTP/1.1 ") {
                    return handler;
                }
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("handler {} did not answer GET / within 30 s", exe.display());
    }

    /// Opens a keep-alive connection.
    pub fn connect(&self) -> Conn {
        Conn::open(self.port)
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends SIGTERM.
    pub fn terminate(&self) {
        let _ = Command::new("kill").args(["-TERM", &self.pid().to_string()]).status();
    }

    /// Waits for exit and returns the exit code with everything written to stdout and stderr.
    pub fn wait_output(mut self) -> (Option<i32>, String, String) {
        let status = self.child.take().expect("running").wait().expect("wait");
        let (stdout, stderr) = self.output.take();
        (status.code(), stdout, stderr)
    }
}

impl Drop for Handler {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An app running in local mode (no `FUNCTIONS_CUSTOMHANDLER_PORT`), on free ports and
/// its own data directory.
pub struct LocalApp {
    child: Option<Child>,
    output: Output,
    /// The HTTP functions port.
    pub http_port: u16,
    /// The Dapr app port.
    pub app_port: u16,
    /// The embedded sidecar's port.
    pub sidecar_port: u16,
    /// Where state and recorded bindings go.
    pub data_dir: PathBuf,
}

impl LocalApp {
    /// Starts `exe` in local mode; `envs` come on top (e.g. `DAPR_HTTP_PORT`).
    pub fn start(exe: &Path, data_dir: &Path, envs: &[(&str, &str)]) -> LocalApp {
        let (http_port, app_port, sidecar_port) = (free_port(), free_port(), free_port());
        let mut cmd = Command::new(exe);
        cmd.env_remove("FUNCTIONS_CUSTOMHANDLER_PORT")
            .env("DAPR_FN_HTTP_PORT", http_port.to_string())
            .env("DAPR_APP_PORT", app_port.to_string())
            .env("DAPR_FN_SIDECAR_PORT", sidecar_port.to_string())
            .env("DAPR_FN_DATA_DIR", data_dir)
            .env_remove("DAPR_HTTP_PORT")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let mut child = cmd.spawn().expect("app starts");
        let output = Output::drain(&mut child);
        let app = LocalApp { child: Some(child), output, http_port, app_port, sidecar_port, data_dir: data_dir.to_path_buf() };
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", http_port)).is_err() {
            assert!(Instant::now() < deadline, "local mode did not start listening on {http_port}");
            std::thread::sleep(Duration::from_millis(25));
        }
        app
    }

    /// A connection to a port of the app.
    pub fn connect(&self, port: u16) -> Conn {
        Conn::open(port)
    }

    /// Kills the app with SIGKILL, as a crash would.
    pub fn kill_9(&self) {
        if let Some(child) = &self.child {
            let _ = Command::new("kill").args(["-KILL", &child.id().to_string()]).status();
        }
    }

    /// Stops the app (SIGTERM) and returns its stdout and stderr.
    pub fn stop(mut self) -> (String, String) {
        let mut child = self.child.take().expect("running");
        let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
        child.wait().expect("wait");
        self.output.take()
    }
}

impl Drop for LocalApp {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A port that was free a moment ago (below the ephemeral range, as the bench does).
pub fn free_port() -> u16 {
    use std::sync::atomic::{AtomicU16, Ordering};
    static NEXT: AtomicU16 = AtomicU16::new(0);
    let base = 20_000 + (std::process::id() % 5_000) as u16 * 2;
    loop {
        let port = base + NEXT.fetch_add(1, Ordering::Relaxed) % 2_000;
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Response {
    /// Status code.
    pub status: u16,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// Body.
    pub body: Vec<u8>,
}

impl Response {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("body is not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

/// One keep-alive HTTP/1.1 connection.
pub struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    /// Opens a keep-alive connection to `127.0.0.1:port`.
    pub fn open(port: u16) -> Conn {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        Conn { reader: BufReader::new(stream.try_clone().unwrap()), stream }
    }

    /// Sends a request with `Content-Length`.
    pub fn request(&mut self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Response {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        self.stream.write_all(head.as_bytes()).unwrap();
        self.stream.write_all(body).unwrap();
        self.read_response()
    }

    /// Sends a request with `Transfer-Encoding: chunked`, in `chunk`-byte chunks, as the
    /// host's streaming serializer does.
    pub fn request_chunked(&mut self, path: &str, body: &[u8], chunk: usize) -> Response {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
        );
        self.stream.write_all(head.as_bytes()).unwrap();
        for piece in body.chunks(chunk.max(1)) {
            self.stream.write_all(format!("{:x}\r\n", piece.len()).as_bytes()).unwrap();
            self.stream.write_all(piece).unwrap();
            self.stream.write_all(b"\r\n").unwrap();
        }
        self.stream.write_all(b"0\r\n\r\n").unwrap();
        self.read_response()
    }

    /// Posts an invocation payload as the host does.
    pub fn invoke(&mut self, function: &str, payload: &str) -> Response {
        self.request(
            "POST",
            &format!("/{function}"),
            &[
                ("Content-Type", "application/json; charset=utf-8"),
                ("X-Azure-Functions-InvocationId", "6f2c1f0e-0000-4000-8000-000000000001"),
            ],
            payload.as_bytes(),
        )
    }

    fn read_response(&mut self) -> Response {
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("status line");
        let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or_else(|| panic!("bad status line {line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            self.reader.read_line(&mut h).unwrap();
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            let (k, v) = h.split_once(':').expect("header");
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
        }
        let len: usize = headers.iter().find(|(k, _)| k == "content-length").map_or(0, |(_, v)| v.parse().unwrap()); // bodiless answers such as 204 have none
        let mut body = vec![0; len];
        self.reader.read_exact(&mut body).unwrap();
        Response { status, headers, body }
    }
}
