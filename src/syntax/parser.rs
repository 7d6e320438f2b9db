//! Tokens to the AST, with chumsky's zero-copy parsers.
//!
//! Statements end at a newline or `;` (the lexer has already removed the newlines that
//! cannot end one). Operators are read flat and grouped by binding power (docs/LANGUAGE.md
//! section 3's table). Recovery works at two levels, lines and delimited groups,
//! so one run reports every independent syntax error; it costs nothing until an error.

use super::ast::*;
use super::lexer::{unescape, Kw, Tok, P};
use super::span::Span;
use chumsky::input::MappedInput;
use chumsky::prelude::*;

/// The parser's input: the lexer's tokens, each with its span.
pub type Tokens<'a> = MappedInput<'a, Tok<'a>, Span, &'a [(Tok<'a>, Span)]>;
pub type ParseError<'a> = Rich<'a, Tok<'a>, Span>;

/// What the parser reports failures with. A program is parsed first with [`EmptyErr`],
/// which records nothing, and only if that fails again with [`Rich`] errors, which say
/// what was found and expected: keeping those for every alternative tried costs most of
/// the parse, and a program without errors needs none of it.
pub trait Failure<'a>:
    'a + chumsky::error::Error<'a, Tokens<'a>> + chumsky::label::LabelError<'a, Tokens<'a>, &'static str>
{
    fn custom(span: Span, message: String) -> Self;
}

impl<'a> Failure<'a> for ParseError<'a> {
    fn custom(span: Span, message: String) -> Self {
        Rich::custom(span, message)
    }
}

impl<'a> Failure<'a> for EmptyErr {
    fn custom(_: Span, _: String) -> Self {
        EmptyErr::default()
    }
}

type Extra<F> = extra::Err<F>;

trait Parse<'a, T, F: Failure<'a>>: Parser<'a, Tokens<'a>, T, Extra<F>> + Clone {}
impl<'a, T, F: Failure<'a>, X: Parser<'a, Tokens<'a>, T, Extra<F>> + Clone> Parse<'a, T, F> for X {}

fn punct<'a, F: Failure<'a>>(p: P) -> impl Parse<'a, Tok<'a>, F> {
    just(Tok::Punct(p))
}

fn kw<'a, F: Failure<'a>>(k: Kw) -> impl Parse<'a, Tok<'a>, F> {
    just(Tok::Kw(k))
}

fn ident<'a, F: Failure<'a>>() -> impl Parse<'a, Ident, F> {
    select! { Tok::Ident(name) = e => Ident { name: name.to_string(), span: e.span() } }.labelled("identifier")
}

/// A name after `.`: keywords are allowed there (`obj.init()`, `console.print(x)`).
fn member_name<'a, F: Failure<'a>>() -> impl Parse<'a, Ident, F> {
    select! {
        Tok::Ident(name) = e => Ident { name: name.to_string(), span: e.span() },
        Tok::Kw(k) = e => Ident { name: k.text().to_string(), span: e.span() },
    }
    .labelled("name")
}

/// One or more statement separators. (Matched by pattern, not `one_of`: a token test is
/// then one compare, where `one_of` compares whole tokens in turn.)
fn separators<'a, F: Failure<'a>>() -> impl Parse<'a, (), F> {
    select! { Tok::Newline => (), Tok::Punct(P::Semi) => () }.repeated().at_least(1)
}

/// Can `tok` start a statement? Only such a token may follow a statement on the same line
/// without a separator, so that in `local b = )` the error is the `)`, not a second
/// statement `= )`.
fn starts_statement(tok: &Tok) -> bool {
    match tok {
        Tok::Ident(_) | Tok::Int(_) | Tok::Float(_) | Tok::Str(_) | Tok::Punct(P::LParen) => true,
        Tok::Kw(k) => !matches!(k, Kw::Else | Kw::Catch | Kw::Finally | Kw::And | Kw::Or | Kw::Not),
        _ => false,
    }
}

/// What may follow a statement: separators, or (without consuming it) the closing brace,
/// the end, or the start of the next statement on the same line.
fn statement_end<'a, F: Failure<'a>>() -> impl Parse<'a, (), F> {
    let next_statement = any().filter(starts_statement).ignored();
    separators().or(punct(P::RBrace).ignored().or(next_statement).or(end()).rewind()).labelled("end of statement")
}

