//! The file store: the fleet's state as one JSON file (mode 0600) for the processes of one
//! host. Every operation takes an exclusive advisory lock (`flock`) on `PATH.lock`, reads the
//! file, applies the operation and replaces the file, so processes never interleave.

use std::io::Write;
use std::path::{Path, PathBuf};

use futures::future::{BoxFuture, FutureExt};

use super::state::{now_ms, Board};
use super::{SessionStore, StoreError, StoreOp, StoreReply};

/// A session store in a file shared by the processes of one host.
#[derive(Debug, Clone)]
pub struct FileStore {
    path: PathBuf,
}

impl FileStore {
    /// A store in `path` (created on first use, with `path.lock` beside it).
    pub fn new(path: impl Into<PathBuf>) -> FileStore {
        FileStore { path: path.into() }
    }

    fn fail(&self, op: &'static str, what: &str, e: impl std::fmt::Display) -> StoreError {
        StoreError::Backend {
            store: self.describe(),
            op,
            reason: format!("{what}: {e}"),
        }
    }

    /// Runs `op` under the file lock (blocking: called on a blocking thread).
    fn apply_locked(&self, op: StoreOp) -> Result<StoreReply, StoreError> {
        let name = op.name();
        let lock_path = sibling(&self.path, ".lock");
        let lock_file = create_private(&lock_path, false)
            .map_err(|e| self.fail(name, "cannot open the lock file", e))?;
        let _held = FileLock::exclusive(&lock_file)
            .map_err(|e| self.fail(name, "cannot lock the store", e))?;
        let mut board = match std::fs::read(&self.path) {
            Ok(bytes) if bytes.is_empty() => Board::default(),
            Ok(bytes) => serde_json::from_slice::<Board>(&bytes)
                .map_err(|e| self.fail(name, "the store file is not a bi-rest fleet state", e))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Board::default(),
            Err(e) => return Err(self.fail(name, "cannot read the store file", e)),
        };
        let reply = board.apply(op, now_ms());
        let json = serde_json::to_vec(&board)
            .map_err(|e| self.fail(name, "cannot serialise the fleet state", e))?;
        let tmp = sibling(&self.path, &format!(".{}.tmp", std::process::id()));
        let written = create_private(&tmp, true).and_then(|mut f| {
            f.write_all(&json)?;
            f.sync_all()
        });
        if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, &self.path)) {
            let _ = std::fs::remove_file(&tmp);
            return Err(self.fail(name, "cannot write the store file", e));
        }
        Ok(reply)
    }
}

impl SessionStore for FileStore {
    fn run(&self, op: StoreOp) -> BoxFuture<'_, Result<StoreReply, StoreError>> {
        let store = self.clone();
        async move {
            let name = op.name();
            tokio::task::spawn_blocking(move || store.apply_locked(op))
                .await
                .unwrap_or_else(|e| Err(self.fail(name, "the store task failed", e)))
        }
        .boxed()
    }

    fn describe(&self) -> String {
        format!("file:{}", self.path.display())
    }
}

/// `path` with `suffix` appended to its file name.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Opens (creating with mode 0600) `path` for writing; `truncate` replaces its contents.
fn create_private(path: &Path, truncate: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// An exclusive advisory lock on an open file, released on drop.
struct FileLock<'a> {
    #[cfg_attr(not(unix), allow(dead_code))]
    file: &'a std::fs::File,
}

impl<'a> FileLock<'a> {
    #[cfg(unix)]
    fn exclusive(file: &'a std::fs::File) -> std::io::Result<FileLock<'a>> {
        use std::os::unix::io::AsRawFd;
        // SAFETY: flock on a descriptor this function borrows for the lock's lifetime.
        let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) };
        if rc == 0 {
            Ok(FileLock { file })
        } else {
            Err(std::io::Error::last_os_error())
        }
    }

    #[cfg(not(unix))]
    fn exclusive(file: &'a std::fs::File) -> std::io::Result<FileLock<'a>> {
        Ok(FileLock { file })
    }
}

impl Drop for FileLock<'_> {
    fn drop(&mut self) {
        #[cfg(unix)]
        {
            use std::os::unix::io::AsRawFd;
            // SAFETY: unlocking the descriptor locked in `exclusive`, still open.
            unsafe {
                libc::flock(self.file.as_raw_fd(), libc::LOCK_UN);
            }
        }
    }
}
