//! Tokens to the AST, with chumsky.
//!
//! Statements end at a newline or `;` (the lexer has already removed the newlines that
//! cannot end one). Recovery works at two levels, statements and delimited groups, so one
//! run reports every independent syntax error.

use super::ast::*;
use super::lexer::{Kw, Tok};
use super::span::Span;
use chumsky::prelude::*;

pub type ParseError = Simple<Tok, Span>;

trait P<T>: Parser<Tok, T, Error = ParseError> + Clone {}
impl<T, X: Parser<Tok, T, Error = ParseError> + Clone> P<T> for X {}

fn punct(p: &'static str) -> impl P<Tok> {
    just(Tok::Punct(p))
}

fn kw(k: Kw) -> impl P<Tok> {
    just(Tok::Kw(k))
}

fn ident() -> impl P<Ident> {
    filter_map(|span, tok| match tok {
        Tok::Ident(name) => Ok(Ident { name, span }),
        other => Err(Simple::expected_input_found(span, None, Some(other))),
    })
    .labelled("identifier")
}

/// A name after `.`: keywords are allowed there (`obj.init()`, `console.print(x)`).
fn member_name() -> impl P<Ident> {
    filter_map(|span, tok| match tok {
        Tok::Ident(name) => Ok(Ident { name, span }),
        Tok::Kw(k) => Ok(Ident { name: k.text().to_string(), span }),
        other => Err(Simple::expected_input_found(span, None, Some(other))),
    })
    .labelled("name")
}

/// One or more statement separators.
fn separators() -> impl P<()> {
    one_of([Tok::Newline, Tok::Punct(";")]).repeated().at_least(1).ignored()
}

/// What may follow a statement: separators, or (without consuming it) the closing brace,
/// the end, or the start of the next statement on the same line, which needs no
/// separator. Only a token that can start a statement may follow that way, so that in
/// `local b = )` the error is the `)`, not a second statement `= )`.
fn statement_end() -> impl P<()> {
    let starts_statement = filter(|t: &Tok| match t {
        Tok::Ident(_) | Tok::Int(_) | Tok::Float(_) | Tok::Str(_) | Tok::Punct("(") => true,
        Tok::Kw(k) => !matches!(k, Kw::Else | Kw::Catch | Kw::Finally | Kw::And | Kw::Or | Kw::Not),
        _ => false,
    });
    separators().or(punct("}").rewind().ignored()).or(end().rewind()).or(starts_statement.rewind().ignored())
}

/// Guard for repeated items: there is a next token and it does not close the group (so a
/// recovering item always consumes input).
fn not_closing() -> impl P<()> {
    none_of([Tok::Punct("}")]).rewind().ignored()
}

fn delimited_list<T>(item: impl P<T>, open: &'static str, close: &'static str) -> impl P<Vec<T>> {
    item.separated_by(punct(",")).allow_trailing().delimited_by(punct(open), punct(close))
}

fn expr_at(kind: ExprKind, span: Span) -> Expr {
    Expr { kind, span }
}

fn binary_level(
    lower: impl P<Expr> + 'static,
    ops: impl P<BinOp> + 'static,
) -> BoxedParser<'static, Tok, Expr, ParseError> {
    lower
        .clone()
        .then(ops.then(lower).repeated())
        .foldl(|l, (op, r)| {
            let span = l.span.to(r.span);
            expr_at(ExprKind::Binary(op, Box::new(l), Box::new(r)), span)
        })
        .boxed()
}

#[derive(Clone)]
enum Prefix {
    Neg,
    Not,
    Await,
}

