//! AST to MIR: function bodies, with the checks that need scopes (undeclared assignment,
//! `break` outside a loop, `me` outside a box, unknown boxes and functions, constructor
//! arity).
//!
//! `try`/`finally` is lowered by copying: the `finally` block is emitted on the normal
//! path, on the exceptional path (a handler that runs it and re-raises), and before every
//! `return`, `break` or `continue` that leaves the `try`.

use super::index::{Body, Index};
use super::known::KnownBoxes;
use super::*;
use crate::diag::Diagnostic;
use crate::syntax::ast::{self, BinOp, Expr, ExprKind, Stmt, StmtKind};
use crate::syntax::span::{SourceMap, Span};
use nyash_runtime::boxes::arguments;
use rustc_hash::FxHashMap;

/// Lower a whole program. Diagnostics come back in every case (warnings too); the module
/// only when there is no error.
pub fn lower_program(items: &[ast::Item], sources: &SourceMap) -> (Option<Module>, Vec<Diagnostic>) {
    let mut index = Index::build(items);
    let mut diags = std::mem::take(&mut index.diags);
    let script: Vec<&Stmt> =
        items.iter().filter_map(|i| if let ast::Item::Stmt(s) = i { Some(s) } else { None }).collect();
    let entry_box = find_entry(&index, !script.is_empty(), &mut diags);

    let mut functions = Vec::with_capacity(index.bodies.len() + 1);
    let mut main = FnLower::new(&index, sources, "main".into(), None, &[], true);
    for s in &script {
        main.stmt(s);
    }
    let result = match entry_box {
        Some((class, func)) => {
            let me = main.new_reg();
            main.emit(Inst::Singleton { dst: me, class, loc: Loc::default() });
            let dst = main.new_reg();
            main.emit(Inst::Call { dst, func, args: vec![me], loc: Loc::default() });
            dst
        }
        None => main.constant(Const::Void),
    };
    main.terminate(Terminator::Return(result));
    functions.push(main.finish(&mut diags));

    for body in &index.bodies {
        functions.push(lower_body(&index, sources, body, &mut diags));
    }
    let boxes = index
        .boxes
        .iter()
        .enumerate()
        .map(|(id, info)| {
            let decl = info.decl;
            let static_init = decl.static_init.as_ref().map(|block| {
                let mut f =
                    FnLower::new(&index, sources, format!("{}.static", decl.name.name), Some(id as BoxId), &[], false);
                if let (Some(first), Some(last)) = (block.first(), block.last()) {
                    f.compiled_from(Span { end: last.span.end, ..first.span });
                }
                f.block(block);
                let void = f.constant(Const::Void);
                f.terminate(Terminator::Return(void));
                functions.push(f.finish(&mut diags));
                functions.len() as FuncId - 1
            });
            BoxDef {
                name: decl.name.name.clone(),
                is_static: decl.is_static,
                fields: info.fields.clone(),
                methods: info.method_order.iter().map(|m| info.methods[m].clone()).collect(),
                ancestors: info.ancestors.clone(),
                builtin_parent: info.builtin_parent.clone(),
                fini: info.methods.get("fini").filter(|m| m.arity == 0).map(|m| m.func),
                static_init,
            }
        })
        .collect();
    if diags.iter().any(|d| !d.is_warning) {
        return (None, diags);
    }
    let files = sources.files.iter().map(|f| f.name.clone()).collect();
    let mut module = Module { files, boxes, functions, globals: index.globals.clone(), entry: 0 };
    super::simplify::simplify(&mut module);
    super::direct::direct_calls_on_me(&mut module);
    super::inline::inline_leaves(&mut module);
    (Some(module), diags)
}

/// `Main.main()` if there is a static box Main, else the only static box with `main()`.
/// The entry method (docs/LANGUAGE.md section 10): `Main.main()` after the top-level statements;
/// otherwise, only in a file without them (`has_script` false), the `main()` of the only
/// static box that defines one. A script that calls another box's `main()` itself sees it
/// run once.
fn find_entry(index: &Index, has_script: bool, diags: &mut Vec<Diagnostic>) -> Option<(BoxId, FuncId)> {
    let candidates: Vec<BoxId> = (0..index.boxes.len() as BoxId)
        .filter(|&id| {
            let b = &index.boxes[id as usize];
            b.decl.is_static && b.methods.contains_key("main")
        })
        .collect();
    let named_main = candidates.iter().copied().find(|&id| index.boxes[id as usize].decl.name.name == "Main");
    let only = (candidates.len() == 1 && !has_script).then(|| candidates[0]);
    let chosen = named_main.or(only);
    if chosen.is_none() && candidates.len() > 1 && !has_script {
        let b = &index.boxes[candidates[1] as usize].decl;
        diags.push(
            Diagnostic::error(b.name.span, "several static boxes define `main()` and none is called `Main`")
                .help("rename the entry box to `Main`"),
        );
    }
    let id = chosen?;
    let main = &index.boxes[id as usize].methods["main"];
    if main.arity != 0 {
        diags.push(Diagnostic::error(
            index.boxes[id as usize].decl.name.span,
            "the entry method `main` must take no parameters",
        ));
        return None;
    }
    Some((id, main.func))
}

