//! Characters to tokens, with chumsky.
//!
//! Newlines are significant in Nyash (they end statements), so the lexer keeps them as
//! tokens and [`join_lines`] then drops the ones that cannot end a statement: inside
//! parentheses, after a binary operator, `,` or `.`, and before a token that can only
//! continue the previous line (`.`, `else`, `catch`, `finally`, `{`).

use super::span::Span;
use chumsky::prelude::*;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Tok {
    /// Digits as written; the parser checks the range so the error can point at them.
    Int(String),
    Float(String),
    Str(String),
    Ident(String),
    Kw(Kw),
    Punct(&'static str),
    Newline,
}

macro_rules! keywords {
    ($($variant:ident => $text:literal),* $(,)?) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Kw { $($variant),* }

        impl Kw {
            fn from_word(word: &str) -> Option<Kw> {
                match word { $($text => Some(Kw::$variant),)* _ => None }
            }
            pub fn text(self) -> &'static str {
                match self { $(Kw::$variant => $text),* }
            }
        }
    };
}

keywords! {
    Box => "box", Static => "static", Interface => "interface", From => "from", New => "new",
    Me => "me", This => "this", Local => "local", Outbox => "outbox", Global => "global",
    Init => "init", Pack => "pack", Birth => "birth", If => "if", Else => "else",
    Loop => "loop", Break => "break", Continue => "continue", Return => "return",
    Function => "function", Fn => "fn", Print => "print", Nowait => "nowait",
    Await => "await", Include => "include", Using => "using", Try => "try",
    Catch => "catch", Finally => "finally", Throw => "throw", Not => "not", And => "and",
    Or => "or", True => "true", False => "false", Null => "null", Override => "override",
    Weak => "weak", Private => "private",
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Int(s) | Tok::Float(s) => write!(f, "{s}"),
            Tok::Str(s) => write!(f, "{s:?}"),
            Tok::Ident(s) => write!(f, "{s}"),
            Tok::Kw(k) => write!(f, "{}", k.text()),
            Tok::Punct(p) => write!(f, "{p}"),
            Tok::Newline => write!(f, "newline"),
        }
    }
}

/// Longest first, so that `==` wins over `=`.
const PUNCTS: &[&str] = &[
    "==", "!=", "<=", ">=", "&&", "||", "(", ")", "{", "}", "[", "]", ",", ".", ";", ":", "+", "-", "*", "/", "%", "<",
    ">", "=", "!",
];

pub type LexError = Simple<char, Span>;

fn lexer() -> impl Parser<char, Vec<(Tok, Span)>, Error = LexError> {
    let float = text::int(10)
        .then_ignore(just('.'))
        .then(text::digits(10))
        .map(|(int, frac): (String, String)| Tok::Float(format!("{int}.{frac}")));
    let int = text::int(10).map(Tok::Int);

    let escape = just('\\').ignore_then(any()).map(|c| match c {
        'n' => vec!['\n'],
        't' => vec!['\t'],
        'r' => vec!['\r'],
        '\\' => vec!['\\'],
        '"' => vec!['"'],
        other => vec!['\\', other],
    });
    let string = just('"')
        .ignore_then(escape.or(filter(|c: &char| *c != '"' && *c != '\\').map(|c| vec![c])).repeated().flatten())
        .then_ignore(just('"').labelled("closing quote"))
        .collect::<String>()
        .map(Tok::Str);

    let word = filter(|c: &char| c.is_alphabetic() || *c == '_')
        .chain(filter(|c: &char| c.is_alphanumeric() || *c == '_').repeated())
        .collect::<String>()
        .map(|w| Kw::from_word(&w).map_or(Tok::Ident(w), Tok::Kw));

    let punct = choice(PUNCTS.iter().map(|p| just(*p).to(Tok::Punct(p))).collect::<Vec<_>>());
    let newline = just('\n').to(Tok::Newline);

    // The last line may end without a newline, also inside a comment.
    let line_comment = just("//").or(just("#")).then(take_until(just('\n').rewind().ignored().or(end()))).ignored();
    let block_comment = just("/*").then(take_until(just("*/"))).ignored();
    let blank = one_of(" \t\r\u{feff}").ignored();
    let trivia = line_comment.or(block_comment).or(blank).repeated();

    let token = choice((float, int, string, word, punct, newline))
        .map_with_span(|tok, span| (tok, span))
        .recover_with(skip_then_retry_until([]));

    trivia.clone().ignore_then(token.then_ignore(trivia).repeated()).then_ignore(end())
}

/// Lex one file. Errors are returned alongside whatever tokens could be recovered.
pub fn lex(file: u32, text: &str) -> (Vec<(Tok, Span)>, Vec<LexError>) {
    let chars = text.char_indices().map(|(i, c)| (c, Span::new(file, i..i + c.len_utf8())));
    let eoi = Span::new(file, text.len()..text.len());
    let stream = chumsky::Stream::from_iter(eoi, chars);
    let (tokens, errors) = lexer().parse_recovery(stream);
    (join_lines(tokens.unwrap_or_default()), errors)
}

