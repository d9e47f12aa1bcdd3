//! The sandbox's state file: an embedded SQLite database of JSON records, so that state
//! survives a restart of a sandbox started with `--state FILE`.
//!
//! Knows nothing of customers or purses: a record is a kind, a key unique within its kind and
//! a JSON body, which the caller writes and reads back. The file is marked as the sandbox's (an
//! `application_id` and a format version in its header), and `open` refuses anything else
//! before writing to it, so a mistyped `--state` path never damages another file.
//!
//! Writes go through SQLite's write-ahead log with `synchronous = NORMAL`: a save that returned
//! survives the process being killed (not a power cut), and a killed process loses at most the
//! save in flight, never half of it. While a file is open its connection holds an exclusive
//! lock, so a second sandbox cannot share it, and `FILE-wal` exists next to it (folded back
//! into `FILE` and removed when the state file is dropped).

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior, params};

/// The format of the records table, in the header's `user_version`; a file with a higher one
/// was written by a newer sandbox and is refused rather than misread.
pub(crate) const FORMAT_VERSION: i32 = 1;

/// Marks an SQLite file as a sandbox state file, in the header's `application_id`: "CPSB"
/// (Calypso Purse SandBox) in ASCII. Fixed for good: another value makes every existing state
/// file look like another program's.
const APPLICATION_ID: i32 = 0x4350_5342;

/// How long `open` waits for a lock another connection holds before reporting the file as in
/// use, rather than failing at once or waiting forever.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The first bytes of every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The length of an SQLite database file's header.
const HEADER_LEN: usize = 100;

/// The one table, created with a new file. A rowid table, so rows keep the order they were
/// first inserted in.
const CREATE_SCHEMA: &str = "CREATE TABLE records (
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (kind, key)
)";

/// Every record, in the order each was first saved.
const SELECT_ALL: &str = "SELECT kind, key, body FROM records ORDER BY rowid";

/// Inserts a record or updates its body in place: unlike `INSERT OR REPLACE`, which deletes
/// and reinserts, it keeps the row's rowid and so the record's place in `load`.
const UPSERT: &str = "INSERT INTO records (kind, key, body) VALUES (?1, ?2, ?3)
    ON CONFLICT (kind, key) DO UPDATE SET body = excluded.body";

pub(crate) use crate::store::Record;

/// Why a state file cannot be used; its Display names the file's path and says what is wrong
/// and what to do.
#[derive(Debug)]
pub(crate) struct StateFileError {
    /// The file concerned.
    path: PathBuf,
    /// What is wrong and what to do, as a sentence that follows the path.
    message: String,
}

impl StateFileError {
    /// An error about the file at `path`; `message` follows the path in the Display.
    fn new(path: &Path, message: impl Into<String>) -> Self {
        Self {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    /// The file at `path` is not one `open` may use: it was not written to, and another path
    /// is the way out.
    fn refused(path: &Path, why: &str) -> Self {
        Self::new(
            path,
            format!(
                "is not a sandbox state file: {why}. It was left unchanged; give another path \
                 (a missing or empty file starts a new state)"
            ),
        )
    }

    /// An SQLite failure while doing `what` to the file at `path`; a busy or locked file says
    /// so plainly, since another process holding it is the likely cause.
    fn sqlite(path: &Path, what: &str, error: &rusqlite::Error) -> Self {
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Self::new(
                path,
                format!(
                    "is in use by another process (another sandbox?), so it cannot be {what}: \
                     {error}. Stop that process, or give another path"
                ),
            ),
            _ => Self::new(path, format!("cannot be {what}: {error}")),
        }
    }
}

impl fmt::Display for StateFileError {
    /// The path, then the message: "/tmp/s.db is not a sandbox state file: …".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.path.display(), self.message)
    }
}

impl std::error::Error for StateFileError {}

/// What the header or schema of an existing file says it is.
#[derive(Debug, PartialEq, Eq)]
enum Identity {
    /// No sandbox state yet: the schema is to be created.
    New,
    /// A sandbox state file this sandbox can read.
    Ours,
}

