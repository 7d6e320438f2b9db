//! Characters to tokens, with logos.
//!
//! Newlines are significant in Nyash (they end statements), so the lexer keeps them as
//! tokens and drops, as it makes them ([`Lines`]), the ones that cannot end a statement: inside
//! parentheses, after a binary operator, `,` or `.`, and before a token that can only
//! continue the previous line (`.`, `else`, `catch`, `finally`, `{`).
//!
//! Tokens borrow their text from the source (a string literal keeps its escapes until the
//! parser reads it), so a token is two words and copying one costs nothing: the parser
//! backtracks over tokens freely.

use super::span::Span;
use crate::diag::Diagnostic;
use logos::Logos;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tok<'src> {
    /// Digits as written; the parser checks the range so the error can point at them.
    Int(&'src str),
    Float(&'src str),
    /// A string literal's contents as written, escapes included (see [`unescape`]).
    Str(&'src str),
    Ident(&'src str),
    Kw(Kw),
    Punct(P),
    Newline,
}

/// The keyword and punctuation tables, and the token classes logos matches with them in
/// one DFA over the bytes: a keyword or a punctuation mark comes out of the DFA already
/// known, so no text is compared after it.
macro_rules! token_tables {
    (
        keywords { $($kw:ident => $kw_text:literal),* $(,)? }
        punctuation { $($p:ident => $p_text:literal),* $(,)? }
    ) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Kw { $($kw),* }

        impl Kw {
            pub fn text(self) -> &'static str {
                match self { $(Kw::$kw => $kw_text),* }
            }
        }

        /// Punctuation: one byte, so comparing tokens (which the parser does at every
        /// alternative it tries) is comparing two words.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum P { $($p),* }

        impl P {
            pub fn text(self) -> &'static str {
                match self { $(P::$p => $p_text),* }
            }
        }

        /// A literal token (a keyword) wins over the identifier pattern of the same length.
        #[derive(Logos, Clone, Copy, PartialEq, Debug)]
        #[logos(skip r"[ \t\r\u{feff}]+")]
        #[logos(skip r"(//|#)[^\n]*")]
        #[logos(skip r"/\*[^*]*\*+([^/*][^*]*\*+)*/")]
        enum Raw {
            #[regex(r"(0|[1-9][0-9]*)\.[0-9]+")]
            Float,
            #[regex(r"0|[1-9][0-9]*")]
            Int,
            #[regex(r#""([^"\\]|\\(.|\n))*""#)]
            Str,
            #[regex(r"[\p{Alphabetic}_][\p{Alphabetic}\p{N}_]*")]
            Word,
            $(#[token($kw_text, |_| Kw::$kw)])*
            Keyword(Kw),
            $(#[token($p_text, |_| P::$p)])*
            Punct(P),
            #[token("\n")]
            Newline,
        }
    };
}

token_tables! {
    keywords {
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
    punctuation {
        EqEq => "==", NotEq => "!=", Le => "<=", Ge => ">=", AndAnd => "&&", OrOr => "||",
        LParen => "(", RParen => ")", LBrace => "{", RBrace => "}", LBracket => "[", RBracket => "]",
        Comma => ",", Dot => ".", Semi => ";", Colon => ":", Plus => "+", Minus => "-", Star => "*",
        Slash => "/", Percent => "%", Lt => "<", Gt => ">", Assign => "=", Bang => "!",
    }
}

impl fmt::Display for Tok<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Int(s) | Tok::Float(s) | Tok::Ident(s) => write!(f, "{s}"),
            Tok::Str(s) => write!(f, "\"{s}\""),
            Tok::Kw(k) => write!(f, "{}", k.text()),
            Tok::Punct(p) => write!(f, "{}", p.text()),
            Tok::Newline => write!(f, "newline"),
        }
    }
}

