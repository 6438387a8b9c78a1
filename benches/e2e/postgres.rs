//! PostgreSQL full-text search as Miniflux uses it (a tsvector column with a GIN index,
//! `websearch_to_tsquery`, `ts_rank`), run by a throwaway server in a temp directory. Times
//! are psql's `\timing` over one session on a Unix socket: server time plus one local round
//! trip per query.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use govwatch::model::Item;

/// A running server; stopped when dropped.
pub struct Server {
    bin: PathBuf,
    data: PathBuf,
    socket: PathBuf,
    _dir: tempfile::TempDir,
}

/// The directory holding `initdb`, `pg_ctl` and `psql`, if PostgreSQL is installed.
fn bin_dir() -> Option<PathBuf> {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect())
        .unwrap_or_default();
    if let Ok(versions) = std::fs::read_dir("/usr/lib/postgresql") {
        candidates.extend(versions.flatten().map(|v| v.path().join("bin")));
    }
    candidates
        .into_iter()
        .find(|d| d.join("initdb").is_file() && d.join("pg_ctl").is_file())
}

/// PostgreSQL refuses to run as root: as root, the server runs as the `postgres` user.
fn as_server_user(program: &Path) -> Command {
    if is_root() {
        let mut cmd = Command::new("runuser");
        cmd.args(["-u", "postgres", "--"]).arg(program);
        cmd
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

fn run(cmd: &mut Command, what: &str) -> Result<(), String> {
    let out = cmd
        .stdout(Stdio::null())
        .output()
        .map_err(|e| format!("{what}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{what} failed: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or_default()
        ))
    }
}

impl Server {
    pub fn start() -> Result<Server, String> {
        let bin = bin_dir().ok_or("not installed (benches/setup.sh)")?;
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let data = dir.path().join("data");
        let socket = dir.path().join("sock");
        std::fs::create_dir(&socket).map_err(|e| e.to_string())?;
        if is_root() {
            // The server user must own its directories.
            for p in [dir.path(), socket.as_path()] {
                run(
                    Command::new("chown").arg("postgres").arg(p),
                    "chown to postgres",
                )?;
            }
        }
        run(
            as_server_user(&bin.join("initdb"))
                .args(["-A", "trust", "-U", "bench", "-E", "UTF8", "-D"])
                .arg(&data),
            "initdb",
        )?;
        run(
            as_server_user(&bin.join("pg_ctl"))
                .arg("-D")
                .arg(&data)
                .arg("-o")
                .arg(format!(
                    "-k {} -c listen_addresses='' -c shared_buffers=512MB -c work_mem=64MB",
                    socket.display()
                ))
                .args(["-w", "-l"])
                .arg(dir.path().join("log"))
                .arg("start"),
            "pg_ctl start",
        )?;
        Ok(Server {
            bin,
            data,
            socket,
            _dir: dir,
        })
    }

    fn psql(&self) -> Command {
        let psql = if self.bin.join("psql").is_file() {
            self.bin.join("psql")
        } else {
            PathBuf::from("psql")
        };
        let mut cmd = Command::new(psql);
        cmd.arg("-h").arg(&self.socket).args([
            "-U",
            "bench",
            "-d",
            "postgres",
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
        ]);
        cmd
    }

    /// Runs psql with `args`, writing its input with `stdin`; returns what it printed.
    fn psql_with(
        &self,
        args: &[&str],
        stdin: impl FnOnce(&mut dyn Write),
    ) -> Result<String, String> {
        let mut child = self
            .psql()
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("psql: {e}"))?;
        if let Some(mut input) = child.stdin.take() {
            stdin(&mut input);
        }
        let out = child.wait_with_output().map_err(|e| format!("psql: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "psql failed: {}",
                String::from_utf8_lossy(&out.stderr)
                    .lines()
                    .last()
                    .unwrap_or_default()
            ));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Runs one statement, `stdin` feeding a COPY.
    fn script(&self, script: &str, stdin: impl FnOnce(&mut dyn Write)) -> Result<String, String> {
        self.psql_with(&["-c", script], stdin)
    }

    /// Loads the items (COPY) and builds the full-text index.
    pub fn load(&self, items: &[Item]) -> Result<(), String> {
        self.script(
            "CREATE TABLE items (id int PRIMARY KEY, title text, body text, published timestamptz,
               tsv tsvector GENERATED ALWAYS AS
                 (setweight(to_tsvector('english', title), 'A') ||
                  setweight(to_tsvector('english', body), 'D')) STORED)",
            |_| {},
        )?;
        self.script(
            "COPY items (id, title, body, published) FROM STDIN (FORMAT csv)",
            |input| {
                let mut w = std::io::BufWriter::new(input);
                for (n, item) in items.iter().enumerate() {
                    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
                    // A closed pipe surfaces as psql's error below.
                    let _ = writeln!(
                        w,
                        "{},{},{},{}",
                        n + 1,
                        q(&item.title),
                        q(&item.body),
                        item.published.to_rfc3339()
                    );
                }
            },
        )?;
        self.script(
            "CREATE INDEX items_tsv ON items USING gin (tsv); \
             CREATE INDEX items_published ON items (published); ANALYZE items",
            |_| {},
        )?;
        Ok(())
    }

    /// Runs each query once, in order; returns psql's time for each, in ms.
    pub fn time(&self, queries: &[String]) -> Result<Vec<f64>, String> {
        let mut script = String::from("\\timing on\n\\o /dev/null\n");
        for q in queries {
            script.push_str(q);
            script.push_str(";\n");
        }
        // A closed pipe surfaces as psql's error.
        let printed = self.psql_with(&[], |input| {
            let _ = input.write_all(script.as_bytes());
        })?;
        let times: Vec<f64> = printed
            .lines()
            .filter_map(|l| l.strip_prefix("Time: "))
            .filter_map(|l| l.split_whitespace().next()?.parse().ok())
            .collect();
        if times.len() != queries.len() {
            return Err(format!(
                "{} timings for {} queries",
                times.len(),
                queries.len()
            ));
        }
        Ok(times)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = run(
            as_server_user(&self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(&self.data)
                .args(["-m", "immediate", "stop"]),
            "pg_ctl stop",
        );
    }
}
