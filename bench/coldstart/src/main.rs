//! Cold start as the Functions host sees it, measured `--runs` times:
//! - ready: from spawning the handler until `GET /` (the host's readiness probe) answers;
//! - first: from spawning it until the first invocation is answered with 200.
//!
//! The client polls in a tight loop with no sleep (the host polls every 25 ms, so these are
//! lower bounds of what the host can observe). Prints one JSON line per run and a summary
//! line `COLDSTART2_JSON {...}` with medians in milliseconds.
//!
//!     dapr-fn-coldstart --runs 20 --port-base 18500 --body payload.json -- ./handler

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn request(port: u16, raw: &[u8]) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    stream.write_all(raw).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let line = String::from_utf8_lossy(&answer);
    line.split_whitespace().nth(1)?.parse().ok()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values[values.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let runs: usize = flag("--runs").and_then(|v| v.parse().ok()).unwrap_or(20);
    let port_base: u16 = flag("--port-base").and_then(|v| v.parse().ok()).unwrap_or(18500);
    let body = std::fs::read(flag("--body").expect("--body FILE")).expect("readable body");
    let command: Vec<String> = args.iter().skip_while(|a| *a != "--").skip(1).cloned().collect();
    assert!(!command.is_empty(), "usage: dapr-fn-coldstart --runs N --port-base P --body FILE -- CMD [ARGS]");
    let probe = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".to_vec();
    let mut invoke = format!(
        "POST /StateOutputBinding HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    invoke.extend_from_slice(&body);
    let (mut ready, mut first) = (Vec::new(), Vec::new());
    for run in 0..runs {
        let port = port_base + run as u16;
        let started = Instant::now();
        let mut child = Command::new(&command[0])
            .args(&command[1..])
            .env("FUNCTIONS_CUSTOMHANDLER_PORT", port.to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the handler starts");
        let deadline = started + Duration::from_secs(30);
        while request(port, &probe).is_none() {
            assert!(Instant::now() < deadline, "no answer to GET / within 30 s");
        }
        let t_ready = started.elapsed().as_secs_f64() * 1000.0;
        while request(port, &invoke) != Some(200) {
            assert!(Instant::now() < deadline, "no 200 invocation within 30 s");
        }
        let t_first = started.elapsed().as_secs_f64() * 1000.0;
        let _ = child.kill();
        let _ = child.wait();
        println!("{{\"run\":{run},\"ready_ms\":{t_ready:.3},\"first_ms\":{t_first:.3}}}");
        ready.push(t_ready);
        first.push(t_first);
    }
    println!(
        "COLDSTART2_JSON {{\"runs\":{runs},\"ready_median_ms\":{:.3},\"first_median_ms\":{:.3}}}",
        median(&mut ready),
        median(&mut first)
    );
}