/// `(a, b, c)`, a trailing comma allowed.
fn parenthesised_list<'a, T, F: Failure<'a>>(item: impl Parse<'a, T, F>) -> impl Parse<'a, Vec<T>, F> {
    item.separated_by(punct(P::Comma)).allow_trailing().collect().delimited_by(punct(P::LParen), punct(P::RParen))
}

fn expr_at(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

fn literal<'a, F: Failure<'a>>() -> impl Parse<'a, Expr, F> {
    let int = select! { Tok::Int(digits) => digits }.validate(|digits: &str, e, emitter| match digits.parse() {
        Ok(n) => ExprKind::Int(n),
        Err(_) => {
            let message = format!("integer literal `{digits}` does not fit in 64 bits");
            emitter.emit(F::custom(e.span(), message));
            ExprKind::Error
        }
    });
    let other = select! {
        Tok::Float(text) => ExprKind::Float(text.parse().unwrap_or(f64::NAN)),
        Tok::Str(raw) => ExprKind::Str(unescape(raw)),
        Tok::Kw(Kw::True) => ExprKind::Bool(true),
        Tok::Kw(Kw::False) => ExprKind::Bool(false),
        Tok::Kw(Kw::Null) => ExprKind::Null,
        Tok::Kw(Kw::Me | Kw::This) => ExprKind::Me,
    };
    int.or(other).map_with(|kind, e| expr_at(kind, e.span()))
}

fn expression<'a, F: Failure<'a>>() -> impl Parse<'a, Expr, F> {
    recursive(|expr| {
        let args = parenthesised_list(expr.clone());

        let new = kw(Kw::New)
            .ignore_then(ident())
            .then(args.clone())
            .map_with(|(name, args), e| expr_at(ExprKind::New(name, args), e.span()));
        let from_call = kw(Kw::From)
            .ignore_then(ident())
            .then_ignore(punct(P::Dot))
            .then(member_name())
            .then(args.clone())
            .map_with(|((parent, method), args), e| expr_at(ExprKind::FromCall(parent, method, args), e.span()));
        let print = kw(Kw::Print)
            .ignore_then(expr.clone().delimited_by(punct(P::LParen), punct(P::RParen)))
            .map_with(|inner, e| expr_at(ExprKind::Print(Box::new(inner)), e.span()));
        let name_or_call = ident().then(args.clone().or_not()).map_with(|(name, args), e| {
            let kind = match args {
                Some(args) => ExprKind::Call(name, args),
                None => ExprKind::Var(name.name),
            };
            expr_at(kind, e.span())
        });
        let parenthesised = expr
            .clone()
            .delimited_by(punct(P::LParen), punct(P::RParen))
            .map_with(|inner: Expr, e| Expr { span: e.span(), ..inner })
            .recover_with(via_parser(nested_delimiters(
                Tok::Punct(P::LParen),
                Tok::Punct(P::RParen),
                [(Tok::Punct(P::LBrace), Tok::Punct(P::RBrace))],
                |span| expr_at(ExprKind::Error, span),
            )));
        let atom = choice((name_or_call, literal(), new, from_call, print, parenthesised)).labelled("expression");

        let member = punct(P::Dot).ignore_then(member_name()).then(args.or_not()).map_with(|m, e| (m, e.span()));
        let postfix = atom.foldl(member.repeated(), |recv, ((name, args), span): ((Ident, _), Span)| {
            let span = recv.span.to(span);
            let kind = match args {
                Some(args) => ExprKind::MethodCall(Box::new(recv), name, args),
                None => ExprKind::Field(Box::new(recv), name),
            };
            expr_at(kind, span)
        });

        let prefix_op = select! {
            Tok::Punct(P::Minus) => (|e| ExprKind::Unary(UnOp::Neg, e)) as fn(Box<Expr>) -> ExprKind,
            Tok::Kw(Kw::Not) => |e| ExprKind::Unary(UnOp::Not, e),
            Tok::Punct(P::Bang) => |e| ExprKind::Unary(UnOp::Not, e),
            Tok::Kw(Kw::Await) => ExprKind::Await,
        }
        .map_with(|kind, e| (kind, e.span()))
        .labelled("expression");
        // Prefix operators bind tighter than every binary one, so they apply to one
        // postfix operand, innermost (rightmost) first.
        let operand = prefix_op.repeated().collect::<Vec<_>>().then(postfix).map(|(prefixes, operand)| {
            prefixes.into_iter().rev().fold(operand, |inner, (kind, span): (fn(Box<Expr>) -> ExprKind, Span)| {
                let span = span.to(inner.span);
                expr_at(kind(Box::new(inner)), span)
            })
        });
        // Operands and operators are read flat and then grouped by binding power: one
        // token test per operator position, where a parser per precedence level would try
        // every level after every operand.
        let binary_op = select! {
            Tok::Punct(P::Star) => BinOp::Mul,
            Tok::Punct(P::Slash) => BinOp::Div,
            Tok::Punct(P::Percent) => BinOp::Mod,
            Tok::Punct(P::Plus) => BinOp::Add,
            Tok::Punct(P::Minus) => BinOp::Sub,
            Tok::Punct(P::Lt) => BinOp::Lt,
            Tok::Punct(P::Le) => BinOp::Le,
            Tok::Punct(P::Gt) => BinOp::Gt,
            Tok::Punct(P::Ge) => BinOp::Ge,
            Tok::Punct(P::EqEq) => BinOp::Eq,
            Tok::Punct(P::NotEq) => BinOp::Ne,
            Tok::Kw(Kw::And) => BinOp::And,
            Tok::Punct(P::AndAnd) => BinOp::And,
            Tok::Kw(Kw::Or) => BinOp::Or,
            Tok::Punct(P::OrOr) => BinOp::Or,
        };
        operand
            .clone()
            .then(binary_op.then(operand).repeated().collect::<Vec<_>>())
            .map(|(first, rest)| group_by_binding_power(first, rest))
            .boxed()
    })
}