/// The deepest nesting of brackets, braces and parentheses, or of prefix operators in a
/// row, that a program may have. The parser recurses per level; past this its time and
/// memory grow too fast to be worth it, and no written program comes near.
pub const MAX_NESTING: usize = 1000;

/// What the token stream's delimiters say before any parsing: checked first, because
/// parse recovery inside a group that is never closed retries the group's contents at
/// every level, which takes time exponential in the depth (as rustc, the compiler stops
/// at an unclosed delimiter before parsing).
pub enum Delimiters {
    Balanced,
    /// Nesting deeper than [`MAX_NESTING`], first at this token.
    TooDeep(Span),
    /// The innermost opening delimiter never closed.
    Unclosed(Span, &'static str),
}

pub fn delimiters(tokens: &[(Tok, Span)]) -> Delimiters {
    let mut open: Vec<(&'static str, Span)> = Vec::new();
    let mut prefixes = 0usize;
    for (tok, span) in tokens {
        match tok {
            Tok::Punct(p @ ("(" | "[" | "{")) => open.push((p, *span)),
            // A closer with nothing open is the parser's to report; one that closes
            // another kind leaves the innermost opener unclosed.
            Tok::Punct(p @ (")" | "]" | "}")) => match open.last() {
                Some((o, _)) if closing(o) == *p => {
                    open.pop();
                }
                Some((o, span)) => return Delimiters::Unclosed(*span, o),
                None => {}
            },
            _ => {}
        }
        let prefix = matches!(tok, Tok::Punct("-" | "!") | Tok::Kw(Kw::Not));
        prefixes = if prefix { prefixes + 1 } else { 0 };
        if open.len().max(prefixes) > MAX_NESTING {
            return Delimiters::TooDeep(*span);
        }
    }
    match open.last() {
        Some((p, span)) => Delimiters::Unclosed(*span, p),
        None => Delimiters::Balanced,
    }
}

pub fn closing(open: &str) -> &'static str {
    match open {
        "(" => ")",
        "[" => "]",
        _ => "}",
    }
}

fn continues_line(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::Punct(
            "==" | "!="
                | "<="
                | ">="
                | "&&"
                | "||"
                | ","
                | "."
                | "+"
                | "-"
                | "*"
                | "/"
                | "%"
                | "<"
                | ">"
                | "="
                | "("
                | "{"
                | "!"
        ) | Tok::Kw(Kw::And | Kw::Or | Kw::Not)
    )
}

fn continued_by(tok: &Tok) -> bool {
    matches!(tok, Tok::Punct("." | "{" | ")") | Tok::Kw(Kw::Else | Kw::Catch | Kw::Finally))
}

/// Drop the newlines that cannot end a statement (see the module comment).
fn join_lines(tokens: Vec<(Tok, Span)>) -> Vec<(Tok, Span)> {
    let mut out: Vec<(Tok, Span)> = Vec::with_capacity(tokens.len());
    let mut depth = 0usize;
    for (tok, span) in tokens {
        match &tok {
            Tok::Punct("(") => depth += 1,
            Tok::Punct(")") => depth = depth.saturating_sub(1),
            _ => {}
        }
        if continued_by(&tok) {
            while matches!(out.last(), Some((Tok::Newline, _))) {
                out.pop();
            }
        }
        if tok == Tok::Newline {
            let redundant = match out.last() {
                None => true,
                Some((prev, _)) => *prev == Tok::Newline || continues_line(prev),
            };
            if depth > 0 || redundant {
                continue;
            }
        }
        out.push((tok, span));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> String {
        let (toks, errs) = lex(0, src);
        assert!(errs.is_empty(), "{errs:?}");
        toks.iter().map(|(t, _)| t.to_string()).collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn newlines_end_statements_only_where_they_can() {
        assert_eq!(kinds("a = 1 +\n 2\nb"), "a = 1 + 2 newline b");
        assert_eq!(kinds("f(1,\n 2)\n"), "f ( 1 , 2 ) newline");
        assert_eq!(kinds("if x {\n} \n else {\n}"), "if x { } else { }");
        assert_eq!(kinds("a\n  .b()"), "a . b ( )");
    }

    #[test]
    fn literals_and_comments() {
        assert_eq!(kinds("x = 3.25 // c\n# d\n/* e */ y"), "x = 3.25 newline y");
        assert_eq!(kinds(r#""a\n\q""#), r#""a\n\\q""#);
        assert_eq!(kinds("5.abs()"), "5 . abs ( )");
        assert_eq!(kinds("名前 = 1"), "名前 = 1");
    }
}