/// Decides from a file's `application_id`, `user_version` and whether it has tables whether it
/// is new, ours, or to be refused.
fn identify(
    path: &Path,
    application_id: i32,
    user_version: i32,
    has_tables: bool,
) -> Result<Identity, StateFileError> {
    match application_id {
        APPLICATION_ID if user_version > FORMAT_VERSION => Err(StateFileError::new(
            path,
            format!(
                "was written by a newer sandbox (state format {user_version}; this sandbox \
                 reads format {FORMAT_VERSION} at most). It was left unchanged; use that newer \
                 sandbox, or give another path"
            ),
        )),
        APPLICATION_ID if user_version < FORMAT_VERSION => Err(StateFileError::new(
            path,
            format!(
                "is marked as a sandbox state file but has state format {user_version}, which \
                 no sandbox writes; it may be damaged. It was left unchanged; give another path"
            ),
        )),
        APPLICATION_ID => Ok(Identity::Ours),
        0 if user_version == 0 && !has_tables => Ok(Identity::New),
        0 => Err(StateFileError::refused(
            path,
            "it is an SQLite database with content of its own, not the sandbox's",
        )),
        other => Err(StateFileError::refused(
            path,
            &format!("it is another program's SQLite database (application_id {other:#010x})"),
        )),
    }
}

/// Checks an existing file from its header bytes alone, before SQLite opens it: a file that is
/// not an SQLite database, or is another program's or a newer sandbox's, is refused without
/// SQLite ever touching it (no journal, no lock, no recovery of someone else's journal).
///
/// A missing or empty file passes. So does an SQLite database without an `application_id`
/// and with `user_version` 0, as far as its header tells; whether it has tables is checked
/// over the connection. One in WAL mode is refused: the sandbox marks its files before it
/// turns WAL on, and reading one would create its `-wal` and `-shm` files.
fn check_header(path: &Path) -> Result<(), StateFileError> {
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(error) => {
            return Err(StateFileError::new(
                path,
                format!("cannot be read: {error}"),
            ));
        }
    };
    if metadata.is_dir() {
        return Err(StateFileError::refused(path, "it is a directory"));
    }
    let mut header = Vec::with_capacity(HEADER_LEN);
    File::open(path)
        .and_then(|file| file.take(HEADER_LEN as u64).read_to_end(&mut header))
        .map_err(|error| StateFileError::new(path, format!("cannot be read: {error}")))?;
    if header.is_empty() {
        return Ok(());
    }
    if header.len() < HEADER_LEN || !header.starts_with(SQLITE_MAGIC) {
        return Err(StateFileError::refused(
            path,
            "it is not an SQLite database",
        ));
    }
    let field = |at: usize| {
        i32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]])
    };
    let user_version = field(60);
    let application_id = field(68);
    // Bytes 18 and 19 are the write and read format versions: 2 for WAL mode.
    let wal = header[18] == 2 || header[19] == 2;
    if identify(path, application_id, user_version, false)? == Identity::New && wal {
        return Err(StateFileError::refused(
            path,
            "it is an SQLite database in WAL mode that the sandbox did not create",
        ));
    }
    Ok(())
}

/// A sandbox state file, open: one SQLite connection holding the file's lock until dropped.
pub(crate) struct StateFile {
    /// The connection; a mutex because a connection is not `Sync` and the sandbox's request
    /// handlers share the state file across threads.
    connection: Mutex<Connection>,
    /// The path it was opened with, for errors.
    path: PathBuf,
}

impl StateFile {
    /// Opens the sandbox state file at `path`, creating it when it does not exist (or is an
    /// empty, 0-byte file).
    pub(crate) fn open(path: &Path) -> Result<StateFile, StateFileError> {
        Self::open_waiting(path, BUSY_TIMEOUT)
    }