fn lower_body<'a>(
    index: &'a Index<'a>,
    sources: &'a SourceMap,
    body: &Body<'a>,
    diags: &mut Vec<Diagnostic>,
) -> Function {
    let f = body.function;
    let mut l = FnLower::new(index, sources, body.name.clone(), body.owner, &f.params, false);
    l.is_constructor = body.is_constructor;
    l.function = Some(f);
    l.compiled_from(f.span);
    l.block(&f.body);
    let result = if body.is_constructor { 0 } else { l.constant(Const::Void) };
    l.terminate(Terminator::Return(result));
    l.finish(diags)
}

struct LoopCtx {
    continue_to: BlockId,
    break_to: BlockId,
    finally_depth: usize,
}

/// A `finally` block that control leaving its `try` must run, and the handler in force
/// outside that `try`.
struct PendingFinally<'a> {
    block: &'a [Stmt],
    outer_handler: Option<BlockId>,
}

struct FnLower<'a> {
    index: &'a Index<'a>,
    sources: &'a SourceMap,
    owner: Option<BoxId>,
    is_script: bool,
    /// Constructors return `me` whatever they say (so `new` needs no extra register).
    is_constructor: bool,
    name: String,
    params: u32,
    regs: u32,
    blocks: Vec<Block>,
    terminated: Vec<bool>,
    current: BlockId,
    handler: Option<BlockId>,
    locals: FxHashMap<String, Reg>,
    /// Every register `declare` gave a name, in order (`Function::locals`).
    named: Vec<Reg>,
    /// The function lowered (none for the script and static initialisers), and the boxes
    /// its locals are known to hold, worked out when first asked.
    function: Option<&'a ast::Function>,
    known: std::cell::OnceCell<KnownBoxes<'a>>,
    range: Option<(Loc, Loc)>,
    loops: Vec<LoopCtx>,
    finallies: Vec<PendingFinally<'a>>,
    diags: Vec<Diagnostic>,
}

impl<'a> FnLower<'a> {
    fn new(
        index: &'a Index<'a>,
        sources: &'a SourceMap,
        name: String,
        owner: Option<BoxId>,
        params: &[ast::Ident],
        is_script: bool,
    ) -> Self {
        let mut l = FnLower {
            index,
            sources,
            owner,
            is_script,
            is_constructor: false,
            name,
            params: 0,
            regs: 0,
            blocks: Vec::new(),
            terminated: Vec::new(),
            current: 0,
            handler: None,
            locals: FxHashMap::default(),
            named: Vec::new(),
            function: None,
            known: std::cell::OnceCell::new(),
            range: None,
            loops: Vec::new(),
            finallies: Vec::new(),
            diags: Vec::new(),
        };
        if owner.is_some() {
            l.new_reg(); // %0 is `me`
        }
        for p in params {
            let r = l.new_reg();
            if l.locals.insert(p.name.clone(), r).is_some() {
                l.error(Diagnostic::error(p.span, format!("parameter `{}` is declared twice", p.name)));
            }
        }
        l.params = l.regs;
        l.current = l.new_block();
        l
    }

    fn finish(mut self, diags: &mut Vec<Diagnostic>) -> Function {
        diags.append(&mut self.diags);
        Function {
            name: self.name,
            params: self.params,
            owner: self.owner,
            regs: self.regs,
            locals: self.named,
            blocks: self.blocks,
            range: self.range,
        }
    }

    /// The function's source is `span`: where a traceback finds it.
    fn compiled_from(&mut self, span: Span) {
        let end = Span { start: span.end.saturating_sub(1), ..span };
        self.range = Some((self.loc(span), self.loc(end)));
    }

