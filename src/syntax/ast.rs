//! The abstract syntax tree. Every node that can be the subject of a diagnostic or a
//! runtime error carries its [`Span`].

use super::span::Span;

#[derive(Clone, Debug, PartialEq)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

#[derive(Debug, Default)]
pub struct Program {
    pub items: Vec<Item>,
}

#[derive(Debug)]
pub enum Item {
    Box(BoxDecl),
    Interface(InterfaceDecl),
    Function(Function),
    /// `static function Box.name(...) { }`: a static method added to an existing box.
    StaticFunction {
        owner: Ident,
        function: Function,
    },
    Include {
        path: String,
        span: Span,
    },
    Using(Ident),
    Stmt(Stmt),
}

#[derive(Debug)]
pub struct BoxDecl {
    pub name: Ident,
    pub is_static: bool,
    pub parents: Vec<Ident>,
    pub interfaces: Vec<Ident>,
    pub fields: Vec<FieldDecl>,
    /// `birth`, `init` and `pack` constructors, all stored under the name written.
    pub constructors: Vec<Function>,
    pub methods: Vec<Function>,
    /// `static { ... }`, run once when a static box's singleton is created.
    pub static_init: Option<Block>,
    pub span: Span,
}

#[derive(Debug)]
pub struct FieldDecl {
    pub name: Ident,
    pub private: bool,
    pub weak: bool,
}

#[derive(Debug)]
pub struct InterfaceDecl {
    pub name: Ident,
    pub methods: Vec<Ident>,
}

#[derive(Debug)]
pub struct Function {
    pub name: Ident,
    pub params: Vec<Ident>,
    pub body: Block,
    pub is_override: bool,
    pub span: Span,
}

pub type Block = Vec<Stmt>;

#[derive(Debug)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum StmtKind {
    /// `local a, b = 1` (also `outbox`, which behaves the same).
    Local(Vec<(Ident, Option<Expr>)>),
    Global(Ident, Option<Expr>),
    Assign(Expr, Expr),
    If(Expr, Block, Option<Block>),
    Loop(Expr, Block),
    Break,
    Continue,
    Return(Option<Expr>),
    Throw(Expr),
    Try {
        body: Block,
        catches: Vec<Catch>,
        finally: Option<Block>,
    },
    Nowait(Ident, Expr),
    Expr(Expr),
    /// `box Name { ... }` inside a body, as parsed; [`hoist_boxes`] moves the declaration
    /// to the top level and leaves [`StmtKind::BoxDeclared`].
    BoxDecl(Box<BoxDecl>),
    /// Where a box was declared inside a body: its name is usable from here on there.
    BoxDeclared(Ident),
    /// A statement the parser could not read; it has been reported already.
    Error,
}

/// Move every box declared inside a body (a method, a function, a block of the script)
/// out to the top level beside the others: a box so declared is a global box whose
/// declaration sits in a body.
pub fn hoist_boxes(items: &mut Vec<Item>) {
    let mut found = Vec::new();
    for item in items.iter_mut() {
        match item {
            Item::Box(decl) => hoist_from_box(decl, &mut found),
            Item::Function(f) | Item::StaticFunction { function: f, .. } => hoist_from(&mut f.body, &mut found),
            Item::Stmt(s) => hoist_from(std::slice::from_mut(s), &mut found),
            _ => {}
        }
    }
    // Boxes found inside boxes found were hoisted with them.
    items.extend(found.into_iter().map(Item::Box));
}

fn hoist_from_box(decl: &mut BoxDecl, found: &mut Vec<BoxDecl>) {
    for f in decl.methods.iter_mut().chain(decl.constructors.iter_mut()) {
        hoist_from(&mut f.body, found);
    }
    if let Some(body) = &mut decl.static_init {
        hoist_from(body, found);
    }
}

fn hoist_from(body: &mut [Stmt], found: &mut Vec<BoxDecl>) {
    for stmt in body {
        if let StmtKind::BoxDecl(decl) = &stmt.kind {
            let mark = StmtKind::BoxDeclared(decl.name.clone());
            if let StmtKind::BoxDecl(mut decl) = std::mem::replace(&mut stmt.kind, mark) {
                hoist_from_box(&mut decl, found);
                found.push(*decl);
            }
            continue;
        }
        for block in stmt.kind.blocks_mut() {
            hoist_from(block, found);
        }
    }
}

impl StmtKind {
    /// The blocks nested directly in this statement.
    pub fn blocks(&self) -> impl Iterator<Item = &Block> {
        let (first, catches, last): (Option<&Block>, &[Catch], Option<&Block>) = match self {
            StmtKind::If(_, then, otherwise) => (Some(then), &[], otherwise.as_ref()),
            StmtKind::Loop(_, body) => (Some(body), &[], None),
            StmtKind::Try { body, catches, finally } => (Some(body), catches, finally.as_ref()),
            _ => (None, &[], None),
        };
        first.into_iter().chain(catches.iter().map(|c| &c.body)).chain(last)
    }

    pub fn blocks_mut(&mut self) -> Vec<&mut Block> {
        match self {
            StmtKind::If(_, then, otherwise) => std::iter::once(then).chain(otherwise).collect(),
            StmtKind::Loop(_, body) => vec![body],
            StmtKind::Try { body, catches, finally } => {
                std::iter::once(body).chain(catches.iter_mut().map(|c| &mut c.body)).chain(finally).collect()
            }
            _ => Vec::new(),
        }
    }
}

#[derive(Debug)]
pub struct Catch {
    /// The box named in `catch (Type e)`; `None` catches everything.
    pub ty: Option<Ident>,
    pub var: Option<Ident>,
    pub body: Block,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    Neg,
    Not,
}

#[derive(Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug)]
pub enum ExprKind {
    Int(i64),
    Float(f64),
    Str(String),
    Bool(bool),
    Null,
    Var(String),
    Me,
    Binary(BinOp, Box<Expr>, Box<Expr>),
    Unary(UnOp, Box<Expr>),
    /// `f(args)`: a top-level function.
    Call(Ident, Vec<Expr>),
    /// `recv.m(args)`.
    MethodCall(Box<Expr>, Ident, Vec<Expr>),
    Field(Box<Expr>, Ident),
    New(Ident, Vec<Expr>),
    /// `from Parent.m(args)`.
    FromCall(Ident, Ident, Vec<Expr>),
    Await(Box<Expr>),
    Print(Box<Expr>),
    /// An expression the parser could not read; it has been reported already.
    Error,
}