/// How tightly a binary operator binds (docs/LANGUAGE.md section 3); all are left
/// associative.
fn binding_power(op: BinOp) -> u8 {
    match op {
        BinOp::Mul | BinOp::Div | BinOp::Mod => 6,
        BinOp::Add | BinOp::Sub => 5,
        BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
        BinOp::Eq | BinOp::Ne => 3,
        BinOp::And => 2,
        BinOp::Or => 1,
    }
}

/// `first op1 e1 op2 e2 ...` as a tree, by operator precedence: an operator waits on the
/// stack until one that binds no tighter arrives, then takes the two operands below it.
fn group_by_binding_power(first: Expr, rest: Vec<(BinOp, Expr)>) -> Expr {
    if rest.is_empty() {
        return first;
    }
    fn reduce(operands: &mut Vec<Expr>, op: BinOp) {
        let r = operands.pop().expect("an operator has a right operand");
        let l = operands.pop().expect("an operator has a left operand");
        let span = l.span.to(r.span);
        operands.push(expr_at(ExprKind::Binary(op, Box::new(l), Box::new(r)), span));
    }
    let mut operands = Vec::with_capacity(rest.len() + 1);
    operands.push(first);
    let mut operators: Vec<BinOp> = Vec::with_capacity(rest.len());
    for (op, operand) in rest {
        while let Some(&top) = operators.last().filter(|top| binding_power(**top) >= binding_power(op)) {
            operators.pop();
            reduce(&mut operands, top);
        }
        operators.push(op);
        operands.push(operand);
    }
    while let Some(op) = operators.pop() {
        reduce(&mut operands, op);
    }
    operands.pop().expect("the operands reduce to one expression")
}

fn params<'a, F: Failure<'a>>() -> impl Parse<'a, Vec<Ident>, F> {
    parenthesised_list(ident())
}

/// Items one per line (statements, box members, top-level items). A line that does not
/// parse is skipped up to its end and replaced by `fallback`, so the next line is still
/// read and its errors reported too.
fn lines<'a, T, F: Failure<'a>>(
    item: impl Parse<'a, T, F>,
    fallback: impl Fn(Span) -> T + Clone,
) -> impl Parse<'a, Vec<T>, F> {
    let line = item.then_ignore(statement_end()).recover_with(via_parser(rest_of_line().map(fallback)));
    // A line starts on a token that does not close the group, so each one consumes input.
    let not_closing = any().filter(|t: &Tok| *t != Tok::Punct(P::RBrace)).rewind();
    separators()
        .or_not()
        .ignore_then(not_closing.ignore_then(line).then_ignore(separators().or_not()).repeated().collect())
}

