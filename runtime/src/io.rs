//! Buffered standard output, flushed at exit and before anything goes to stderr or stdin
//! is read, so that output order is what the program wrote.

use std::cell::RefCell;
use std::io::{BufRead, Write};

thread_local! {
    static OUT: RefCell<std::io::BufWriter<std::io::Stdout>> =
        RefCell::new(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout()));
}

pub fn write_stdout(s: &str) {
    OUT.with(|o| {
        // A closed pipe is not the program's error: drop the output, keep running.
        let _ = o.borrow_mut().write_all(s.as_bytes());
    });
}

pub fn flush_stdout() {
    OUT.with(|o| {
        let _ = o.borrow_mut().flush();
    });
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