    /// [`StateFile::open`], waiting at most `busy_timeout` for another connection's lock (the
    /// tests wait less than the sandbox).
    fn open_waiting(path: &Path, busy_timeout: Duration) -> Result<StateFile, StateFileError> {
        check_header(path)?;
        // No `SQLITE_OPEN_URI`: a path that happens to start with `file:` is still a path.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut connection = Connection::open_with_flags(path, flags)
            .map_err(|error| StateFileError::sqlite(path, "opened", &error))?;
        let opening = |error: rusqlite::Error| StateFileError::sqlite(path, "opened", &error);
        connection.busy_timeout(busy_timeout).map_err(opening)?;
        // Neither writes to the file: the lock mode is the connection's, and reading takes a
        // lock that the exclusive mode keeps until the connection closes.
        connection
            .pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(opening)?;
        let (application_id, user_version, tables): (i32, i32, i64) = connection
            .query_row(
                "SELECT (SELECT application_id FROM pragma_application_id),
                        (SELECT user_version FROM pragma_user_version),
                        (SELECT count(*) FROM sqlite_schema)",
                [],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .map_err(opening)?;
        if identify(path, application_id, user_version, tables > 0)? == Identity::New {
            create_schema(&mut connection)
                .map_err(|error| StateFileError::sqlite(path, "created", &error))?;
        }
        // Only now, once the file is known to be ours: switching to WAL writes to it. Created
        // files get their marks first, in the default rollback mode, so a file in WAL mode
        // without them is never the sandbox's (see `check_header`).
        let journal_mode: String = connection
            .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))
            .map_err(opening)?;
        if !journal_mode.eq_ignore_ascii_case("wal") {
            return Err(StateFileError::new(
                path,
                format!(
                    "cannot be opened: SQLite cannot keep a write-ahead log for it (journal \
                     mode {journal_mode}). Give a path on a local file system"
                ),
            ));
        }
        connection
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(opening)?;
        // Prepared once here, reused by every load and save; preparing also checks that the
        // records table is there and as expected.
        for sql in [SELECT_ALL, UPSERT] {
            connection.prepare_cached(sql).map_err(|error| {
                StateFileError::new(
                    path,
                    format!(
                        "is marked as a sandbox state file but its records table is not as \
                         expected ({error}); it may be damaged. Give another path"
                    ),
                )
            })?;
        }
        Ok(StateFile {
            connection: Mutex::new(connection),
            path: path.to_path_buf(),
        })
    }

    /// Every record, in the order each (kind, key) was FIRST saved (an update keeps the
    /// record's place).
    pub(crate) fn load(&self) -> Result<Vec<Record>, StateFileError> {
        let connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let reading = |error: rusqlite::Error| StateFileError::sqlite(&self.path, "read", &error);
        let mut statement = connection.prepare_cached(SELECT_ALL).map_err(reading)?;
        let rows = statement
            .query_map([], |row| {
                Ok(Record {
                    kind: row.get(0)?,
                    key: row.get(1)?,
                    body: row.get(2)?,
                })
            })
            .map_err(reading)?;
        rows.collect::<Result<Vec<_>, _>>().map_err(reading)
    }

    /// Saves (inserts or updates) every record in ONE SQLite transaction: all or nothing.
    pub(crate) fn save(&self, records: &[Record]) -> Result<(), StateFileError> {
        let mut connection = self
            .connection
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let count = records.len();
        let saving = |error: rusqlite::Error| {
            let mut failed = StateFileError::sqlite(&self.path, "written", &error);
            failed.message.push_str(&format!(
                " (none of the {count} records of this save was saved)"
            ));
            failed
        };
        // Dropped without a commit on any error, which rolls every record of it back.
        let transaction = connection
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(saving)?;
        {
            let mut upsert = transaction.prepare_cached(UPSERT).map_err(saving)?;
            for record in records {
                upsert
                    .execute(params![record.kind, record.key, record.body])
                    .map_err(saving)?;
            }
        }
        transaction.commit().map_err(saving)
    }
}

