//! Writing to the terminal without panicking.
//!
//! `println!` and `eprintln!` panic when stdout or stderr cannot be
//! written: `tinyscore inspect m.tsm | head -c1` (the reader has gone) and
//! `tinyscore inspect m.tsm > /dev/full` (the disk is full) both ended in a
//! panic and exit status 101. The commands print with [`outln!`](crate::outln!) and
//! [`note!`](crate::note!) instead, which return a write's failure as a
//! [`ConsoleError`]; `main` exits quietly, with status 0, when the reader
//! has gone (the reader chose to stop, as with `head`), and reports any
//! other failure as an error.

use std::fmt;
use std::io::{self, Write};

/// A line that could not be written to stdout or stderr.
#[derive(Debug, thiserror::Error)]
#[error("writing to {stream}: {source}")]
pub struct ConsoleError {
    /// `stdout` or `stderr`.
    pub stream: &'static str,
    /// Why.
    #[source]
    pub source: io::Error,
}

impl ConsoleError {
    /// Whether the reader has gone (a closed pipe): nothing to report.
    pub fn is_broken_pipe(&self) -> bool {
        self.source.kind() == io::ErrorKind::BrokenPipe
    }
}

/// Writes `args` to `stream` and flushes it, so that a failure is seen
/// here and not lost at exit.
fn write_to(
    mut stream: impl Write,
    name: &'static str,
    args: fmt::Arguments<'_>,
) -> Result<(), ConsoleError> {
    stream
        .write_fmt(args)
        .and_then(|()| stream.flush())
        .map_err(|source| ConsoleError {
            stream: name,
            source,
        })
}

/// Writes `args` and a newline to stdout ([`outln!`](crate::outln!)).
pub fn stdout_line(args: fmt::Arguments<'_>) -> Result<(), ConsoleError> {
    write_to(io::stdout().lock(), "stdout", format_args!("{args}\n"))
}

/// Writes `args` and a newline to stderr ([`note!`](crate::note!)).
pub fn stderr_line(args: fmt::Arguments<'_>) -> Result<(), ConsoleError> {
    write_to(io::stderr().lock(), "stderr", format_args!("{args}\n"))
}

/// `println!` that returns a write failure as a [`ConsoleError`].
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::console::stdout_line(format_args!($($arg)*))
    };
}

/// `eprintln!` (progress and "wrote …" notes) that returns a write failure
/// as a [`ConsoleError`].
#[macro_export]
macro_rules! note {
    ($($arg:tt)*) => {
        $crate::console::stderr_line(format_args!($($arg)*))
    };
}