/// A string literal's value: `\n \t \r \\ \"` are escapes, any other backslash pair
/// is kept as written.
pub fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some('"') => out.push('"'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Lex one file. Errors (a character no token starts with, a string or comment that never
/// ends) are returned alongside the tokens around them.
pub fn lex(file: u32, text: &str) -> (Vec<(Tok<'_>, Span)>, Vec<Diagnostic>) {
    // About one token per four bytes of source, so the vector rarely grows.
    let mut tokens = Lines { tokens: Vec::with_capacity(text.len() / 4 + 16), depth: 0 };
    let mut errors = Vec::new();
    let mut raw = Raw::lexer(text);
    while let Some(class) = raw.next() {
        let (slice, range) = (raw.slice(), raw.span());
        let span = Span::new(file, range.clone());
        let tok = match class {
            Ok(Raw::Float) => Tok::Float(slice),
            Ok(Raw::Int) => Tok::Int(slice),
            Ok(Raw::Str) => Tok::Str(&slice[1..slice.len() - 1]),
            Ok(Raw::Word) => Tok::Ident(slice),
            Ok(Raw::Keyword(k)) => Tok::Kw(k),
            Ok(Raw::Punct(p)) => Tok::Punct(p),
            Ok(Raw::Newline) => Tok::Newline,
            Err(()) => {
                // A quote or comment opener that never closes runs to the end of the file.
                let rest = &text[range.start..];
                let opener = Span::new(file, range.start..range.start + 1);
                if rest.starts_with('"') {
                    errors.push(Diagnostic::error(opener, "unclosed string literal").label("this string never ends"));
                    break;
                }
                if rest.starts_with("/*") {
                    let d = Diagnostic::error(opener, "unclosed block comment").label("this comment never ends");
                    errors.push(d.help("end it with `*/`"));
                    break;
                }
                let found = slice.chars().next().unwrap_or(' ').escape_debug().to_string();
                errors.push(
                    Diagnostic::error(span, format!("syntax error: unexpected character `{found}`"))
                        .label("unexpected character"),
                );
                continue;
            }
        };
        tokens.push(tok, span);
    }
    (tokens.tokens, errors)
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
    Unclosed(Span, P),
}

pub fn delimiters(tokens: &[(Tok, Span)]) -> Delimiters {
    let mut open: Vec<(P, Span)> = Vec::new();
    let mut prefixes = 0usize;
    for (tok, span) in tokens {
        match tok {
            Tok::Punct(p @ (P::LParen | P::LBracket | P::LBrace)) => open.push((*p, *span)),
            // A closer with nothing open is the parser's to report; one that closes
            // another kind leaves the innermost opener unclosed.
            Tok::Punct(p @ (P::RParen | P::RBracket | P::RBrace)) => match open.last() {
                Some((o, _)) if closing(*o) == *p => {
                    open.pop();
                }
                Some((o, span)) => return Delimiters::Unclosed(*span, *o),
                None => {}
            },
            _ => {}
        }
        let prefix = matches!(tok, Tok::Punct(P::Minus | P::Bang) | Tok::Kw(Kw::Not));
        prefixes = if prefix { prefixes + 1 } else { 0 };
        if open.len().max(prefixes) > MAX_NESTING {
            return Delimiters::TooDeep(*span);
        }
    }
    match open.last() {
        Some((p, span)) => Delimiters::Unclosed(*span, *p),
        None => Delimiters::Balanced,
    }
}

pub fn closing(open: P) -> P {
    match open {
        P::LParen => P::RParen,
        P::LBracket => P::RBracket,
        _ => P::RBrace,
    }
}

fn continues_line(tok: &Tok) -> bool {
    matches!(
        tok,
        Tok::Punct(
            P::EqEq
                | P::NotEq
                | P::Le
                | P::Ge
                | P::AndAnd
                | P::OrOr
                | P::Comma
                | P::Dot
                | P::Plus
                | P::Minus
                | P::Star
                | P::Slash
                | P::Percent
                | P::Lt
                | P::Gt
                | P::Assign
                | P::LParen
                | P::LBrace
                | P::Bang
        ) | Tok::Kw(Kw::And | Kw::Or | Kw::Not)
    )
}

fn continued_by(tok: &Tok) -> bool {
    matches!(tok, Tok::Punct(P::Dot | P::LBrace | P::RParen) | Tok::Kw(Kw::Else | Kw::Catch | Kw::Finally))
}

/// The token stream as it is built, without the newlines that cannot end a statement
/// (see the module comment): a newline inside parentheses, after another newline or an
/// operator that continues the line, or before a token that continues the previous line.
struct Lines<'src> {
    tokens: Vec<(Tok<'src>, Span)>,
    /// How many parentheses are open.
    depth: usize,
}

impl<'src> Lines<'src> {
    fn push(&mut self, tok: Tok<'src>, span: Span) {
        match tok {
            Tok::Punct(P::LParen) => self.depth += 1,
            Tok::Punct(P::RParen) => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
        if continued_by(&tok) {
            while matches!(self.tokens.last(), Some((Tok::Newline, _))) {
                self.tokens.pop();
            }
        }
        if matches!(tok, Tok::Newline) {
            let redundant = match self.tokens.last() {
                None => true,
                Some((prev, _)) => matches!(prev, Tok::Newline) || continues_line(prev),
            };
            if self.depth > 0 || redundant {
                return;
            }
        }
        self.tokens.push((tok, span));
    }
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
        assert_eq!(kinds(r#""a\n\q""#), r#""a\n\q""#);
        assert_eq!(unescape(r#"a\n\q\"\\"#), "a\n\\q\"\\");
        assert_eq!(kinds("5.abs()"), "5 . abs ( )");
        assert_eq!(kinds("名前 = 1"), "名前 = 1");
    }
}