/// Makes an empty database a sandbox state file: its marks and its table, in one transaction,
/// so a file is either all new or marked and complete.
fn create_schema(connection: &mut Connection) -> rusqlite::Result<()> {
    let transaction = connection.transaction_with_behavior(TransactionBehavior::Exclusive)?;
    transaction.pragma_update(None, "application_id", APPLICATION_ID)?;
    transaction.pragma_update(None, "user_version", FORMAT_VERSION)?;
    transaction.execute_batch(CREATE_SCHEMA)?;
    transaction.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fresh directory under the system's temp dir, removed with everything in it on drop.
    struct TempDir(PathBuf);

    impl TempDir {
        /// A directory named after the test and this process, so parallel tests and runs
        /// don't meet.
        fn new(test: &str) -> Self {
            let dir =
                std::env::temp_dir().join(format!("sandbox-state-{}-{test}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("temp dir");
            Self(dir)
        }

        /// A path in the directory.
        fn file(&self, name: &str) -> PathBuf {
            self.0.join(name)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// A record of kind `kind`, key `key` and a small JSON body holding `value`.
    fn record(kind: &str, key: &str, value: u32) -> Record {
        Record {
            kind: kind.into(),
            key: key.into(),
            body: format!(r#"{{"value":{value}}}"#),
        }
    }

    /// The files SQLite keeps next to a database while it writes to it.
    fn side_files(path: &Path) -> Vec<PathBuf> {
        ["-wal", "-shm", "-journal"]
            .iter()
            .map(|suffix| {
                let mut name = path.as_os_str().to_owned();
                name.push(suffix);
                PathBuf::from(name)
            })
            .filter(|side| side.exists())
            .collect()
    }

    /// Opening `path` fails with a message containing `expected`, and leaves the file's bytes
    /// as they were and no side file behind.
    fn assert_refused(path: &Path, expected: &str) {
        let before = std::fs::read(path).expect("the file to refuse");
        let error = StateFile::open(path).err().expect("the file is refused");
        let message = error.to_string();
        assert!(
            message.starts_with(&path.display().to_string()),
            "{message}"
        );
        assert!(message.contains(expected), "{message}");
        assert_eq!(
            std::fs::read(path).expect("still there"),
            before,
            "{message}"
        );
        assert_eq!(side_files(path), Vec::<PathBuf>::new(), "{message}");
    }

    #[test]
    fn saved_records_come_back_after_a_reopen() {
        let dir = TempDir::new("round-trip");
        let path = dir.file("state.db");
        let records = vec![
            record("customer", "c1", 1),
            record("purse", "p1", 2),
            Record {
                kind: "customer".into(),
                key: "c2".into(),
                body: r#"{"name":"Zoë \"Z\""}"#.into(),
            },
        ];
        {
            let state = StateFile::open(&path).expect("a new file");
            assert_eq!(state.load().expect("load"), []);
            state.save(&records).expect("save");
            assert_eq!(state.load().expect("load"), records);
        }
        let reopened = StateFile::open(&path).expect("our own file");
        assert_eq!(reopened.load().expect("load"), records);
        drop(reopened);
        assert_eq!(
            side_files(&path),
            Vec::<PathBuf>::new(),
            "a clean close folds the WAL back"
        );
    }

    #[test]
    fn an_update_keeps_the_record_in_its_first_place() {
        let dir = TempDir::new("order");
        let path = dir.file("state.db");
        {
            let state = StateFile::open(&path).expect("a new file");
            state
                .save(&[record("customer", "a", 1), record("customer", "b", 1)])
                .expect("save");
            state.save(&[record("purse", "a", 1)]).expect("save");
            // Same key in another kind is another record; same kind and key is an update.
            state
                .save(&[record("customer", "a", 2), record("customer", "c", 1)])
                .expect("save");
            assert_eq!(
                state.load().expect("load"),
                [
                    record("customer", "a", 2),
                    record("customer", "b", 1),
                    record("purse", "a", 1),
                    record("customer", "c", 1),
                ]
            );
        }
        let state = StateFile::open(&path).expect("our own file");
        state
            .save(&[record("customer", "b", 3), record("customer", "d", 1)])
            .expect("save");
        drop(state);
        assert_eq!(
            StateFile::open(&path)
                .expect("our own file")
                .load()
                .expect("load"),
            [
                record("customer", "a", 2),
                record("customer", "b", 3),
                record("purse", "a", 1),
                record("customer", "c", 1),
                record("customer", "d", 1),
            ]
        );
    }

    #[test]
    fn a_save_is_all_or_nothing() {
        let dir = TempDir::new("atomic");
        let path = dir.file("state.db");
        let state = StateFile::open(&path).expect("a new file");
        state.save(&[record("customer", "kept", 1)]).expect("save");
        // A trigger makes the second record of the next save fail, after the first was
        // written inside the transaction.
        state
            .connection
            .lock()
            .unwrap()
            .execute_batch(
                "CREATE TEMP TRIGGER refuse BEFORE INSERT ON records WHEN NEW.key = 'bad'
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END",
            )
            .expect("trigger");
        let error = state
            .save(&[record("customer", "first", 1), record("customer", "bad", 1)])
            .expect_err("the second record fails");
        let message = error.to_string();
        assert!(message.contains("refused by the test"), "{message}");
        assert!(message.contains("none of the 2 records"), "{message}");
        assert_eq!(state.load().expect("load"), [record("customer", "kept", 1)]);
        drop(state);
        let reopened = StateFile::open(&path).expect("our own file");
        assert_eq!(
            reopened.load().expect("load"),
            [record("customer", "kept", 1)]
        );
    }

    #[test]
    fn a_poisoned_lock_is_recovered() {
        let dir = TempDir::new("poison");
        let state = StateFile::open(&dir.file("state.db")).expect("a new file");
        std::thread::scope(|scope| {
            let poisoning = scope.spawn(|| {
                let _held = state.connection.lock().unwrap();
                panic!("a request handler panics");
            });
            assert!(poisoning.join().is_err());
        });
        state.save(&[record("customer", "a", 1)]).expect("save");
        assert_eq!(state.load().expect("load"), [record("customer", "a", 1)]);
    }

    #[test]
    fn an_empty_file_or_an_empty_database_becomes_a_state_file() {
        let dir = TempDir::new("empty");
        let empty = dir.file("empty.db");
        std::fs::write(&empty, b"").expect("empty file");
        StateFile::open(&empty)
            .expect("a 0-byte file")
            .save(&[record("k", "a", 1)])
            .expect("save");
        assert_eq!(
            StateFile::open(&empty)
                .expect("reopen")
                .load()
                .expect("load"),
            [record("k", "a", 1)]
        );

        // An SQLite database with nothing in it: a table created, then dropped.
        let blank = dir.file("blank.db");
        Connection::open(&blank)
            .and_then(|c| c.execute_batch("CREATE TABLE t (x); DROP TABLE t;"))
            .expect("blank database");
        assert!(std::fs::metadata(&blank).expect("blank").len() > 0);
        StateFile::open(&blank)
            .expect("a blank database")
            .save(&[record("k", "a", 1)])
            .expect("save");
        assert_eq!(
            StateFile::open(&blank)
                .expect("reopen")
                .load()
                .expect("load"),
            [record("k", "a", 1)]
        );
    }

    #[test]
    fn a_file_that_is_not_a_database_is_refused_unchanged() {
        let dir = TempDir::new("text");
        let text = dir.file("notes.txt");
        std::fs::write(&text, "customer,purse\n".repeat(20)).expect("text file");
        assert_refused(
            &text,
            "is not a sandbox state file: it is not an SQLite database",
        );
        let short = dir.file("short.txt");
        std::fs::write(&short, "hi").expect("short file");
        assert_refused(
            &short,
            "is not a sandbox state file: it is not an SQLite database",
        );
        let error = StateFile::open(&dir.0)
            .err()
            .expect("a directory is refused");
        assert!(error.to_string().contains("it is a directory"), "{error}");
    }

    #[test]
    fn another_programs_database_is_refused_unchanged() {
        let dir = TempDir::new("foreign");
        let marked = dir.file("marked.db");
        Connection::open(&marked)
            .and_then(|c| {
                c.execute_batch(
                    "PRAGMA application_id = 305419896;
                     CREATE TABLE accounts (id INTEGER PRIMARY KEY, name TEXT);
                     INSERT INTO accounts (name) VALUES ('someone');",
                )
            })
            .expect("another program's database");
        assert_refused(
            &marked,
            "another program's SQLite database (application_id 0x12345678)",
        );

        let unmarked = dir.file("unmarked.db");
        Connection::open(&unmarked)
            .and_then(|c| {
                c.execute_batch(
                    "CREATE TABLE records (kind TEXT, key TEXT, body TEXT);
                     INSERT INTO records VALUES ('customer', 'c1', '{}');",
                )
            })
            .expect("a database without application_id");
        assert_refused(&unmarked, "with content of its own");

        let versioned = dir.file("versioned.db");
        Connection::open(&versioned)
            .and_then(|c| c.execute_batch("PRAGMA user_version = 7;"))
            .expect("a database with only a user_version");
        assert_refused(&versioned, "with content of its own");

        let wal = dir.file("wal.db");
        Connection::open(&wal)
            .and_then(|c| c.execute_batch("PRAGMA journal_mode = WAL; CREATE TABLE t (x);"))
            .expect("a database in WAL mode");
        assert_refused(&wal, "in WAL mode");
    }

    #[test]
    fn a_newer_sandboxs_file_is_refused_unchanged() {
        let dir = TempDir::new("newer");
        let path = dir.file("state.db");
        StateFile::open(&path)
            .expect("a new file")
            .save(&[record("k", "a", 1)])
            .expect("save");
        Connection::open(&path)
            .and_then(|c| c.pragma_update(None, "user_version", FORMAT_VERSION + 1))
            .expect("as a newer sandbox would leave it");
        assert_refused(&path, "was written by a newer sandbox (state format 2;");
    }

    #[test]
    fn a_second_open_of_an_open_file_fails_until_the_first_is_dropped() {
        let dir = TempDir::new("locked");
        let path = dir.file("state.db");
        let first = StateFile::open(&path).expect("a new file");
        first.save(&[record("k", "a", 1)]).expect("save");
        let wait = Duration::from_millis(100);
        let error = StateFile::open_waiting(&path, wait)
            .err()
            .expect("the file is locked");
        let message = error.to_string();
        assert!(
            message.contains("is in use by another process"),
            "{message}"
        );
        first
            .save(&[record("k", "b", 1)])
            .expect("the first still saves");
        drop(first);
        let second = StateFile::open_waiting(&path, wait).expect("free again");
        assert_eq!(
            second.load().expect("load"),
            [record("k", "a", 1), record("k", "b", 1)]
        );
    }

    /// Where [`killed_writer`] finds the file it writes to; unset in an ordinary test run.
    const CHILD_STATE_FILE: &str = "SANDBOX_STATE_FILE_TEST_CHILD";

    /// Run by `a_save_survives_the_process_being_killed` in a child process: saves, says so on
    /// stdout, and waits to be killed, without ever closing the file.
    #[test]
    #[ignore = "run by a_save_survives_the_process_being_killed in a child process"]
    fn killed_writer() {
        let Some(path) = std::env::var_os(CHILD_STATE_FILE) else {
            return;
        };
        let state = StateFile::open(Path::new(&path)).expect("a new file");
        state.save(&[record("customer", "a", 1)]).expect("save");
        state
            .save(&[record("customer", "a", 2), record("purse", "b", 1)])
            .expect("save");
        println!("saved");
        loop {
            std::thread::sleep(Duration::from_secs(1));
        }
    }

    #[test]
    fn a_save_survives_the_process_being_killed() {
        use std::io::BufRead;
        use std::process::{Command, Stdio};

        let dir = TempDir::new("killed");
        let path = dir.file("state.db");
        let mut child = Command::new(std::env::current_exe().expect("the test binary"))
            .args([
                "--exact",
                "state_file::tests::killed_writer",
                "--ignored",
                "--nocapture",
            ])
            .env(CHILD_STATE_FILE, &path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the child test");
        let stdout = child.stdout.take().expect("piped");
        let saved = io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .any(|line| line == "saved");
        child.kill().expect("kill");
        child.wait().expect("wait");
        assert!(saved, "the child saved");
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        assert!(Path::new(&wal).exists(), "the saves are still in the WAL");
        let reopened = StateFile::open(&path).expect("the killed process's file");
        assert_eq!(
            reopened.load().expect("load"),
            [record("customer", "a", 2), record("purse", "b", 1)]
        );
    }
}