/// Recovery: the tokens from here to the end of the line (a newline or `;` outside any
/// group, or the `}` closing the group the line is in, which stays unread). Groups opened
/// on the line are skipped whole, so a broken line's `{ ... }` does not end the block
/// around it. The lexer has checked that every group opened is closed.
fn rest_of_line<'a, F: Failure<'a>>() -> impl Parse<'a, Span, F> {
    custom(|inp| {
        let start = inp.cursor();
        let (mut depth, mut skipped) = (0usize, false);
        while let Some(tok) = inp.peek() {
            match tok {
                Tok::Newline | Tok::Punct(P::Semi) if depth == 0 => break,
                Tok::Punct(P::RBrace) if depth == 0 => break,
                // A stray closer (the lexer lets those through) is part of the mistake.
                Tok::Punct(P::RParen | P::RBracket) if depth == 0 => {}
                Tok::Punct(P::LParen | P::LBrace | P::LBracket) => depth += 1,
                Tok::Punct(P::RParen | P::RBrace | P::RBracket) => depth -= 1,
                _ => {}
            }
            inp.skip();
            skipped = true;
        }
        let span: Span = inp.span_since(&start);
        if !skipped {
            return Err(F::custom(span, "nothing to skip".to_string()));
        }
        Ok(span)
    })
}

fn error_stmt(span: Span) -> Stmt {
    Stmt { kind: StmtKind::Error, span }
}

fn block<'a, F: Failure<'a>>(stmt: impl Parse<'a, Stmt, F>) -> impl Parse<'a, Block, F> {
    lines(stmt, error_stmt).delimited_by(punct(P::LBrace), punct(P::RBrace)).recover_with(via_parser(
        nested_delimiters(
            Tok::Punct(P::LBrace),
            Tok::Punct(P::RBrace),
            [(Tok::Punct(P::LParen), Tok::Punct(P::RParen))],
            |_| Vec::new(),
        ),
    ))
}

fn statement<'a, F: Failure<'a>>() -> impl Parse<'a, Stmt, F> {
    recursive(|stmt| {
        let expr = expression();
        let body = block(stmt.clone()).boxed();

        let declarator = ident().then(punct(P::Assign).ignore_then(expr.clone()).or_not());
        let local = kw(Kw::Local)
            .or(kw(Kw::Outbox))
            .ignore_then(declarator.clone().separated_by(punct(P::Comma)).at_least(1).collect())
            .map(StmtKind::Local);
        let global = kw(Kw::Global).ignore_then(declarator).map(|(name, init)| StmtKind::Global(name, init));

        let if_stmt = recursive(|if_stmt| {
            kw(Kw::If)
                .ignore_then(expr.clone())
                .then(body.clone())
                .then(kw(Kw::Else).ignore_then(if_stmt.map(|s| vec![s]).or(body.clone())).or_not())
                .map_with(|((cond, then), otherwise), e| Stmt {
                    kind: StmtKind::If(cond, then, otherwise),
                    span: e.span(),
                })
        })
        .map(|s| s.kind);

        let loop_stmt = kw(Kw::Loop).ignore_then(expr.clone()).then(body.clone()).map(|(c, b)| StmtKind::Loop(c, b));
        let simple = choice((
            kw(Kw::Break).map(|_| StmtKind::Break),
            kw(Kw::Continue).map(|_| StmtKind::Continue),
            kw(Kw::Return).ignore_then(expr.clone().or_not()).map(StmtKind::Return),
            kw(Kw::Throw).ignore_then(expr.clone()).map(StmtKind::Throw),
        ));

        let catch_head = ident()
            .then(ident().or_not())
            .map(|(first, second)| match second {
                Some(var) => (Some(first), Some(var)),
                None => (None, Some(first)),
            })
            .or_not()
            .delimited_by(punct(P::LParen), punct(P::RParen))
            .map(|head| head.unwrap_or((None, None)));
        let catch = kw(Kw::Catch).ignore_then(catch_head.or_not()).then(body.clone()).map_with(|(head, body), e| {
            let (ty, var) = head.unwrap_or((None, None));
            Catch { ty, var, body, span: e.span() }
        });
        let try_stmt = kw(Kw::Try)
            .ignore_then(body.clone())
            .then(catch.repeated().collect())
            .then(kw(Kw::Finally).ignore_then(body.clone()).or_not())
            .map(|((body, catches), finally)| StmtKind::Try { body, catches, finally });

        let nowait = kw(Kw::Nowait)
            .ignore_then(ident())
            .then_ignore(punct(P::Assign))
            .then(expr.clone())
            .map(|(name, call)| StmtKind::Nowait(name, call));

        let expr_or_assign =
            expr.clone().then(punct(P::Assign).ignore_then(expr).or_not()).map(|(lhs, rhs)| match rhs {
                Some(rhs) => StmtKind::Assign(lhs, rhs),
                None => StmtKind::Expr(lhs),
            });

        // A box declared in a body (`ast::hoist_boxes` moves it to the top level).
        let box_stmt = box_decl(stmt.clone()).map(|decl| StmtKind::BoxDecl(Box::new(decl)));

        choice((expr_or_assign, local, global, if_stmt, loop_stmt, simple, try_stmt, nowait, box_stmt))
            .map_with(|kind, e| Stmt { kind, span: e.span() })
            .labelled("statement")
            .boxed()
    })
}

