//! The stable text form of MIR (`nyashc --emit mir`), used by snapshot tests.

use super::*;
use std::fmt::{self, Display, Formatter, Write};

struct Regs<'a>(&'a [Reg]);

impl Display for Regs<'_> {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, r) in self.0.iter().enumerate() {
            write!(f, "{}%{r}", if i > 0 { ", " } else { "" })?;
        }
        Ok(())
    }
}

impl Display for Const {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Const::Void => write!(f, "void"),
            Const::Null => write!(f, "null"),
            Const::Bool(b) => write!(f, "{b}"),
            Const::Int(n) => write!(f, "{n}"),
            Const::Float(x) => write!(f, "{x:?}"),
            Const::Str(s) => write!(f, "{s:?}"),
        }
    }
}

impl Display for BinaryOp {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let name = match self {
            BinaryOp::Arith(a) => format!("{a:?}"),
            BinaryOp::Cmp(c) => format!("{c:?}"),
        };
        write!(f, "{}", name.to_lowercase())
    }
}

fn loc(l: &Loc) -> String {
    format!("@{}:{}", l.line, l.col)
}

impl Display for Inst {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        use Inst::*;
        match self {
            Const { dst, value } => write!(f, "%{dst} = const {value}"),
            Move { dst, src } => write!(f, "%{dst} = move %{src}"),
            Binary { dst, op, lhs, rhs, loc: l } => write!(f, "%{dst} = {op} %{lhs}, %{rhs} {}", loc(l)),
            Unary { dst, op, src, loc: l } => {
                write!(f, "%{dst} = {} %{src} {}", format!("{op:?}").to_lowercase(), loc(l))
            }
            Call { dst, func, args, loc: l } => write!(f, "%{dst} = call f{func}({}) {}", Regs(args), loc(l)),
            BoxCall { dst, recv, method, args, loc: l } => {
                write!(f, "%{dst} = boxcall %{recv}.{method}({}) {}", Regs(args), loc(l))
            }
            NewBuiltin { dst, name, args, loc: l } => write!(f, "%{dst} = new {name}({}) {}", Regs(args), loc(l)),
            Alloc { dst, class } => write!(f, "%{dst} = alloc box{class}"),
            SetInner { obj, src } => write!(f, "setinner %{obj}, %{src}"),
            GetInner { dst, obj } => write!(f, "%{dst} = getinner %{obj}"),
            Drop { src } => write!(f, "drop %{src}"),
            GetField { dst, obj, field, via_me, loc: l } => {
                write!(f, "%{dst} = getfield %{obj}.{field}{} {}", if *via_me { " me" } else { "" }, loc(l))
            }
            SetField { obj, field, src, via_me, loc: l } => {
                write!(f, "setfield %{obj}.{field}, %{src}{} {}", if *via_me { " me" } else { "" }, loc(l))
            }
            GetGlobal { dst, global } => write!(f, "%{dst} = getglobal g{global}"),
            SetGlobal { global, src } => write!(f, "setglobal g{global}, %{src}"),
            Singleton { dst, class, loc: l } => {
                write!(f, "%{dst} = singleton box{class} {}", loc(l))
            }
            Print { src, loc: l } => write!(f, "print %{src} {}", loc(l)),
            Catch { dst } => write!(f, "%{dst} = catch"),
            CatchValue { dst, exc } => write!(f, "%{dst} = catchvalue %{exc}"),
            IsA { dst, exc, class } => write!(f, "%{dst} = isa %{exc}, box{class}"),
            MakeFuture { dst, src } => write!(f, "%{dst} = future %{src}"),
            FailedFuture { dst, exc } => write!(f, "%{dst} = failedfuture %{exc}"),
            Await { dst, src, loc: l } => write!(f, "%{dst} = await %{src} {}", loc(l)),
        }
    }
}

impl Display for Terminator {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Terminator::Jump(b) => write!(f, "jump bb{b}"),
            Terminator::Branch { cond, then_to, else_to } => write!(f, "branch %{cond}, bb{then_to}, bb{else_to}"),
            Terminator::Return(r) => write!(f, "return %{r}"),
            Terminator::Throw { src, loc: l } => write!(f, "throw %{src} {}", loc(l)),
            Terminator::Rethrow { exc } => write!(f, "rethrow %{exc}"),
        }
    }
}

impl Display for Function {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let me = if self.has_me() { "me, " } else { "" };
        write!(f, "fn {}({me}params {}, regs {}", self.name, self.params, self.regs)?;
        if !self.locals.is_empty() {
            let locals: Vec<String> = self.locals.iter().map(|r| format!("%{r}")).collect();
            write!(f, ", locals {}", locals.join(" "))?;
        }
        writeln!(f, ") {{")?;
        for (i, block) in self.blocks.iter().enumerate() {
            match block.handler {
                Some(h) => writeln!(f, "bb{i}: (handler bb{h})")?,
                None => writeln!(f, "bb{i}:")?,
            }
            for inst in &block.insts {
                writeln!(f, "    {inst}")?;
            }
            writeln!(f, "    {}", block.term)?;
        }
        writeln!(f, "}}")
    }
}

impl Display for Module {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, b) in self.boxes.iter().enumerate() {
            let mut line = format!("box{i} {}{}", if b.is_static { "static " } else { "" }, b.name);
            let fields: Vec<String> = b
                .fields
                .iter()
                .map(|fd| {
                    format!(
                        "{}{}{}",
                        if fd.weak { "weak " } else { "" },
                        if fd.private { "private " } else { "" },
                        fd.name
                    )
                })
                .collect();
            let _ = write!(line, " fields [{}]", fields.join(", "));
            let methods: Vec<String> =
                b.methods.iter().map(|m| format!("{}/{}=f{}", m.name, m.arity, m.func)).collect();
            let _ = write!(line, " methods [{}]", methods.join(", "));
            writeln!(f, "{line}")?;
        }
        for (i, g) in self.globals.iter().enumerate() {
            writeln!(f, "g{i} {g}")?;
        }
        writeln!(f, "entry f{}", self.entry)?;
        for (i, func) in self.functions.iter().enumerate() {
            write!(f, "\nf{i} {func}")?;
        }
        Ok(())
    }
}
