//! MIR: the one intermediate representation every backend executes.
//!
//! A module is a set of functions over virtual registers (not SSA: a local variable is
//! one register, assigned as often as the program does). Each function is a list of
//! basic blocks; each block ends in a terminator and may name an exception *handler*
//! block: any instruction of the block that fails transfers control there, where
//! `catch` takes the exception. Every instruction that can fail carries the source
//! location its error reports. The MIR knows nothing of how it is executed: the VM, the
//! JIT and the object backend all start from this form. `docs/MIR.md` describes it.

pub mod analysis;
pub mod direct;
pub mod index;
pub mod inline;
pub mod known;
pub mod lower;
pub mod print;
pub mod simplify;
pub mod verify;

use nyash_runtime::ops::{Arith, Cmp};
pub use nyash_runtime::Loc;

pub type Reg = u32;
pub type BlockId = u32;
pub type FuncId = u32;
pub type BoxId = u32;
pub type GlobalId = u32;

#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Void,
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Arith(Arith),
    Cmp(Cmp),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
    /// Truthiness as a Bool (`and`/`or` results).
    Truthy,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Inst {
    Const {
        dst: Reg,
        value: Const,
    },
    Move {
        dst: Reg,
        src: Reg,
    },
    Binary {
        dst: Reg,
        op: BinaryOp,
        lhs: Reg,
        rhs: Reg,
        loc: Loc,
    },
    Unary {
        dst: Reg,
        op: UnaryOp,
        src: Reg,
        loc: Loc,
    },
    /// Direct call of a known function; for methods `args[0]` is `me`.
    Call {
        dst: Reg,
        func: FuncId,
        args: Vec<Reg>,
        loc: Loc,
    },
    /// Dynamic method call: dispatch on the receiver's box at run time.
    BoxCall {
        dst: Reg,
        recv: Reg,
        method: String,
        args: Vec<Reg>,
        loc: Loc,
    },
    /// `new` of a builtin box.
    NewBuiltin {
        dst: Reg,
        name: String,
        args: Vec<Reg>,
        loc: Loc,
    },
    /// A fresh instance of a user box, every field void (the constructor is a `Call`).
    Alloc {
        dst: Reg,
        class: BoxId,
    },
    /// Set the inner builtin value of a box delegating to a builtin box.
    SetInner {
        obj: Reg,
        src: Reg,
    },
    /// The inner builtin value of a box delegating to a builtin box (`from StringBox.m()`).
    GetInner {
        dst: Reg,
        obj: Reg,
    },
    /// Release `src` now: it holds the result of an expression statement, which nothing
    /// reads, and a box's `fini` runs when its last reference goes.
    Drop {
        src: Reg,
    },
    /// `via_me` says the access is written `me.f`, which may touch private fields.
    GetField {
        dst: Reg,
        obj: Reg,
        field: String,
        via_me: bool,
        loc: Loc,
    },
    SetField {
        obj: Reg,
        field: String,
        src: Reg,
        via_me: bool,
        loc: Loc,
    },
    GetGlobal {
        dst: Reg,
        global: GlobalId,
    },
    SetGlobal {
        global: GlobalId,
        src: Reg,
    },
    /// The singleton of a static box, created (and its `static { }` run) on first use.
    Singleton {
        dst: Reg,
        class: BoxId,
        loc: Loc,
    },
    Print {
        src: Reg,
        loc: Loc,
    },
    /// First instruction of a handler block: the exception being handled.
    Catch {
        dst: Reg,
    },
    /// What a catch variable receives for exception `exc`.
    CatchValue {
        dst: Reg,
        exc: Reg,
    },
    /// Does exception `exc` hold an instance of `class` (or of a box delegating to it)?
    IsA {
        dst: Reg,
        exc: Reg,
        class: BoxId,
    },
    MakeFuture {
        dst: Reg,
        src: Reg,
    },
    FailedFuture {
        dst: Reg,
        exc: Reg,
    },
    Await {
        dst: Reg,
        src: Reg,
        loc: Loc,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Terminator {
    Jump(BlockId),
    Branch {
        cond: Reg,
        then_to: BlockId,
        else_to: BlockId,
    },
    Return(Reg),
    Throw {
        src: Reg,
        loc: Loc,
    },
    /// Re-raise a caught exception unchanged (location included).
    Rethrow {
        exc: Reg,
    },
}

#[derive(Clone, Debug)]
pub struct Block {
    pub insts: Vec<Inst>,
    pub term: Terminator,
    pub handler: Option<BlockId>,
}

#[derive(Clone, Debug)]
pub struct Function {
    /// `Box.method/arity`, `function/arity` or `main` for the script body.
    pub name: String,
    /// Parameter count, `me` included for methods; parameters are registers 0..params.
    pub params: u32,
    /// A method of this box (or of a box delegating to it): register 0 is `me`, an
    /// instance, and nothing writes it.
    pub owner: Option<BoxId>,
    pub regs: u32,
    /// The registers of named local variables (`local x`, a catch variable), ascending.
    /// Such a register holds its value until it is reassigned or the function returns,
    /// so it is never a temporary, even when it is written and read once.
    pub locals: Vec<Reg>,
    /// Block 0 is the entry.
    pub blocks: Vec<Block>,
    /// The source it was compiled from, first and last position (none for the script
    /// body), by which a traceback names the frames.
    pub range: Option<(Loc, Loc)>,
}

impl Function {
    pub fn has_me(&self) -> bool {
        self.owner.is_some()
    }

    /// Every instruction, block by block.
    pub fn insts(&self) -> impl Iterator<Item = &Inst> {
        self.blocks.iter().flat_map(|b| &b.insts)
    }

    /// The name a user knows it by: `Point.add`, `fib`.
    pub fn source_name(&self) -> &str {
        self.name.split_once('/').map_or(&self.name, |(name, _)| name)
    }
}

/// For the passes' tests: function `name` of the program `source`, compiled, as text.
#[cfg(test)]
pub(crate) fn printed_function(source: &str, name: &str) -> String {
    let module = crate::driver::compile_text("t.nyash", source.to_string(), std::io::sink()).expect("compiles");
    module.functions.iter().find(|f| f.name == name).expect("the function").to_string()
}

/// Box descriptions are the runtime's own type: the same record describes a box to the
/// lowering, to the VM and, serialised, to a native executable.
pub use nyash_runtime::image::{BoxDef, FieldDef, FrameDef, MethodDef};

#[derive(Clone, Debug)]
pub struct Module {
    /// File names that `Loc::file` indexes.
    pub files: Vec<String>,
    pub boxes: Vec<BoxDef>,
    pub functions: Vec<Function>,
    pub globals: Vec<String>,
    /// Runs the top-level statements, then the entry box's `main`; its result is the
    /// program's.
    pub entry: FuncId,
}

impl Module {
    /// What the runtime must know of this program before running it (`symbols`: see
    /// `ProgramImage::symbols`).
    pub fn image(&self, symbols: Vec<String>) -> nyash_runtime::image::ProgramImage {
        nyash_runtime::image::ProgramImage {
            files: self.files.clone(),
            symbols,
            boxes: self.boxes.clone(),
            globals: self.globals.len() as u32,
            frames: self
                .functions
                .iter()
                .map(|f| FrameDef { name: f.source_name().to_string(), range: f.range })
                .collect(),
            depth_limit: self.depth_limit(),
            stack_bytes: self.stack_bytes() as u64,
        }
    }

    /// The call depth past which this program raises `Stack overflow`, on every backend:
    /// sized by its largest function (see `program::depth_limit`).
    pub fn depth_limit(&self) -> u32 {
        let (max_regs, once) = self.frame_sizes();
        nyash_runtime::program::depth_limit(max_regs, once)
    }

    /// The stack this program runs on, on every backend (see `program::stack_bytes`).
    pub fn stack_bytes(&self) -> usize {
        let (max_regs, once) = self.frame_sizes();
        nyash_runtime::program::stack_bytes(max_regs, once)
    }

    /// The largest frame of a function that may be on the stack more than once, and the
    /// stack the others take (`program::once_bytes`).
    fn frame_sizes(&self) -> (u32, u64) {
        let once = self.run_once();
        let regs =
            |run_once: bool| self.functions.iter().zip(&once).filter(move |(_, &o)| o == run_once).map(|(f, _)| f.regs);
        (regs(false).max().unwrap_or(0), nyash_runtime::program::once_bytes(regs(true)))
    }

    /// The functions that are on the stack at most once in any run: the entry (the script
    /// body), and a `main` method that only the entry calls, when no method call anywhere
    /// names `main`. A long script or `main` (generated code) then does not lower the
    /// recursion limit of the functions it calls.
    fn run_once(&self) -> Vec<bool> {
        let n = self.functions.len();
        let (mut from_entry, mut from_elsewhere, mut named_main) = (vec![false; n], vec![false; n], false);
        for (id, f) in self.functions.iter().enumerate() {
            for inst in f.insts() {
                match inst {
                    Inst::Call { func, .. } if id == self.entry as usize => from_entry[*func as usize] = true,
                    Inst::Call { func, .. } => from_elsewhere[*func as usize] = true,
                    Inst::BoxCall { method, .. } => named_main |= method == "main",
                    _ => {}
                }
            }
        }
        (0..n)
            .map(|id| {
                let f = &self.functions[id];
                id == self.entry as usize
                    || (from_entry[id] && !from_elsewhere[id] && !named_main && f.source_name().ends_with(".main"))
            })
            .collect()
    }
}

/// `Inst::dst` and `Inst::dst_mut` from one list of the instructions that write a register.
macro_rules! dst_accessors {
    (writes: $($w:ident),*; no_write: $($n:ident),*) => {
        /// The register written, if any.
        pub fn dst(&self) -> Option<Reg> {
            match self {
                $(Inst::$w { dst, .. } => Some(*dst),)*
                $(Inst::$n { .. } => None,)*
            }
        }

        /// The register written, if any, for rewriting.
        pub fn dst_mut(&mut self) -> Option<&mut Reg> {
            match self {
                $(Inst::$w { dst, .. } => Some(dst),)*
                $(Inst::$n { .. } => None,)*
            }
        }
    };
}

impl Inst {
    dst_accessors! {
        writes: Const, Move, Binary, Unary, Call, BoxCall, NewBuiltin, Alloc, GetInner, GetField, GetGlobal, Singleton,
            Catch, CatchValue, IsA, MakeFuture, FailedFuture, Await;
        no_write: SetInner, SetField, SetGlobal, Print, Drop
    }

    /// The registers read.
    pub fn uses(&self) -> Vec<Reg> {
        use Inst::*;
        match self {
            Const { .. } | Alloc { .. } | GetGlobal { .. } | Singleton { .. } | Catch { .. } => {
                vec![]
            }
            Move { src, .. } | Unary { src, .. } | SetGlobal { src, .. } | Print { src, .. } | Drop { src } => {
                vec![*src]
            }
            MakeFuture { src, .. } | Await { src, .. } => vec![*src],
            CatchValue { exc, .. } | IsA { exc, .. } | FailedFuture { exc, .. } => vec![*exc],
            Binary { lhs, rhs, .. } => vec![*lhs, *rhs],
            Call { args, .. } | NewBuiltin { args, .. } => args.clone(),
            BoxCall { recv, args, .. } => std::iter::once(*recv).chain(args.iter().copied()).collect(),
            SetInner { obj, src } | SetField { obj, src, .. } => vec![*obj, *src],
            GetField { obj, .. } | GetInner { obj, .. } => vec![*obj],
        }
    }
}

impl Inst {
    /// The source position of an instruction that can fail (the others have none).
    pub fn loc(&self) -> Option<Loc> {
        use Inst::*;
        match self {
            Binary { loc, .. }
            | Unary { loc, .. }
            | Call { loc, .. }
            | BoxCall { loc, .. }
            | NewBuiltin { loc, .. }
            | GetField { loc, .. }
            | SetField { loc, .. }
            | Singleton { loc, .. }
            | Print { loc, .. }
            | Await { loc, .. } => Some(*loc).filter(|l| l.line != 0),
            _ => None,
        }
    }
}

impl Terminator {
    pub fn successors(&self) -> Vec<BlockId> {
        match self {
            Terminator::Jump(b) => vec![*b],
            Terminator::Branch { then_to, else_to, .. } => vec![*then_to, *else_to],
            Terminator::Return(_) | Terminator::Throw { .. } | Terminator::Rethrow { .. } => vec![],
        }
    }

    pub fn uses(&self) -> Vec<Reg> {
        match self {
            Terminator::Jump(_) => vec![],
            Terminator::Branch { cond, .. } => vec![*cond],
            Terminator::Return(r) | Terminator::Throw { src: r, .. } | Terminator::Rethrow { exc: r } => vec![*r],
        }
    }
}
