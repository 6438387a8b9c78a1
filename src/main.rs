//! The `govwatch` binary: all behaviour lives in the library; this only hands over.

fn main() -> std::process::ExitCode {
    govwatch::cli::main()
}