fn function<'a, F: Failure<'a>>(body_stmt: impl Parse<'a, Stmt, F>) -> impl Parse<'a, Function, F> {
    kw(Kw::Override).or_not().then(member_name()).then(params()).then(block(body_stmt)).map_with(
        |(((is_override, name), params), body), e| Function {
            name,
            params,
            body,
            is_override: is_override.is_some(),
            span: e.span(),
        },
    )
}

enum Member {
    Fields(Vec<FieldDecl>),
    Constructor(Function),
    Method(Function),
    StaticInit(Block),
}

/// `[weak] name`, a field declaration.
fn field<'a, F: Failure<'a>>(private: bool) -> impl Parse<'a, FieldDecl, F> {
    kw(Kw::Weak).or_not().then(ident()).map(move |(weak, name)| FieldDecl { name, private, weak: weak.is_some() })
}

fn field_list<'a, F: Failure<'a>>(private: bool) -> impl Parse<'a, Vec<FieldDecl>, F> {
    let sep = one_of([Tok::Punct(P::Comma), Tok::Newline]).repeated().at_least(1);
    field(private)
        .separated_by(sep.clone())
        .allow_leading()
        .allow_trailing()
        .collect()
        .delimited_by(punct(P::LBrace), punct(P::RBrace))
}

fn box_decl<'a, F: Failure<'a>>(stmt: impl Parse<'a, Stmt, F> + 'a) -> impl Parse<'a, BoxDecl, F> {
    // `public` is no keyword (programs use it as a name): it declares fields only here.
    let public = just(Tok::Ident("public"));
    let fields = choice((
        kw(Kw::Init).ignore_then(field_list(false)),
        kw(Kw::Private).ignore_then(field_list(true)),
        public.ignore_then(field_list(false)),
    ));
    // Bare names declare public fields, several on a line with commas: `car, cdr`. A name
    // followed by `(` starts a method instead.
    let bare_fields =
        field(false).then_ignore(punct(P::LParen).not().rewind()).separated_by(punct(P::Comma)).at_least(1).collect();
    let constructor = select! {
        Tok::Kw(k @ (Kw::Init | Kw::Pack | Kw::Birth)) = e => Ident { name: k.text().to_string(), span: e.span() },
    }
    .then(params())
    .then(block(stmt.clone()))
    .map_with(|((name, params), body), e| Function { name, params, body, is_override: false, span: e.span() });
    let static_init = kw(Kw::Static).ignore_then(block(stmt.clone()));
    let member = choice((
        fields.map(Member::Fields),
        constructor.map(Member::Constructor),
        static_init.map(Member::StaticInit),
        function(stmt).map(Member::Method),
        bare_fields.map(Member::Fields),
    ))
    .map(Some);

    let names = ident().separated_by(punct(P::Comma)).at_least(1).collect::<Vec<_>>();
    kw(Kw::Static)
        .or_not()
        .then_ignore(kw(Kw::Box))
        .then(ident())
        .then(kw(Kw::From).ignore_then(names.clone()).or_not())
        .then(kw(Kw::Interface).ignore_then(names).or_not())
        .then(lines(member, |_| None).delimited_by(punct(P::LBrace), punct(P::RBrace)))
        .map_with(|((((is_static, name), parents), interfaces), members), e| {
            let mut decl = BoxDecl {
                name,
                is_static: is_static.is_some(),
                parents: parents.unwrap_or_default(),
                interfaces: interfaces.unwrap_or_default(),
                fields: Vec::new(),
                constructors: Vec::new(),
                methods: Vec::new(),
                static_init: None,
                span: e.span(),
            };
            for member in members.into_iter().flatten() {
                match member {
                    Member::Fields(f) => decl.fields.extend(f),
                    Member::Constructor(c) => decl.constructors.push(c),
                    Member::Method(m) => decl.methods.push(m),
                    Member::StaticInit(b) => decl.static_init = Some(b),
                }
            }
            decl
        })
        .boxed()
}

