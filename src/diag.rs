//! Compile-time diagnostics, rendered with ariadne.

use crate::syntax::span::{SourceMap, Span};
use ariadne::{Color, Config, Label, Report, ReportKind};
use std::io::IsTerminal;

#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    pub label: String,
    pub help: Option<String>,
    pub is_warning: bool,
}

impl Diagnostic {
    pub fn error(span: Span, message: impl Into<String>) -> Diagnostic {
        let message = message.into();
        Diagnostic { span, label: message.clone(), message, help: None, is_warning: false }
    }

    pub fn warning(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic { is_warning: true, ..Diagnostic::error(span, message) }
    }

    pub fn label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Add "did you mean `x`?" if one of `candidates` is close to `name`.
    pub fn suggest<'a>(self, name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Diagnostic {
        match closest(name, candidates) {
            Some(near) => self.help(format!("did you mean `{near}`?")),
            None => self,
        }
    }
}

/// The candidate nearest to `name` by edit distance, if it is near enough to be a typo
/// (at most a third of the name's length, and at least one edit allowed; swapping two
/// neighbouring characters is one edit).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(&name.to_lowercase(), &c.to_lowercase()), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, c)| (d, c))
        .map(|(_, c)| c)
}

/// ariadne 0.4 counts characters, our spans count bytes.
fn char_range(text: &str, span: Span) -> std::ops::Range<usize> {
    let to_chars = |b: usize| text.get(..b.min(text.len())).map_or(0, |s| s.chars().count());
    let start = to_chars(span.start as usize);
    start..to_chars(span.end as usize).max(start + 1)
}

/// Write every diagnostic to stderr (colour only on a terminal).
pub fn emit(diags: &[Diagnostic], sources: &SourceMap) {
    let stderr = std::io::stderr();
    let color = stderr.is_terminal();
    render(diags, sources, stderr.lock(), color);
}

/// Write every diagnostic to `out`.
pub fn render(diags: &[Diagnostic], sources: &SourceMap, mut out: impl std::io::Write, color: bool) {
    if diags.is_empty() {
        return;
    }
    let mut cache = ariadne::sources(sources.files.iter().map(|f| (f.name.clone(), f.text.clone())));
    for d in diags {
        let file = sources.file(d.span.file);
        let range = char_range(&file.text, d.span);
        let (kind, tint) =
            if d.is_warning { (ReportKind::Warning, Color::Yellow) } else { (ReportKind::Error, Color::Red) };
        let mut report = Report::build(kind, file.name.clone(), range.start)
            .with_config(Config::default().with_color(color))
            .with_message(&d.message)
            .with_label(Label::new((file.name.clone(), range)).with_message(&d.label).with_color(tint));
        if let Some(help) = &d.help {
            report = report.with_help(help);
        }
        let _ = report.finish().write(&mut cache, &mut out);
    }
}
