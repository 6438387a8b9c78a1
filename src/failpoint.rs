//! Fault injection for crash-consistency tests: `GOVWATCH_FAILPOINT=<name>` makes the process
//! abort (as a `kill -9` would) when it reaches the named point. Unset, it costs one env lookup
//! per call, and it is only called once per index commit or digest sent.

/// Aborts the process when the environment names this failpoint.
pub fn hit(name: &str) {
    if std::env::var_os("GOVWATCH_FAILPOINT").is_some_and(|v| v == name) {
        eprintln!("govwatch: failpoint {name} reached, aborting");
        std::process::abort();
    }
}
