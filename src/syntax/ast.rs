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
    /// A statement the parser could not read; it has been reported already.
    Error,
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