fn interface_decl<'a, F: Failure<'a>>() -> impl Parse<'a, InterfaceDecl, F> {
    let entry = member_name().then_ignore(params().or_not());
    let entries = separators()
        .or_not()
        .ignore_then(entry.then_ignore(separators().or_not()).repeated().collect())
        .delimited_by(punct(P::LBrace), punct(P::RBrace));
    kw(Kw::Interface).ignore_then(ident()).then(entries).map(|(name, methods)| InterfaceDecl { name, methods })
}

fn item<'a, F: Failure<'a>>() -> impl Parse<'a, Item, F> {
    let stmt = statement();
    let function_kw = kw(Kw::Function).or(kw(Kw::Fn));
    let top_function = function_kw.clone().ignore_then(function(stmt.clone())).map(Item::Function);
    let static_function = kw(Kw::Static)
        .ignore_then(function_kw)
        .ignore_then(ident())
        .then_ignore(punct(P::Dot))
        .then(function(stmt.clone()))
        .map(|(owner, function)| Item::StaticFunction { owner, function });
    let include = kw(Kw::Include).ignore_then(select! {
        Tok::Str(path) = e => Item::Include { path: unescape(path), span: e.span() },
    });
    let using = kw(Kw::Using).ignore_then(ident()).map(Item::Using);
    choice((
        box_decl(stmt.clone()).map(Item::Box),
        interface_decl().map(Item::Interface),
        top_function,
        static_function,
        include,
        using,
        stmt.map(Item::Stmt),
    ))
}

fn program<'a, F: Failure<'a>>() -> impl Parse<'a, Program, F> {
    lines(item(), |span| Item::Stmt(error_stmt(span))).then_ignore(end()).map(|items| Program { items })
}

/// Parse one file's tokens. Errors come with whatever could be recovered.
pub fn parse<'a>(file: u32, text_len: usize, tokens: &'a [(Tok<'a>, Span)]) -> (Program, Vec<ParseError<'a>>) {
    let eoi = Span::new(file, text_len..text_len);
    let input = || tokens.map(eoi, (|(t, s)| (t, s)) as fn(&'a (Tok<'a>, Span)) -> (&'a Tok<'a>, &'a Span));
    if let Ok(program) = program::<EmptyErr>().parse(input()).into_result() {
        return (program, Vec::new());
    }
    let (program, errors) = program::<ParseError>().parse(input()).into_output_errors();
    (program.unwrap_or_default(), errors)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::lexer::lex;

    /// The expression statement of `src`, fully parenthesised, with its span.
    fn grouped(src: &str) -> String {
        fn show(e: &Expr) -> String {
            match &e.kind {
                ExprKind::Int(n) => n.to_string(),
                ExprKind::Var(name) => name.clone(),
                ExprKind::Binary(op, l, r) => format!("({} {op:?} {})", show(l), show(r)),
                ExprKind::Unary(op, operand) => format!("({op:?} {})", show(operand)),
                ExprKind::Field(recv, name) => format!("{}.{}", show(recv), name.name),
                other => format!("{other:?}"),
            }
        }
        let (tokens, errors) = lex(0, src);
        assert!(errors.is_empty());
        let (program, errors) = parse(0, src.len(), &tokens);
        assert!(errors.is_empty(), "{errors:?}");
        match &program.items[..] {
            [Item::Stmt(Stmt { kind: StmtKind::Expr(e), .. })] => format!("{} @{:?}", show(e), e.span.range()),
            other => panic!("not one expression statement: {other:?}"),
        }
    }

    #[test]
    fn binary_operators_group_by_binding_power_and_to_the_left() {
        assert_eq!(grouped("1 + 2 * 3 - 4"), "((1 Add (2 Mul 3)) Sub 4) @0..13");
        assert_eq!(grouped("a - b - c"), "((a Sub b) Sub c) @0..9");
        assert_eq!(grouped("a or b and c == d < e + f * g"), "(a Or (b And (c Eq (d Lt (e Add (f Mul g)))))) @0..29");
        assert_eq!(grouped("a * b + c * d"), "((a Mul b) Add (c Mul d)) @0..13");
        assert_eq!(grouped("a < b == c > d"), "((a Lt b) Eq (c Gt d)) @0..14");
    }

    #[test]
    fn prefix_operators_bind_tighter_than_binary_ones() {
        assert_eq!(grouped("-a * b"), "((Neg a) Mul b) @0..6");
        assert_eq!(grouped("not not a.x == b"), "((Not (Not a.x)) Eq b) @0..16");
        assert_eq!(grouped("x - -1"), "(x Sub (Neg 1)) @0..6");
    }
}