    fn loc(&self, span: Span) -> Loc {
        let (line, col) = self.sources.file(span.file).line_col(span.start as usize);
        Loc { file: span.file, line, col }
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    fn new_reg(&mut self) -> Reg {
        self.regs += 1;
        self.regs - 1
    }

    fn new_block(&mut self) -> BlockId {
        self.blocks.push(Block { insts: Vec::new(), term: Terminator::Return(0), handler: self.handler });
        self.terminated.push(false);
        self.blocks.len() as BlockId - 1
    }

    fn emit(&mut self, inst: Inst) {
        self.blocks[self.current as usize].insts.push(inst);
    }

    /// End the current block; anything emitted after this lands in a fresh (dead) block.
    fn terminate(&mut self, term: Terminator) {
        if !self.terminated[self.current as usize] {
            self.blocks[self.current as usize].term = term;
            self.terminated[self.current as usize] = true;
        }
    }

    fn switch_to(&mut self, block: BlockId) {
        self.current = block;
    }

    /// Start a new block (continuing from the current one) with the handler now in force.
    fn begin_region(&mut self) {
        let next = self.new_block();
        self.terminate(Terminator::Jump(next));
        self.switch_to(next);
    }

    fn constant(&mut self, value: Const) -> Reg {
        let dst = self.new_reg();
        self.emit(Inst::Const { dst, value });
        dst
    }

    fn block(&mut self, stmts: &'a [Stmt]) {
        for s in stmts {
            self.stmt(s);
        }
    }

    fn dead_code_block(&mut self) {
        let b = self.new_block();
        self.switch_to(b);
    }

    fn stmt(&mut self, s: &'a Stmt) {
        match &s.kind {
            StmtKind::Local(decls) => {
                for (name, init) in decls {
                    let value = match init {
                        Some(e) => self.expr(e),
                        None => self.constant(Const::Void),
                    };
                    self.declare(&name.name, value);
                }
            }
            StmtKind::Global(name, init) => {
                let value = match init {
                    Some(e) => self.expr(e),
                    None => self.constant(Const::Void),
                };
                let global = self.index.global_ids[&name.name];
                self.emit(Inst::SetGlobal { global, src: value });
            }
            StmtKind::Assign(target, value) => self.assign(target, value),
            StmtKind::If(cond, then, otherwise) => {
                let (then_bb, else_bb, join) = (self.new_block(), self.new_block(), self.new_block());
                self.branch_on(cond, then_bb, else_bb);
                self.switch_to(then_bb);
                self.block(then);
                self.terminate(Terminator::Jump(join));
                self.switch_to(else_bb);
                if let Some(b) = otherwise {
                    self.block(b);
                }
                self.terminate(Terminator::Jump(join));
                self.switch_to(join);
            }
            StmtKind::Loop(cond, body) => {
                let (head, body_bb, exit) = (self.new_block(), self.new_block(), self.new_block());
                self.terminate(Terminator::Jump(head));
                self.switch_to(head);
                self.branch_on(cond, body_bb, exit);
                self.switch_to(body_bb);
                self.loops.push(LoopCtx { continue_to: head, break_to: exit, finally_depth: self.finallies.len() });
                self.block(body);
                self.loops.pop();
                self.terminate(Terminator::Jump(head));
                self.switch_to(exit);
            }
            StmtKind::Break | StmtKind::Continue => {
                let is_break = matches!(s.kind, StmtKind::Break);
                let Some(ctx) = self.loops.last() else {
                    let word = if is_break { "break" } else { "continue" };
                    self.error(Diagnostic::error(s.span, format!("`{word}` outside a loop")));
                    return;
                };
                let (target, depth) = (if is_break { ctx.break_to } else { ctx.continue_to }, ctx.finally_depth);
                self.run_finallies_down_to(depth);
                self.terminate(Terminator::Jump(target));
                self.dead_code_block();
            }
            StmtKind::Return(value) => {
                let mut r = match value {
                    Some(e) => self.expr(e),
                    None => self.constant(Const::Void),
                };
                if self.is_constructor {
                    r = 0;
                }
                self.run_finallies_down_to(0);
                self.terminate(Terminator::Return(r));
                self.dead_code_block();
            }
            StmtKind::Throw(e) => {
                let src = self.expr(e);
                let loc = self.loc(s.span);
                self.terminate(Terminator::Throw { src, loc });
                self.dead_code_block();
            }
            StmtKind::Try { body, catches, finally } => self.try_stmt(body, catches, finally.as_deref()),
            StmtKind::Nowait(name, call) => self.nowait(name, call),
            StmtKind::Expr(e) => {
                let fresh = self.regs;
                let result = self.expr(e);
                // A call's result that nothing reads is released at the end of its
                // statement, as the last reference to a box it may be.
                let makes_boxes = matches!(
                    e.kind,
                    ExprKind::Call(..)
                        | ExprKind::MethodCall(..)
                        | ExprKind::New(..)
                        | ExprKind::FromCall(..)
                        | ExprKind::Await(_)
                );
                if makes_boxes && result >= fresh {
                    self.emit(Inst::Drop { src: result });
                }
            }
            // The box itself is declared at the top level, like every box.
            StmtKind::BoxDeclared(_) | StmtKind::Error => {}
            StmtKind::BoxDecl(_) => unreachable!("`ast::hoist_boxes` runs before lowering"),
        }
    }

    /// Emit the `finally` blocks entered since depth `depth` (innermost first), each
    /// under the handler that is in force outside its `try`.
    fn run_finallies_down_to(&mut self, depth: usize) {
        let saved_handler = self.handler;
        let pending = self.finallies.split_off(depth);
        for p in pending.iter().rev() {
            self.handler = p.outer_handler;
            self.begin_region();
            self.block(p.block);
        }
        self.finallies.extend(pending);
        self.handler = saved_handler;
        self.begin_region();
    }

    fn try_stmt(&mut self, body: &'a [Stmt], catches: &'a [ast::Catch], finally: Option<&'a [Stmt]>) {
        let outer = self.handler;
        let after = self.new_block();
        // Exceptions escaping the catch clauses (or raised in them) still run `finally`.
        let finally_handler = finally.map(|_| {
            let h = self.new_block();
            let saved = self.current;
            self.switch_to(h);
            let exc = self.new_reg();
            self.emit(Inst::Catch { dst: exc });
            self.block(finally.unwrap_or_default());
            self.terminate(Terminator::Rethrow { exc });
            self.switch_to(saved);
            h
        });
        let after_catch_handler = finally_handler.or(outer);
        let catch_bb = (!catches.is_empty()).then(|| {
            self.handler = after_catch_handler;
            self.new_block()
        });
        if let Some(fin) = finally {
            self.finallies.push(PendingFinally { block: fin, outer_handler: outer });
        }

        self.handler = catch_bb.or(finally_handler);
        self.begin_region();
        self.block(body);
        self.handler = outer;
        if finally.is_some() {
            self.finallies.pop();
        }
        self.begin_region();
        if let Some(fin) = finally {
            self.block(fin);
        }
        self.terminate(Terminator::Jump(after));

        if let Some(catch_bb) = catch_bb {
            self.handler = after_catch_handler;
            if let Some(fin) = finally {
                self.finallies.push(PendingFinally { block: fin, outer_handler: outer });
            }
            self.switch_to(catch_bb);
            let exc = self.new_reg();
            self.emit(Inst::Catch { dst: exc });
            for c in catches {
                self.catch_clause(c, exc, after, finally, outer);
            }
            self.terminate(Terminator::Rethrow { exc });
            if finally.is_some() {
                self.finallies.pop();
            }
        }
        self.handler = outer;
        self.switch_to(after);
    }

    fn catch_clause(
        &mut self,
        c: &'a ast::Catch,
        exc: Reg,
        after: BlockId,
        finally: Option<&'a [Stmt]>,
        outer: Option<BlockId>,
    ) {
        let class = c.ty.as_ref().and_then(|ty| match ty.name.as_str() {
            "Error" | "ErrorBox" | "Exception" => None,
            name => match self.index.box_ids.get(name) {
                Some(&id) => Some(id),
                None => {
                    self.error(Diagnostic::error(ty.span, format!("unknown box `{name}` in catch")));
                    None
                }
            },
        });
        let next = class.map(|class| {
            let test = self.new_reg();
            self.emit(Inst::IsA { dst: test, exc, class });
            let (matched, next) = (self.new_block(), self.new_block());
            self.terminate(Terminator::Branch { cond: test, then_to: matched, else_to: next });
            self.switch_to(matched);
            next
        });
        if let Some(var) = &c.var {
            let value = self.new_reg();
            self.emit(Inst::CatchValue { dst: value, exc });
            self.declare(&var.name, value);
        }
        self.block(&c.body);
        if let Some(fin) = finally {
            let (saved_handler, pending) = (self.handler, self.finallies.pop());
            self.handler = outer;
            self.begin_region();
            self.block(fin);
            self.handler = saved_handler;
            self.finallies.extend(pending);
        }
        self.terminate(Terminator::Jump(after));
        match next {
            Some(n) => self.switch_to(n),
            None => self.dead_code_block(),
        }
    }

    fn nowait(&mut self, name: &ast::Ident, call: &Expr) {
        let outer = self.handler;
        let (join, failed) = (self.new_block(), self.new_block());
        let future = self.new_reg();
        self.handler = Some(failed);
        self.begin_region();
        let value = self.expr(call);
        self.emit(Inst::MakeFuture { dst: future, src: value });
        self.handler = outer;
        self.terminate(Terminator::Jump(join));
        self.switch_to(failed);
        let exc = self.new_reg();
        self.emit(Inst::Catch { dst: exc });
        self.emit(Inst::FailedFuture { dst: future, exc });
        self.terminate(Terminator::Jump(join));
        self.switch_to(join);
        match self.lookup(&name.name) {
            Some(Target::Local(r)) => self.emit(Inst::Move { dst: r, src: future }),
            Some(Target::Global(g)) => self.emit(Inst::SetGlobal { global: g, src: future }),
            None => self.declare(&name.name, future),
        }
    }

    /// Bind a local (at the top level of a script, a global).
    fn declare(&mut self, name: &str, value: Reg) {
        if self.is_script {
            let global = self.index.global_ids[name];
            self.emit(Inst::SetGlobal { global, src: value });
            return;
        }
        let r = self.new_reg();
        self.bind(r, value);
        self.locals.insert(name.to_string(), r);
        self.named.push(r);
    }

    /// `target = value` for a variable's register. When `value` is a temporary the last
    /// instruction just computed, that instruction writes `target` directly instead.
    fn bind(&mut self, target: Reg, value: Reg) {
        // (`named` is ascending: registers are numbered as they are made.)
        let is_named = value < self.params || self.named.binary_search(&value).is_ok();
        if !is_named {
            if let Some(last) = self.blocks[self.current as usize].insts.last_mut() {
                if let Some(dst) = last.dst_mut().filter(|d| **d == value) {
                    *dst = target;
                    return;
                }
            }
        }
        self.emit(Inst::Move { dst: target, src: value });
    }

    fn lookup(&self, name: &str) -> Option<Target> {
        if let Some(&r) = self.locals.get(name) {
            return Some(Target::Local(r));
        }
        self.index.global_ids.get(name).map(|&g| Target::Global(g))
    }

    fn assign(&mut self, target: &Expr, value: &Expr) {
        match &target.kind {
            ExprKind::Var(name) => {
                let v = self.expr(value);
                match self.lookup(name) {
                    Some(Target::Local(r)) => self.bind(r, v),
                    Some(Target::Global(g)) => self.emit(Inst::SetGlobal { global: g, src: v }),
                    None => self.error(
                        Diagnostic::error(target.span, format!("assignment to undeclared variable `{name}`"))
                            .label("not declared")
                            .help(format!("declare it with `local {name}`")),
                    ),
                }
            }
            ExprKind::Field(recv, field) => {
                let via_me = matches!(recv.kind, ExprKind::Me);
                if !via_me && !self.index.boxes.iter().any(|b| b.fields.iter().any(|f| f.name == field.name)) {
                    self.error(
                        Diagnostic::warning(field.span, format!("no box declares a field `{}`", field.name))
                            .label("added to this instance only, at run time")
                            .help(format!("declare it with `init {{ {} }}` in the box", field.name)),
                    );
                }
                let obj = self.expr(recv);
                let src = self.expr(value);
                let loc = self.loc(field.span);
                self.emit(Inst::SetField { obj, field: field.name.clone(), src, via_me, loc });
            }
            _ => self.error(
                Diagnostic::error(target.span, "cannot assign to this expression").label("not a variable or field"),
            ),
        }
    }

    fn args(&mut self, args: &[Expr]) -> Vec<Reg> {
        args.iter().map(|a| self.expr(a)).collect()
    }

    fn me(&mut self, span: Span) -> Reg {
        if self.owner.is_none() {
            self.error(Diagnostic::error(span, "`me` outside a box").label("there is no receiver here"));
        }
        0
    }

    fn expr(&mut self, e: &Expr) -> Reg {
        let loc = self.loc(e.span);
        match &e.kind {
            ExprKind::Int(n) => self.constant(Const::Int(*n)),
            ExprKind::Float(f) => self.constant(Const::Float(*f)),
            ExprKind::Str(s) => self.constant(Const::Str(s.clone())),
            ExprKind::Bool(b) => self.constant(Const::Bool(*b)),
            ExprKind::Null => self.constant(Const::Null),
            ExprKind::Error => self.constant(Const::Void),
            ExprKind::Me => self.me(e.span),
            ExprKind::Var(name) => self.variable(name, e.span),
            ExprKind::Binary(BinOp::And, l, r) => self.short_circuit(l, r, true),
            ExprKind::Binary(BinOp::Or, l, r) => self.short_circuit(l, r, false),
            ExprKind::Binary(op, l, r) => {
                let (lhs, rhs) = (self.expr(l), self.expr(r));
                let dst = self.new_reg();
                self.emit(Inst::Binary { dst, op: binary_op(*op), lhs, rhs, loc });
                dst
            }
            ExprKind::Unary(op, operand) => {
                let src = self.expr(operand);
                let dst = self.new_reg();
                let op = match op {
                    ast::UnOp::Neg => UnaryOp::Neg,
                    ast::UnOp::Not => UnaryOp::Not,
                };
                self.emit(Inst::Unary { dst, op, src, loc });
                dst
            }
            ExprKind::Call(name, args) => self.call_function(name, args, loc),
            ExprKind::MethodCall(recv, method, args) => self.method_call(recv, method, args, loc),
            ExprKind::Field(recv, field) => {
                let via_me = matches!(recv.kind, ExprKind::Me);
                let obj = self.expr(recv);
                let dst = self.new_reg();
                self.emit(Inst::GetField { dst, obj, field: field.name.clone(), via_me, loc: self.loc(field.span) });
                dst
            }
            ExprKind::New(name, args) => self.new_box(name, args, loc),
            ExprKind::FromCall(parent, method, args) => self.from_call(parent, method, args, loc),
            ExprKind::Await(inner) => {
                let src = self.expr(inner);
                let dst = self.new_reg();
                self.emit(Inst::Await { dst, src, loc });
                dst
            }
            ExprKind::Print(inner) => {
                let src = self.expr(inner);
                self.emit(Inst::Print { src, loc });
                self.constant(Const::Void)
            }
        }
    }

    fn variable(&mut self, name: &str, span: Span) -> Reg {
        match self.lookup(name) {
            Some(Target::Local(r)) => r,
            Some(Target::Global(global)) => {
                let dst = self.new_reg();
                self.emit(Inst::GetGlobal { dst, global });
                dst
            }
            None => match self.index.box_ids.get(name) {
                Some(&class) if self.index.boxes[class as usize].decl.is_static => {
                    let dst = self.new_reg();
                    self.emit(Inst::Singleton { dst, class, loc: self.loc(span) });
                    dst
                }
                _ => {
                    let mut d = Diagnostic::error(span, format!("undefined variable `{name}`")).label("not declared");
                    let namespace = nyash_runtime::boxes::nyashstd::NAMESPACES.iter().any(|(ns, _)| *ns == name);
                    if namespace && !self.index.uses_std {
                        d = d.help(format!("`{name}` is a namespace of the standard library: write `using nyashstd`"));
                    }
                    self.error(d);
                    self.constant(Const::Void)
                }
            },
        }
    }

    /// Branch on the truth of `cond`. An `and` or `or` there becomes branches of its own,
    /// so no Bool is made and each compare stays next to the branch it feeds.
    fn branch_on(&mut self, cond: &Expr, then_to: BlockId, else_to: BlockId) {
        match &cond.kind {
            ExprKind::Binary(op @ (BinOp::And | BinOp::Or), l, r) => {
                let rhs_bb = self.new_block();
                if *op == BinOp::And {
                    self.branch_on(l, rhs_bb, else_to);
                } else {
                    self.branch_on(l, then_to, rhs_bb);
                }
                self.switch_to(rhs_bb);
                self.branch_on(r, then_to, else_to);
            }
            _ => {
                let c = self.expr(cond);
                self.terminate(Terminator::Branch { cond: c, then_to, else_to });
            }
        }
    }

    fn short_circuit(&mut self, l: &Expr, r: &Expr, is_and: bool) -> Reg {
        let dst = self.new_reg();
        let lhs = self.expr(l);
        self.emit(Inst::Unary { dst, op: UnaryOp::Truthy, src: lhs, loc: self.loc(l.span) });
        let (rhs_bb, join) = (self.new_block(), self.new_block());
        let term = if is_and {
            Terminator::Branch { cond: dst, then_to: rhs_bb, else_to: join }
        } else {
            Terminator::Branch { cond: dst, then_to: join, else_to: rhs_bb }
        };
        self.terminate(term);
        self.switch_to(rhs_bb);
        let rhs = self.expr(r);
        self.emit(Inst::Unary { dst, op: UnaryOp::Truthy, src: rhs, loc: self.loc(r.span) });
        self.terminate(Terminator::Jump(join));
        self.switch_to(join);
        dst
    }

    fn call_function(&mut self, name: &ast::Ident, args: &[Expr], loc: Loc) -> Reg {
        let Some(&(func, arity)) = self.index.functions.get(&name.name) else {
            self.error(Diagnostic::error(name.span, format!("unknown function `{}`", name.name)).label("not defined"));
            return self.constant(Const::Void);
        };
        if arity as usize != args.len() {
            self.arity_error(name.span, &format!("function `{}`", name.name), arity, args.len());
        }
        let args = self.args(args);
        let dst = self.new_reg();
        self.emit(Inst::Call { dst, func, args, loc });
        dst
    }

    fn arity_error(&mut self, span: Span, what: &str, want: u32, got: usize) {
        let s = if want == 1 { "" } else { "s" };
        self.error(
            Diagnostic::error(span, format!("{what} takes {want} argument{s}, {got} given"))
                .label("wrong number of arguments"),
        );
    }

    fn static_function(&self, recv: &Expr, method: &str) -> Option<&(FuncId, u32)> {
        let ExprKind::Var(name) = &recv.kind else { return None };
        if self.lookup(name).is_some() {
            return None;
        }
        self.index.static_functions.get(&(name.clone(), method.to_string()))
    }

    /// A static box named directly (`Name.m()`), unless a variable shadows it.
    fn static_receiver(&self, recv: &Expr) -> Option<BoxId> {
        let ExprKind::Var(name) = &recv.kind else {
            return None;
        };
        if self.lookup(name).is_some() {
            return None;
        }
        self.index.box_ids.get(name).copied().filter(|&id| self.index.boxes[id as usize].decl.is_static)
    }

    fn method_call(&mut self, recv: &Expr, method: &ast::Ident, args: &[Expr], loc: Loc) -> Reg {
        if let Some(&(func, arity)) = self.static_function(recv, &method.name) {
            if arity as usize != args.len() {
                self.arity_error(method.span, &format!("static function `{}`", method.name), arity, args.len());
            }
            let args = self.args(args);
            let dst = self.new_reg();
            self.emit(Inst::Call { dst, func, args, loc });
            return dst;
        }
        if let Some(class) = self.static_receiver(recv) {
            let info = &self.index.boxes[class as usize];
            if let Some(m) = info.methods.get(&method.name).cloned() {
                if m.arity as usize != args.len() {
                    self.arity_error(
                        method.span,
                        &format!("method `{}.{}`", info.decl.name.name, method.name),
                        m.arity,
                        args.len(),
                    );
                }
                let me = self.new_reg();
                self.emit(Inst::Singleton { dst: me, class, loc });
                let mut regs = vec![me];
                regs.extend(self.args(args));
                let dst = self.new_reg();
                self.emit(Inst::Call { dst, func: m.func, args: regs, loc });
                return dst;
            }
        }
        if let Some(r) = self.std_namespace_call(recv, method, args, loc) {
            return r;
        }
        if let Some(class) = self.known_box(recv).map(str::to_string) {
            self.check_known_method(&class, method, args.len());
        }
        let recv = self.expr(recv);
        let args = self.args(args);
        let dst = self.new_reg();
        self.emit(Inst::BoxCall { dst, recv, method: method.name.clone(), args, loc });
        dst
    }

    /// The box `e` is known to make or hold: `new X(...)`, or a variable whose every
    /// binding is that (see `known`).
    fn known_box<'e>(&'e self, e: &'e Expr) -> Option<&'e str> {
        match &e.kind {
            ExprKind::New(class, _) => Some(&class.name),
            ExprKind::Var(name) => match self.lookup(name)? {
                Target::Local(_) => {
                    let function = self.function?;
                    self.known.get_or_init(|| KnownBoxes::of(&function.params, [&function.body[..]])).get(name)
                }
                Target::Global(_) => self.index.known_globals().get(name),
            },
            _ => None,
        }
    }

    /// A call of `method` with `arity` arguments on a box known to be `class`: report a
    /// method it does not have, or the wrong number of arguments, as the call would at
    /// run time.
    fn check_known_method(&mut self, class: &str, method: &ast::Ident, arity: usize) {
        let Some(&id) = self.index.box_ids.get(class) else {
            if nyash_runtime::boxes::signatures(class).is_some() {
                self.check_builtin_method(class, class, method, arity);
            }
            return;
        };
        let info = &self.index.boxes[id as usize];
        if let Some(m) = info.methods.get(&method.name) {
            if m.arity as usize != arity {
                let what = format!("method `{class}.{}`", method.name);
                self.arity_error(method.span, &what, m.arity, arity);
            }
            return;
        }
        // What every instance answers besides its box's methods (runtime/src/dispatch.rs).
        if matches!(method.name.as_str(), "toString" | "fini") {
            return;
        }
        if let Some(parent) = info.builtin_parent.clone() {
            self.check_builtin_method(&parent, class, method, arity);
            return;
        }
        let names: Vec<&str> = info.method_order.iter().map(String::as_str).chain(["toString"]).collect();
        let d = Diagnostic::error(method.span, format!("`{class}` has no method `{}`", method.name))
            .label("no such method")
            .suggest(&method.name, names.into_iter());
        self.error(d);
    }

    /// `using nyashstd`: `string.upper(s)` calls `upper` of the namespace's box (a local
    /// or global of the same name hides the namespace). Unknown functions and wrong
    /// argument counts are compile errors.
    fn std_namespace_call(&mut self, recv: &Expr, method: &ast::Ident, args: &[Expr], loc: Loc) -> Option<Reg> {
        let ExprKind::Var(ns) = &recv.kind else {
            return None;
        };
        if !self.index.uses_std || self.lookup(ns).is_some() {
            return None;
        }
        let (name, builtin) = nyash_runtime::boxes::nyashstd::NAMESPACES.iter().find(|(name, _)| name == ns)?;
        let dst = self.new_reg();
        if !self.check_builtin_method(builtin, name, method, args.len()) {
            return Some(dst);
        }
        let receiver = self.new_reg();
        self.emit(Inst::NewBuiltin { dst: receiver, name: builtin.to_string(), args: vec![], loc });
        let args = self.args(args);
        self.emit(Inst::BoxCall { dst, recv: receiver, method: method.name.clone(), args, loc });
        Some(dst)
    }

    fn new_box(&mut self, name: &ast::Ident, args: &[Expr], loc: Loc) -> Reg {
        let dst = self.new_reg();
        let Some(&class) = self.index.box_ids.get(&name.name) else {
            if nyash_runtime::boxes::is_builtin_box(&name.name) {
                let args = self.args(args);
                self.emit(Inst::NewBuiltin { dst, name: name.name.clone(), args, loc });
            } else {
                self.error(
                    Diagnostic::error(name.span, format!("unknown box `{}`", name.name)).label("no box of this name"),
                );
            }
            return dst;
        };
        if self.index.boxes[class as usize].decl.is_static {
            self.error(
                Diagnostic::error(name.span, format!("`{}` is a static box: it has one instance", name.name))
                    .label("cannot make another")
                    .help(format!("call its methods as `{}.m(...)`", name.name)),
            );
        }
        let ctor = self.constructor(class, args.len());
        if ctor.is_none() && !(args.is_empty() && self.has_no_constructor(class)) {
            self.error(
                Diagnostic::error(
                    name.span,
                    format!("`{}` has no constructor taking {}", name.name, arguments(args.len())),
                )
                .label("no matching birth/init/pack"),
            );
        }
        let args = self.args(args);
        let obj = self.new_reg();
        self.emit(Inst::Alloc { dst: obj, class });
        // A box delegating to a builtin starts with the builtin's empty value, so that
        // forwarding works even where no constructor calls `from StringBox.birth(...)`.
        if let Some(builtin) = self.index.boxes[class as usize].builtin_parent.clone() {
            if nyash_runtime::boxes::constructs_without_arguments(&builtin) {
                self.set_inner(obj, &builtin, vec![], loc);
            }
        }
        match ctor {
            // Constructors return `me`, so the new instance flows through one register.
            Some(func) => self.emit(Inst::Call { dst, func, args: std::iter::once(obj).chain(args).collect(), loc }),
            None => self.emit(Inst::Move { dst, src: obj }),
        }
        dst
    }

    fn has_no_constructor(&self, class: BoxId) -> bool {
        let info = &self.index.boxes[class as usize];
        info.constructors.is_empty() && info.parents.iter().all(|&p| self.has_no_constructor(p))
    }

    /// The constructor of `class` taking `arity` arguments: its own, else its first
    /// parent's that has one.
    fn constructor(&self, class: BoxId, arity: usize) -> Option<FuncId> {
        let info = &self.index.boxes[class as usize];
        if let Some(c) = info.constructors.iter().find(|c| c.arity as usize == arity) {
            return Some(c.func);
        }
        if !info.constructors.is_empty() {
            return None;
        }
        info.parents.iter().find_map(|&p| self.constructor(p, arity))
    }

    /// Give `obj` a fresh inner value: `new builtin(args)`.
    fn set_inner(&mut self, obj: Reg, builtin: &str, args: Vec<Reg>, loc: Loc) {
        let inner = self.new_reg();
        self.emit(Inst::NewBuiltin { dst: inner, name: builtin.into(), args, loc });
        self.emit(Inst::SetInner { obj, src: inner });
    }

    /// Does builtin box `builtin` (called `shown` in messages) have `method` taking
    /// `arity` arguments? Reports it if not.
    fn check_builtin_method(&mut self, builtin: &str, shown: &str, method: &ast::Ident, arity: usize) -> bool {
        let signatures = nyash_runtime::boxes::signatures(builtin).unwrap_or_default();
        let Some(found) = signatures.iter().find(|s| s.answers_to(&method.name)) else {
            let names = signatures.iter().map(|s| s.name);
            let noun = if builtin.starts_with("nyashstd.") { "function" } else { "method" };
            self.error(
                Diagnostic::error(method.span, format!("`{shown}` has no {noun} `{}`", method.name))
                    .label(format!("no such {noun}"))
                    .suggest(&method.name, names),
            );
            return false;
        };
        if found.arity != arity {
            let message = nyash_runtime::boxes::arity_message(shown, &method.name, arity, found.arity);
            self.error(Diagnostic::error(method.span, message));
            return false;
        }
        true
    }

    fn from_call(&mut self, parent: &ast::Ident, method: &ast::Ident, args: &[Expr], loc: Loc) -> Reg {
        let me = self.me(parent.span);
        let dst = self.new_reg();
        let Some(owner) = self.owner else { return dst };
        let is_ctor = matches!(method.name.as_str(), "birth" | "init" | "pack");
        let owner_info = &self.index.boxes[owner as usize];
        if owner_info.builtin_parent.as_deref() == Some(parent.name.as_str()) {
            if is_ctor {
                let args = self.args(args);
                self.set_inner(me, &parent.name, args, loc);
            } else if self.check_builtin_method(&parent.name, &parent.name, method, args.len()) {
                let inner = self.new_reg();
                self.emit(Inst::GetInner { dst: inner, obj: me });
                let args = self.args(args);
                self.emit(Inst::BoxCall { dst, recv: inner, method: method.name.clone(), args, loc });
            }
            return dst;
        }
        let Some(&p) = self.index.box_ids.get(&parent.name).filter(|p| owner_info.parents.contains(p)) else {
            self.error(Diagnostic::error(
                parent.span,
                format!("`{}` is not a parent of `{}`", parent.name, owner_info.decl.name.name),
            ));
            return dst;
        };
        let target = if is_ctor {
            self.constructor(p, args.len())
        } else {
            self.index.boxes[p as usize]
                .methods
                .get(&method.name)
                .filter(|m| m.arity as usize == args.len())
                .map(|m| m.func)
        };
        let Some(func) = target else {
            if !(is_ctor && args.is_empty() && self.has_no_constructor(p)) {
                self.error(Diagnostic::error(
                    method.span,
                    format!("`{}` has no `{}` taking {}", parent.name, method.name, arguments(args.len())),
                ));
            }
            self.emit(Inst::Const { dst, value: Const::Void });
            return dst;
        };
        let mut regs = vec![me];
        regs.extend(self.args(args));
        self.emit(Inst::Call { dst, func, args: regs, loc });
        dst
    }
}

enum Target {
    Local(Reg),
    Global(GlobalId),
}

fn binary_op(op: BinOp) -> BinaryOp {
    use nyash_runtime::ops::{Arith, Cmp};
    match op {
        BinOp::Add => BinaryOp::Arith(Arith::Add),
        BinOp::Sub => BinaryOp::Arith(Arith::Sub),
        BinOp::Mul => BinaryOp::Arith(Arith::Mul),
        BinOp::Div => BinaryOp::Arith(Arith::Div),
        BinOp::Mod => BinaryOp::Arith(Arith::Mod),
        BinOp::Eq => BinaryOp::Cmp(Cmp::Eq),
        BinOp::Ne => BinaryOp::Cmp(Cmp::Ne),
        BinOp::Lt => BinaryOp::Cmp(Cmp::Lt),
        BinOp::Le => BinaryOp::Cmp(Cmp::Le),
        BinOp::Gt => BinaryOp::Cmp(Cmp::Gt),
        BinOp::Ge => BinaryOp::Cmp(Cmp::Ge),
        BinOp::And | BinOp::Or => unreachable!("lowered by short_circuit"),
    }
}
