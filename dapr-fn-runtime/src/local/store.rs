//! The embedded state store: a SQLite file with the table layout of Dapr's own
//! `state.sqlite` component (tables `metadata` and `state`; keys prefixed `<appId>||`),
//! so a real Dapr sidecar pointed at the same file sees the same data.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{params, Connection, OptionalExtension};

/// One stored record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stored {
    /// The value's JSON text.
    pub(crate) value: String,
    pub(crate) etag: String,
}

/// A save that did not happen.
#[derive(Debug, PartialEq)]
pub(crate) enum SaveError {
    /// The record's etag does not match the stored one.
    EtagMismatch(String),
    /// The database failed.
    Storage(String),
}

/// A state store backed by one SQLite file.
pub(crate) struct StateStore {
    conn: Mutex<Connection>,
}

impl StateStore {
    /// Opens (creating if needed) the file and the tables, as Dapr's migrations do.
    pub(crate) fn open(path: &Path) -> Result<StateStore, String> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let fail = |e: rusqlite::Error| format!("state file {}: {e}", path.display());
        let conn = Connection::open(path).map_err(fail)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(fail)?;
        conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;").map_err(fail)?;
        let tx = conn.unchecked_transaction().map_err(fail)?;
        tx.execute("CREATE TABLE IF NOT EXISTS metadata (key text NOT NULL PRIMARY KEY, value text NOT NULL)", []).map_err(fail)?;
        let level: Option<String> =
            tx.query_row("SELECT value FROM metadata WHERE key = 'migrations'", [], |r| r.get(0)).optional().map_err(fail)?;
        if level.is_none() {
            tx.execute(
                "CREATE TABLE IF NOT EXISTS state (
                    key TEXT NOT NULL PRIMARY KEY,
                    value TEXT NOT NULL,
                    is_binary BOOLEAN NOT NULL,
                    etag TEXT NOT NULL,
                    expiration_time TIMESTAMP DEFAULT NULL,
                    update_time TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
                )",
                [],
            )
            .map_err(fail)?;
            tx.execute("REPLACE INTO metadata (key, value) VALUES ('migrations', '1')", []).map_err(fail)?;
        }
        tx.commit().map_err(fail)?;
        Ok(StateStore { conn: Mutex::new(conn) })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Saves records atomically: all or none. Each is `(full key, value JSON, etag)`.
    pub(crate) fn save(&self, records: &[(String, String, Option<String>)]) -> Result<(), SaveError> {
        let mut conn = self.lock();
        let storage = |e: rusqlite::Error| SaveError::Storage(e.to_string());
        let tx = conn.transaction().map_err(storage)?;
        for (key, value, etag) in records {
            let new_etag = new_etag();
            let changed = match etag.as_deref().filter(|e| !e.is_empty()) {
                None => tx
                    .execute(
                        "INSERT OR REPLACE INTO state (key, value, is_binary, etag, update_time, expiration_time) VALUES (?1, ?2, ?3, ?4, CURRENT_TIMESTAMP, NULL)",
                        params![key, value, false, new_etag],
                    )
                    .map_err(storage)?,
                Some(etag) => tx
                    .execute(
                        "UPDATE state SET value = ?1, etag = ?2, is_binary = ?3, update_time = CURRENT_TIMESTAMP, expiration_time = NULL WHERE key = ?4 AND etag = ?5",
                        params![value, new_etag, false, key, etag],
                    )
                    .map_err(storage)?,
            };
            if changed == 0 {
                return Err(SaveError::EtagMismatch(key.clone()));
            }
        }
        tx.commit().map_err(storage)
    }

    /// Reads a record (ignoring expired ones).
    pub(crate) fn get(&self, key: &str) -> Result<Option<Stored>, String> {
        self.lock()
            .query_row(
                "SELECT value, etag FROM state WHERE key = ?1 AND (expiration_time IS NULL OR expiration_time > CURRENT_TIMESTAMP)",
                [key],
                |r| Ok(Stored { value: r.get(0)?, etag: r.get(1)? }),
            )
            .optional()
            .map_err(|e| e.to_string())
    }

    /// Deletes a record; with an etag, only if it matches.
    pub(crate) fn delete(&self, key: &str, etag: Option<&str>) -> Result<(), SaveError> {
        let conn = self.lock();
        let storage = |e: rusqlite::Error| SaveError::Storage(e.to_string());
        match etag.filter(|e| !e.is_empty()) {
            None => conn.execute("DELETE FROM state WHERE key = ?1", [key]).map(|_| ()).map_err(storage),
            Some(etag) => match conn.execute("DELETE FROM state WHERE key = ?1 AND etag = ?2", [key, etag]).map_err(storage)? {
                0 => Err(SaveError::EtagMismatch(key.to_string())),
                _ => Ok(()),
            },
        }
    }
}

/// A random UUID v4 string, as Dapr uses for etags.
fn new_etag() -> String {
    crate::host::random_guid()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_reads_and_honours_etags_across_reopens() {
        let dir = std::env::temp_dir().join(format!("dapr-fn-store-{}", std::process::id()));
        let path = dir.join("state.db");
        let _ = std::fs::remove_dir_all(&dir);
        let store = StateStore::open(&path).unwrap();
        store.save(&[("app||a".into(), "{\"n\":1}".into(), None), ("app||b".into(), "\"x\"".into(), None)]).unwrap();
        let a = store.get("app||a").unwrap().unwrap();
        assert_eq!(a.value, "{\"n\":1}");
        assert_eq!(store.save(&[("app||a".into(), "2".into(), Some("stale".into()))]), Err(SaveError::EtagMismatch("app||a".into())));
        store.save(&[("app||a".into(), "2".into(), Some(a.etag.clone()))]).unwrap();
        assert_ne!(store.get("app||a").unwrap().unwrap().etag, a.etag);
        // All or nothing: a bad etag anywhere leaves every record as it was.
        assert!(store.save(&[("app||b".into(), "\"y\"".into(), None), ("app||a".into(), "3".into(), Some("stale".into()))]).is_err());
        assert_eq!(store.get("app||b").unwrap().unwrap().value, "\"x\"");
        drop(store);
        let reopened = StateStore::open(&path).unwrap();
        assert_eq!(reopened.get("app||a").unwrap().unwrap().value, "2");
        reopened.delete("app||a", None).unwrap();
        assert_eq!(reopened.get("app||a").unwrap(), None);
        let conn = Connection::open(&path).unwrap();
        let level: String = conn.query_row("SELECT value FROM metadata WHERE key = 'migrations'", [], |r| r.get(0)).unwrap();
        assert_eq!(level, "1");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