fn expression() -> impl P<Expr> {
    recursive(|expr: Recursive<Tok, Expr, ParseError>| {
        let args = delimited_list(expr.clone(), "(", ")");

        let literal = filter_map(|span, tok| {
            Ok(match tok {
                Tok::Int(digits) => match digits.parse::<i64>() {
                    Ok(n) => ExprKind::Int(n),
                    Err(_) => {
                        return Err(Simple::custom(span, format!("integer literal `{digits}` does not fit in 64 bits")))
                    }
                },
                Tok::Float(text) => ExprKind::Float(text.parse().unwrap_or(f64::NAN)),
                Tok::Str(s) => ExprKind::Str(s),
                Tok::Kw(Kw::True) => ExprKind::Bool(true),
                Tok::Kw(Kw::False) => ExprKind::Bool(false),
                Tok::Kw(Kw::Null) => ExprKind::Null,
                Tok::Kw(Kw::Me | Kw::This) => ExprKind::Me,
                other => return Err(Simple::expected_input_found(span, None, Some(other))),
            })
        })
        .map_with_span(expr_at);

        let new = kw(Kw::New)
            .ignore_then(ident())
            .then(args.clone())
            .map_with_span(|(name, args), span| expr_at(ExprKind::New(name, args), span));
        let from_call = kw(Kw::From)
            .ignore_then(ident())
            .then_ignore(punct("."))
            .then(member_name())
            .then(args.clone())
            .map_with_span(|((parent, method), args), span| expr_at(ExprKind::FromCall(parent, method, args), span));
        let print = kw(Kw::Print)
            .ignore_then(expr.clone().delimited_by(punct("("), punct(")")))
            .map_with_span(|e, span| expr_at(ExprKind::Print(Box::new(e)), span));
        let name_or_call = ident().then(args.clone().or_not()).map_with_span(|(name, args), span| {
            let kind = match args {
                Some(args) => ExprKind::Call(name, args),
                None => ExprKind::Var(name.name),
            };
            expr_at(kind, span)
        });
        let parenthesised = expr
            .clone()
            .delimited_by(punct("("), punct(")"))
            .map_with_span(|e: Expr, span| Expr { span, ..e })
            .recover_with(nested_delimiters(
                Tok::Punct("("),
                Tok::Punct(")"),
                [(Tok::Punct("{"), Tok::Punct("}"))],
                |span| expr_at(ExprKind::Error, span),
            ));

        let atom = choice((literal, new, from_call, print, name_or_call, parenthesised)).boxed();

        let member = punct(".")
            .ignore_then(member_name())
            .then(args.or_not())
            .map_with_span(|member, span: Span| (member, span));
        let postfix = atom
            .then(member.repeated())
            .foldl(|recv, ((name, args), span)| {
                let span = recv.span.to(span);
                let kind = match args {
                    Some(args) => ExprKind::MethodCall(Box::new(recv), name, args),
                    None => ExprKind::Field(Box::new(recv), name),
                };
                expr_at(kind, span)
            })
            .boxed();

        let prefix = choice((
            punct("-").to(Prefix::Neg),
            kw(Kw::Not).to(Prefix::Not),
            punct("!").to(Prefix::Not),
            kw(Kw::Await).to(Prefix::Await),
        ))
        .map_with_span(|op, span: Span| (op, span));
        let unary = prefix
            .repeated()
            .then(postfix)
            .foldr(|(op, span), e| {
                let span = span.to(e.span);
                let kind = match op {
                    Prefix::Neg => ExprKind::Unary(UnOp::Neg, Box::new(e)),
                    Prefix::Not => ExprKind::Unary(UnOp::Not, Box::new(e)),
                    Prefix::Await => ExprKind::Await(Box::new(e)),
                };
                expr_at(kind, span)
            })
            .boxed();

        let product = binary_level(
            unary,
            choice((punct("*").to(BinOp::Mul), punct("/").to(BinOp::Div), punct("%").to(BinOp::Mod))),
        );
        let sum = binary_level(product, choice((punct("+").to(BinOp::Add), punct("-").to(BinOp::Sub))));
        let comparison = binary_level(
            sum,
            choice((
                punct("<").to(BinOp::Lt),
                punct("<=").to(BinOp::Le),
                punct(">").to(BinOp::Gt),
                punct(">=").to(BinOp::Ge),
            )),
        );
        let equality = binary_level(comparison, choice((punct("==").to(BinOp::Eq), punct("!=").to(BinOp::Ne))));
        let conjunction = binary_level(equality, kw(Kw::And).or(punct("&&")).to(BinOp::And));
        binary_level(conjunction, kw(Kw::Or).or(punct("||")).to(BinOp::Or))
    })
}

fn params() -> impl P<Vec<Ident>> {
    delimited_list(ident(), "(", ")")
}

