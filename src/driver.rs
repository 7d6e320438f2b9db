//! The pipeline: load sources (following `include`), parse, lower to MIR, verify, and hand
//! the module to a backend. Compile errors come back as diagnostics, never panics.

use crate::diag::{self, Diagnostic};
use crate::mir::{self, Module};
use crate::syntax::ast::{Item, Program};
use crate::syntax::span::{SourceMap, Span};
use crate::syntax::{lexer, parser};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

pub struct Loaded {
    pub sources: SourceMap,
    pub items: Vec<Item>,
}

/// Exit statuses (docs/LANGUAGE.md section 10).
pub const EXIT_COMPILE_ERROR: i32 = 1;
/// The compiler cannot do what it was asked (a usage error, or no JIT on this machine).
pub const EXIT_USAGE: i32 = 2;
pub use nyash_runtime::error::EXIT_RUNTIME_ERROR;

/// Compile a file to MIR, or report why not (already printed to stderr).
pub fn compile(path: &Path) -> Result<Module, ()> {
    compile_timed(path).map(|(module, _)| module)
}

/// How long the front end took: reading and parsing, then lowering to verified MIR.
#[derive(Clone, Copy, Debug, Default)]
pub struct FrontEndTimes {
    pub parse: Duration,
    pub mir: Duration,
}

/// [`compile`], timing its two halves.
pub fn compile_timed(path: &Path) -> Result<(Module, FrontEndTimes), ()> {
    let start = Instant::now();
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    let items = load(path, &mut sources, &mut diags);
    let parsed = Instant::now();
    let module = lower(&items, &sources, &mut diags);
    diag::emit(&diags, &sources);
    let module = verified(module.ok_or(())?)?;
    Ok((module, FrontEndTimes { parse: parsed - start, mir: parsed.elapsed() }))
}

/// Compile source text held in memory, `name` standing for its file (includes are read
/// relative to it): the front end as the fuzz targets drive it. Diagnostics are rendered
/// to `diagnostics`.
pub fn compile_text(name: &str, text: String, diagnostics: impl std::io::Write) -> Result<Module, ()> {
    let mut sources = SourceMap::default();
    let mut diags = Vec::new();
    let mut items = Vec::new();
    let mut loader = Loader { sources: &mut sources, diags: &mut diags, stack: Vec::new(), seen: Vec::new() };
    loader.source(Path::new(name), PathBuf::from(name), text, &mut items, true);
    let module = lower(&items, &sources, &mut diags);
    diag::render(&diags, &sources, diagnostics, false);
    verified(module.ok_or(())?)
}

/// Lower parsed items to MIR unless loading them failed.
fn lower(items: &[Item], sources: &SourceMap, diags: &mut Vec<Diagnostic>) -> Option<Module> {
    if !diags.is_empty() {
        return None;
    }
    let (module, lowering) = mir::lower::lower_program(items, sources);
    *diags = lowering;
    module
}

/// Every backend relies on the verifier's invariants (the VM indexes registers
/// unchecked): a module that fails it is a compiler bug, reported before anything runs.
fn verified(module: Module) -> Result<Module, ()> {
    match mir::verify::verify(&module) {
        Ok(()) => Ok(module),
        Err(e) => {
            eprintln!("error: internal compiler error: MIR failed verification: {e}");
            Err(())
        }
    }
}

/// Load a file and everything it includes; parse errors go to `diags`.
pub fn load(path: &Path, sources: &mut SourceMap, diags: &mut Vec<Diagnostic>) -> Vec<Item> {
    let mut items = Vec::new();
    let mut loader = Loader { sources, diags, stack: Vec::new(), seen: Vec::new() };
    loader.file(path, None, &mut items, true);
    items
}

struct Loader<'a> {
    sources: &'a mut SourceMap,
    diags: &'a mut Vec<Diagnostic>,
    stack: Vec<PathBuf>,
    seen: Vec<PathBuf>,
}

