//! Captures every tracing event of the test binary, so tests can assert that no secret was logged.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

#[derive(Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut b) = self.0.lock() {
            b.extend_from_slice(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn buffer() -> &'static Buffer {
    static BUF: OnceLock<Buffer> = OnceLock::new();
    BUF.get_or_init(|| {
        let buf = Buffer::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("one global subscriber");
        buf
    })
}

/// Installs the capturing subscriber (idempotent).
pub fn install() {
    buffer();
}

/// Everything logged so far by this test binary.
pub fn captured() -> String {
    String::from_utf8_lossy(&buffer().0.lock().expect("log lock")).into_owned()
}

/// Panics if any of `secrets` appears in the captured log.
#[allow(dead_code)]
pub fn assert_no_secret_logged(secrets: &[&str]) {
    let log = captured();
    for s in secrets {
        assert!(!log.contains(s), "secret {s:?} leaked into the log:\n{log}");
    }
}