/// Items one per line (statements, box members, top-level items). A line that does not
/// parse is skipped up to its end and replaced by `fallback`, so the next line is still
/// read and its errors reported too.
fn lines<T>(item: impl P<T>, fallback: impl Fn(Span) -> T + Clone) -> impl P<Vec<T>> {
    let line = item
        .then_ignore(statement_end())
        .recover_with(skip_until([Tok::Newline, Tok::Punct(";"), Tok::Punct("}")], fallback));
    // The guard makes every line start on a token that recovery can skip, so each
    // iteration consumes input.
    separators().or_not().ignore_then(not_closing()).ignore_then(line).repeated().then_ignore(separators().or_not())
}

fn error_stmt(span: Span) -> Stmt {
    Stmt { kind: StmtKind::Error, span }
}

fn block(stmt: impl P<Stmt>) -> impl P<Block> {
    punct("{").ignore_then(lines(stmt, error_stmt)).then_ignore(punct("}")).recover_with(nested_delimiters(
        Tok::Punct("{"),
        Tok::Punct("}"),
        [(Tok::Punct("("), Tok::Punct(")"))],
        |_| Vec::new(),
    ))
}

fn statement() -> impl P<Stmt> {
    recursive(|stmt: Recursive<Tok, Stmt, ParseError>| {
        let expr = expression();
        let body = block(stmt.clone()).boxed();

        let declarator = ident().then(punct("=").ignore_then(expr.clone()).or_not());
        let local = kw(Kw::Local)
            .or(kw(Kw::Outbox))
            .ignore_then(declarator.clone().separated_by(punct(",")).at_least(1))
            .map(StmtKind::Local);
        let global = kw(Kw::Global).ignore_then(declarator).map(|(name, init)| StmtKind::Global(name, init));

        let if_stmt = recursive(|if_stmt: Recursive<Tok, Stmt, ParseError>| {
            kw(Kw::If)
                .ignore_then(expr.clone())
                .then(body.clone())
                .then(kw(Kw::Else).ignore_then(if_stmt.map(|s| vec![s]).or(body.clone())).or_not())
                .map_with_span(|((cond, then), otherwise), span| Stmt {
                    kind: StmtKind::If(cond, then, otherwise),
                    span,
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
            .delimited_by(punct("("), punct(")"))
            .map(|head| head.unwrap_or((None, None)));
        let catch =
            kw(Kw::Catch).ignore_then(catch_head.or_not()).then(body.clone()).map_with_span(|(head, body), span| {
                let (ty, var) = head.unwrap_or((None, None));
                Catch { ty, var, body, span }
            });
        let try_stmt = kw(Kw::Try)
            .ignore_then(body.clone())
            .then(catch.repeated())
            .then(kw(Kw::Finally).ignore_then(body.clone()).or_not())
            .map(|((body, catches), finally)| StmtKind::Try { body, catches, finally });

        let nowait = kw(Kw::Nowait)
            .ignore_then(ident())
            .then_ignore(punct("="))
            .then(expr.clone())
            .map(|(name, call)| StmtKind::Nowait(name, call));

        let expr_or_assign = expr.clone().then(punct("=").ignore_then(expr).or_not()).map(|(lhs, rhs)| match rhs {
            Some(rhs) => StmtKind::Assign(lhs, rhs),
            None => StmtKind::Expr(lhs),
        });

        // A box declared in a body (`ast::hoist_boxes` moves it to the top level).
        let box_stmt = box_decl(stmt.clone()).map(|decl| StmtKind::BoxDecl(Box::new(decl)));

        choice((local, global, if_stmt, loop_stmt, simple, try_stmt, nowait, box_stmt, expr_or_assign))
            .map_with_span(|kind, span| Stmt { kind, span })
            .boxed()
    })
}

fn function(body_stmt: impl P<Stmt>) -> impl P<Function> {
    kw(Kw::Override).or_not().then(member_name()).then(params()).then(block(body_stmt)).map_with_span(
        |(((is_override, name), params), body), span| Function {
            name,
            params,
            body,
            is_override: is_override.is_some(),
            span,
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
fn field(private: bool) -> impl P<FieldDecl> {
    kw(Kw::Weak).or_not().then(ident()).map(move |(weak, name)| FieldDecl { name, private, weak: weak.is_some() })
}

fn field_list(private: bool) -> impl P<Vec<FieldDecl>> {
    let field = field(private);
    let sep = one_of([Tok::Punct(","), Tok::Newline]).repeated().at_least(1);
    punct("{")
        .ignore_then(sep.clone().or_not())
        .ignore_then(field.separated_by(sep.clone()).allow_trailing())
        .then_ignore(sep.or_not())
        .then_ignore(punct("}"))
}

fn box_decl(stmt: impl P<Stmt> + Clone + 'static) -> impl P<BoxDecl> {
    // `public` is no keyword (programs use it as a name): it declares fields only here.
    let public = filter(|t: &Tok| matches!(t, Tok::Ident(name) if name == "public"));
    let fields = choice((
        kw(Kw::Init).ignore_then(field_list(false)),
        kw(Kw::Private).ignore_then(field_list(true)),
        public.ignore_then(field_list(false)),
    ));
    // Bare names declare public fields, several on a line with commas: `car, cdr`. A name
    // followed by `(` starts a method instead.
    let bare_fields =
        field(false).then_ignore(none_of([Tok::Punct("(")]).rewind()).separated_by(punct(",")).at_least(1);
    let constructor = one_of([Tok::Kw(Kw::Init), Tok::Kw(Kw::Pack), Tok::Kw(Kw::Birth)])
        .map_with_span(|tok: Tok, span| Ident { name: tok.to_string(), span })
        .then(params())
        .then(block(stmt.clone()))
        .map_with_span(|((name, params), body), span| Function { name, params, body, is_override: false, span });
    let static_init = kw(Kw::Static).ignore_then(block(stmt.clone()));
    let member = choice((
        fields.map(Member::Fields),
        constructor.map(Member::Constructor),
        static_init.map(Member::StaticInit),
        function(stmt).map(Member::Method),
        bare_fields.map(Member::Fields),
    ))
    .map(Some);

    let names = ident().separated_by(punct(",")).at_least(1);
    kw(Kw::Static)
        .or_not()
        .then_ignore(kw(Kw::Box))
        .then(ident())
        .then(kw(Kw::From).ignore_then(names.clone()).or_not())
        .then(kw(Kw::Interface).ignore_then(names).or_not())
        .then(punct("{").ignore_then(lines(member, |_| None)).then_ignore(punct("}")))
        .map_with_span(|((((is_static, name), parents), interfaces), members), span| {
            let mut decl = BoxDecl {
                name,
                is_static: is_static.is_some(),
                parents: parents.unwrap_or_default(),
                interfaces: interfaces.unwrap_or_default(),
                fields: Vec::new(),
                constructors: Vec::new(),
                methods: Vec::new(),
                static_init: None,
                span,
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
}

fn interface_decl() -> impl P<InterfaceDecl> {
    let entry = member_name().then_ignore(params().or_not());
    kw(Kw::Interface)
        .ignore_then(ident())
        .then(
            punct("{")
                .ignore_then(separators().or_not())
                .ignore_then(entry.then_ignore(separators().or_not()).repeated())
                .then_ignore(punct("}")),
        )
        .map(|(name, methods)| InterfaceDecl { name, methods })
}

fn item() -> impl P<Item> {
    let stmt = statement();
    let function_kw = kw(Kw::Function).or(kw(Kw::Fn));
    let top_function = function_kw.clone().ignore_then(function(stmt.clone())).map(Item::Function);
    let static_function = kw(Kw::Static)
        .ignore_then(function_kw)
        .ignore_then(ident())
        .then_ignore(punct("."))
        .then(function(stmt.clone()))
        .map(|(owner, function)| Item::StaticFunction { owner, function });
    let include = kw(Kw::Include).ignore_then(filter_map(|span, tok| match tok {
        Tok::Str(path) => Ok(Item::Include { path, span }),
        other => Err(Simple::expected_input_found(span, None, Some(other))),
    }));
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

fn program() -> impl P<Program> {
    lines(item(), |span| Item::Stmt(error_stmt(span))).then_ignore(end()).map(|items| Program { items })
}

/// Parse one file's tokens. Errors come with whatever could be recovered.
pub fn parse(file: u32, text_len: usize, tokens: Vec<(Tok, Span)>) -> (Program, Vec<ParseError>) {
    let eoi = Span::new(file, text_len..text_len);
    let (program, errors) = program().parse_recovery(chumsky::Stream::from_iter(eoi, tokens.into_iter()));
    (program.unwrap_or_default(), errors)
}
