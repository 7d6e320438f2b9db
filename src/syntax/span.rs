//! Source positions shared by every stage: a span is a byte range inside one source file.
//!
//! A program may span several files (`include`), so a span carries the file's id; the
//! [`SourceMap`] turns it back into `file:line:col` for diagnostics and runtime errors.

use std::fmt;
use std::ops::Range;

#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: u32, range: Range<usize>) -> Span {
        Span { file, start: range.start as u32, end: range.end as u32 }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}..{}", self.file, self.start, self.end)
    }
}

impl chumsky::span::Span for Span {
    type Context = u32;
    type Offset = usize;

    fn new(file: u32, range: Range<usize>) -> Self {
        Span::new(file, range)
    }
    fn context(&self) -> u32 {
        self.file
    }
    fn start(&self) -> usize {
        self.start as usize
    }
    fn end(&self) -> usize {
        self.end as usize
    }
}

/// One loaded source file.
pub struct SourceFile {
    /// The path as the user wrote it (or as resolved for includes); shown in messages.
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
    /// In an ASCII file a column is a byte count.
    ascii: bool,
    /// The line of the last lookup: lowering asks for the positions of a function's
    /// instructions in order, so the next one is most often on the same line.
    last_line: std::cell::Cell<usize>,
}

impl SourceFile {
    pub fn new(name: String, text: String) -> SourceFile {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        let ascii = text.is_ascii();
        SourceFile { name, text, line_starts, ascii, last_line: Default::default() }
    }

    /// 1-based line and column (columns count characters, as editors do).
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_of(offset);
        let start = self.line_starts[line];
        let col = if self.ascii {
            offset - start
        } else {
            self.text.get(start..offset).map_or(offset - start, |s| s.chars().count())
        };
        (line as u32 + 1, col as u32 + 1)
    }

    fn line_of(&self, offset: usize) -> usize {
        let last = self.last_line.get();
        let next_start = self.line_starts.get(last + 1).copied().unwrap_or(usize::MAX);
        if self.line_starts[last] <= offset && offset < next_start {
            return last;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        self.last_line.set(line);
        line
    }
}

/// Every file of a program, indexed by `Span::file`.
#[derive(Default)]
pub struct SourceMap {
    pub files: Vec<SourceFile>,
}

impl SourceMap {
    pub fn add(&mut self, name: String, text: String) -> u32 {
        self.files.push(SourceFile::new(name, text));
        self.files.len() as u32 - 1
    }

    pub fn file(&self, id: u32) -> &SourceFile {
        &self.files[id as usize]
    }

    /// `file:line:col` of a span's start.
    pub fn describe(&self, span: Span) -> String {
        let file = self.file(span.file);
        let (line, col) = file.line_col(span.start as usize);
        format!("{}:{}:{}", file.name, line, col)
    }
}