/// A source file's text. Text that is not UTF-8 is reported with the place of the first
/// bad byte, as line:column of the valid text before it.
fn read_source(path: &Path) -> Result<String, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // Every byte before the bad one is valid UTF-8: columns count characters.
        let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
        let byte = e.as_bytes()[valid.len()];
        format!("it is not UTF-8 text (byte 0x{byte:02x} at {line}:{column})")
    })
}

impl Loader<'_> {
    fn file(&mut self, path: &Path, included_at: Option<Span>, out: &mut Vec<Item>, is_main: bool) {
        let canonical = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
        if self.stack.contains(&canonical) {
            if let Some(span) = included_at {
                self.diags.push(
                    Diagnostic::error(span, format!("include cycle: `{}` includes itself", path.display()))
                        .label("cycle closes here"),
                );
            }
            return;
        }
        if self.seen.contains(&canonical) {
            return;
        }
        let text = match read_source(path) {
            Ok(t) => t,
            Err(e) => {
                match included_at {
                    Some(span) => {
                        self.diags.push(Diagnostic::error(span, format!("cannot read `{}`: {e}", path.display())))
                    }
                    None => eprintln!("error: cannot read `{}`: {e}", path.display()),
                }
                if included_at.is_none() {
                    std::process::exit(EXIT_COMPILE_ERROR);
                }
                return;
            }
        };
        self.seen.push(canonical.clone());
        self.source(path, canonical, text, out, is_main);
    }

    /// The items of the file at `path` whose text is `text`, and of what it includes.
    fn source(&mut self, path: &Path, canonical: PathBuf, text: String, out: &mut Vec<Item>, is_main: bool) {
        let mut program = self.parse(path.display().to_string(), text);
        crate::syntax::ast::hoist_boxes(&mut program.items);
        self.stack.push(canonical);
        for item in program.items {
            match item {
                Item::Include { path: rel, span } => {
                    let target = path.parent().unwrap_or(Path::new(".")).join(&rel);
                    self.file(&target, Some(span), out, false);
                }
                // An included file contributes its declarations only.
                Item::Stmt(_) if !is_main => {}
                other => out.push(other),
            }
        }
        self.stack.pop();
    }

    fn parse(&mut self, name: String, text: String) -> Program {
        let len = text.len();
        let file = self.sources.add(name, text);
        let (tokens, lex_errors) = lexer::lex(file, &self.sources.file(file).text);
        self.diags.extend(lex_errors);
        let unparsable = match lexer::delimiters(&tokens) {
            lexer::Delimiters::Balanced => None,
            lexer::Delimiters::TooDeep(span) => {
                let message = format!("nesting deeper than {} levels", lexer::MAX_NESTING);
                Some(Diagnostic::error(span, message).label("one level too many"))
            }
            lexer::Delimiters::Unclosed(span, open) => Some(
                Diagnostic::error(span, format!("unclosed `{}`", open.text()))
                    .label(format!("this `{}` is never closed", open.text()))
                    .help(format!("add the matching `{}`", lexer::closing(open).text())),
            ),
        };
        if let Some(diagnostic) = unparsable {
            self.diags.push(diagnostic);
            return Program { items: Vec::new() };
        }
        let (program, parse_errors) = parser::parse(file, len, &tokens);
        for e in parse_errors {
            if let chumsky::error::RichReason::Custom(msg) = e.reason() {
                self.diags.push(Diagnostic::error(*e.span(), msg.clone()));
                continue;
            }
            let found = e.found().map(|t| format!("`{t}`"));
            let d = syntax_diagnostic(*e.span(), found, expected(e.expected()), "unexpected token");
            // Recovery at two levels may meet the same mistake twice: say it once.
            if !self.diags.iter().any(|old| old.span == d.span && old.message == d.message) {
                self.diags.push(d);
            }
        }
        program
    }
}

