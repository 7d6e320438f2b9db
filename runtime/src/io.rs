//! Buffered standard output, flushed at exit and before anything goes to stderr or stdin
//! is read, so that output order is what the program wrote.

use std::cell::RefCell;
use std::io::{BufRead, Write};

thread_local! {
    static OUT: RefCell<std::io::BufWriter<std::io::Stdout>> =
        RefCell::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()));
}

pub fn write_stdout(s: &str) {
    let written = OUT.with(|o| o.borrow_mut().write_all(s.as_bytes()));
    written.unwrap_or_else(|e| stdout_failed(&e));
}

pub fn flush_stdout() {
    // Borrowed only if a write panicked (a bug, reported by the panic hook, which flushes).
    let flushed = OUT.with(|o| o.try_borrow_mut().map_or(Ok(()), |mut o| o.flush()));
    flushed.unwrap_or_else(|e| stdout_failed(&e));
}

/// Standard output cannot take more: the program ends here, with no more output and no
/// more user code, the same way on every backend. A reader that went away (a closed
/// pipe: `nyashc run app.nyash | head -1`) is no error: the program stops quietly with
/// status 0, as Unix tools do. Anything else (a full disk) is one line on stderr and
/// status 70.
pub fn stdout_failed(e: &std::io::Error) -> ! {
    let status = if e.kind() == std::io::ErrorKind::BrokenPipe {
        0
    } else {
        let _ = writeln!(std::io::stderr(), "error: cannot write to standard output: {e}");
        crate::error::EXIT_RUNTIME_ERROR
    };
    end_now(status)
}

/// End the process at once: `exit` would run this thread's destructors, releasing the
/// program's globals (and running their `fini`s) on the way out.
pub fn end_now(status: i32) -> ! {
    // SAFETY: `_exit` ends the process without running anything else.
    unsafe { libc::_exit(status) }
}

/// End a program that cannot go on (out of memory, a bug): its output so far, `line` on
/// stderr, status 70, with nothing allocated on the way.
pub fn end_with_error(line: &str) -> ! {
    flush_stdout_quietly();
    let _ = std::io::stderr().write_all(line.as_bytes());
    end_now(crate::error::EXIT_RUNTIME_ERROR)
}

/// Make writes to a closed pipe fail with `BrokenPipe` instead of killing the process
/// (Rust programs start so; a native executable's C `main` does not).
pub fn ignore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" runs no handler code.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
}

/// Flush what can be flushed, reporting nothing: on the way out of a program that has run
/// out of memory (flushing allocates nothing).
pub fn flush_stdout_quietly() {
    let _ = OUT.try_with(|o| o.try_borrow_mut().map(|mut o| o.flush()));
}

pub fn write_stderr(s: &str) {
    flush_stdout();
    let _ = std::io::stderr().write_all(s.as_bytes());
}

pub fn read_line() -> Option<String> {
    flush_stdout();
    let mut line = String::new();
    match std::io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            if line.ends_with('\n') {
                line.pop();
                if line.ends_with('\r') {
                    line.pop();
                }
            }
            Some(line)
        }
    }
}