/// "expected a, b or c" from what the parser would have accepted, if that is short
/// enough to help.
fn expected<'a>(patterns: impl Iterator<Item = &'a chumsky::error::RichPattern<'a, lexer::Tok<'a>>>) -> Option<String> {
    use chumsky::error::RichPattern;
    let mut names: Vec<String> = patterns
        .filter_map(|p| match p {
            RichPattern::Token(t) => Some(format!("`{}`", &**t)),
            RichPattern::Label(l) => Some(l.to_string()),
            RichPattern::EndOfInput => Some("end of file".to_string()),
            _ => None,
        })
        .collect();
    names.sort();
    names.dedup();
    let last = names.pop()?;
    if names.len() >= 6 {
        return None;
    }
    Some(if names.is_empty() { format!("expected {last}") } else { format!("expected {} or {last}", names.join(", ")) })
}

fn syntax_diagnostic(span: Span, found: Option<String>, expected: Option<String>, what: &str) -> Diagnostic {
    let message = match found {
        Some(f) => format!("syntax error: unexpected {f}"),
        None => "syntax error: unexpected end of file".to_string(),
    };
    let d = Diagnostic::error(span, message).label(what.to_string());
    match expected {
        Some(help) => d.help(help),
        None => d,
    }
}

/// Run a compiled module on the VM, with the JIT tier if asked; the result is the exit
/// status.
pub fn run(module: Module, jit: Option<crate::tier::JitOptions>) -> i32 {
    run_profiled(module, jit, None)
}

/// What `--profile` needs besides the run: the front end's times and the report's form.
pub type ProfileRequest = (FrontEndTimes, crate::profile::Format);

/// [`run`], with a profile report on stderr afterwards if one is asked for.
pub fn run_profiled(module: Module, jit: Option<crate::tier::JitOptions>, profile: Option<ProfileRequest>) -> i32 {
    // The compiler's thread has the stack most programs need; frames too large for
    // `MIN_DEPTH` levels of it get a thread of their own.
    let stack = module.stack_bytes();
    if stack > nyash_runtime::program::STACK_BYTES {
        return nyash_runtime::program::on_stack(stack, move || run_here(module, jit, profile));
    }
    run_here(module, jit, profile)
}

fn run_here(module: Module, jit: Option<crate::tier::JitOptions>, profile: Option<ProfileRequest>) -> i32 {
    let tier = match jit.map(|options| crate::tier::Tier::new(&module, options)).transpose() {
        Ok(tier) => tier.map(std::rc::Rc::new),
        Err(e) => {
            eprintln!("error: the JIT is not available on this machine: {e}");
            return EXIT_USAGE;
        }
    };
    let started = Instant::now();
    let as_tiering = tier.clone().map(|t| t as std::rc::Rc<dyn crate::vm::Tiering>);
    let (status, counts) = crate::vm::run(&module, as_tiering, profile.is_some());
    let wall = started.elapsed();
    if let Some(tier) = &tier {
        tier.report();
    }
    if let Some((front, format)) = profile {
        let compiled = tier.as_ref().map(|t| t.compiled());
        let report = crate::profile::Report::new(front, wall, counts.unwrap_or_default(), compiled.as_deref());
        eprint!("{}", report.render(format));
    }
    status
}

/// The compiler and the programs it runs work on a thread whose stack fits the call
/// depth limit and the deepest nesting a source file may have.
pub use nyash_runtime::program::on_big_stack;

/// `run --emit exe`: build the program into a temporary directory, run it with this
/// process's standard streams (under an emulator, for another machine's target), and
/// remove it.
pub fn run_executable(module: &Module, target: &crate::aot::Target) -> Result<i32, String> {
    let runner = crate::targets::runner(&target.triple)?;
    let dir = tempfile::tempdir().map_err(|e| format!("cannot create a temporary directory: {e}"))?;
    let exe = dir.path().join("program");
    crate::aot::executable(module, target, &exe)?;
    let status = runner.command(&exe).status().map_err(|e| format!("cannot run the program: {e}"))?;
    Ok(status.code().unwrap_or(EXIT_RUNTIME_ERROR))
}
