//! MIR to Cranelift IR: the one lowering that the JIT (and the object-file backend) use.
//!
//! A compiled function keeps the VM's frame model, so that VM frames and compiled frames
//! interoperate value for value: every MIR register is a 16-byte slot of one stack frame
//! array, holding a runtime `Value` (tag byte at offset 0, bool at offset 1, payload at
//! offset 8). Integer arithmetic, integer comparisons, bool tests and moves of unboxed
//! values are inlined; everything else calls the runtime's C ABI (`nyash_runtime::abi`).
//!
//! The compiled signature is `fn(args: *mut Value, out: *mut Value) -> u32`: the callee
//! takes the arguments over, writes its result to `out` (which holds void), and returns
//! 0, or 1 with the exception pending in the runtime. A failing runtime call branches to
//! the MIR block's handler, or to the unwind path that releases the frame and returns 1.

mod runtime_fns;

use crate::mir::{self, BinaryOp, Const, Inst, Loc, Reg, Terminator, UnaryOp};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::{
    types, AbiParam, Block, FuncRef, InstBuilder, MemFlagsData, Signature, StackSlot, StackSlotData, StackSlotKind,
    Type, Value as ClValue,
};
use cranelift_codegen::ir::{ExternalName, GlobalValueData, UserExternalName};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext};
use cranelift_module::{DataDescription, DataId, FuncId, Module};
use nyash_runtime::abi::{arith_code, cmp_code, pack_loc, NO_CLASS};
use nyash_runtime::class::intern;
use nyash_runtime::ops::{Arith, Cmp};
pub use runtime_fns::{addresses as runtime_addresses, RuntimeFns};
use rustc_hash::FxHashMap;

const TAG_VOID: i64 = 0;
const TAG_BOOL: i64 = 2;
const TAG_INT: i64 = 3;
const TAG_FLOAT: i64 = 4;
/// Tags at or above this hold a reference (strings and boxes).
const FIRST_HEAP_TAG: i64 = 5;
const SLOT: i32 = 16;

/// The signature every compiled Nyash function has.
pub fn nyash_signature<M: Module>(module: &M) -> Signature {
    let ptr = module.target_config().pointer_type();
    let mut sig = module.make_signature();
    sig.params.push(AbiParam::new(ptr));
    sig.params.push(AbiParam::new(ptr));
    sig.returns.push(AbiParam::new(types::I32));
    sig
}

/// Where compiled code starts running a function.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Entry {
    /// A call: `args` holds the parameters, and the code starts at the first block.
    Call,
    /// A VM activation moving to machine code at a loop header (on-stack replacement):
    /// `args` holds the VM's whole register frame, which the code takes over, and it
    /// starts at MIR block `.0`.
    Resume(u32),
}

/// A text form of each compiled function, for `--emit clif|asm`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    None,
    /// Cranelift IR, before optimisation.
    Clif,
    /// The machine code, disassembled.
    Asm,
}

/// Module-wide state of the lowering: runtime imports and string constants.
pub struct CodeGen {
    rt: RuntimeFns,
    strings: FxHashMap<String, DataId>,
    builder_context: FunctionBuilderContext,
}

impl CodeGen {
    pub fn new<M: Module>(module: &mut M) -> Result<CodeGen, String> {
        let rt = RuntimeFns::declare(module).map_err(|e| e.to_string())?;
        Ok(CodeGen { rt, strings: FxHashMap::default(), builder_context: FunctionBuilderContext::new() })
    }

    /// Lower `f`, entered at `entry`, into the body of the already declared `id`, and
    /// return the listing asked for, if any.
    pub fn define<M: Module>(
        &mut self,
        module: &mut M,
        id: FuncId,
        f: &mir::Function,
        entry: Entry,
        listing: Listing,
    ) -> Result<Option<String>, String> {
        let mut ctx = module.make_context();
        ctx.set_disasm(listing == Listing::Asm);
        ctx.func.signature = nyash_signature(module);
        let strings = self.string_data(module, f)?;
        let mut builder_context = std::mem::take(&mut self.builder_context);
        let target = module.target_config();
        {
            let builder = FunctionBuilder::new(&mut ctx.func, &mut builder_context);
            let mut lower = FnLower::new(self, module, builder, f, &strings);
            lower.function(entry);
            lower.builder.seal_all_blocks();
            lower.builder.finalize(target);
        }
        self.builder_context = builder_context;
        let clif = (listing == Listing::Clif).then(|| ctx.func.display().to_string());
        module.define_function(id, &mut ctx).map_err(|e| format!("{}: {e:?}", f.name))?;
        let asm = ctx.compiled_code().and_then(|code| code.vcode.clone()).filter(|_| listing == Listing::Asm);
        module.clear_context(&mut ctx);
        Ok(clif.or(asm))
    }

    /// A data object for every string constant and builtin box name `f` uses.
    fn string_data<M: Module>(
        &mut self,
        module: &mut M,
        f: &mir::Function,
    ) -> Result<FxHashMap<String, DataId>, String> {
        let mut used = FxHashMap::default();
        for inst in f.blocks.iter().flat_map(|b| &b.insts) {
            let text = match inst {
                Inst::Const { value: Const::Str(s), .. } => s,
                Inst::NewBuiltin { name, .. } => name,
                _ => continue,
            };
            if let Some(&id) = self.strings.get(text) {
                used.insert(text.clone(), id);
                continue;
            }
            let id = module.declare_anonymous_data(false, false).map_err(|e| e.to_string())?;
            let mut data = DataDescription::new();
            data.define(text.as_bytes().to_vec().into_boxed_slice());
            module.define_data(id, &data).map_err(|e| e.to_string())?;
            self.strings.insert(text.clone(), id);
            used.insert(text.clone(), id);
        }
        Ok(used)
    }
}

struct FnLower<'a, M: Module> {
    cg: &'a CodeGen,
    module: &'a mut M,
    builder: FunctionBuilder<'a>,
    f: &'a mir::Function,
    strings: &'a FxHashMap<String, DataId>,
    ptr: Type,
    frame: StackSlot,
    /// Outgoing arguments, then one slot for call results.
    scratch: StackSlot,
    scratch_args: i32,
    blocks: Vec<Block>,
    unwind: Block,
    out: ClValue,
    temps: Vec<bool>,
    imports: FxHashMap<FuncId, FuncRef>,
    /// The MIR block being lowered.
    current: usize,
}

impl<'a, M: Module> FnLower<'a, M> {
    fn new(
        cg: &'a CodeGen,
        module: &'a mut M,
        mut builder: FunctionBuilder<'a>,
        f: &'a mir::Function,
        strings: &'a FxHashMap<String, DataId>,
    ) -> Self {
        let ptr = module.target_config().pointer_type();
        let frame_bytes = (f.regs.max(1) as u32) * SLOT as u32;
        let frame = builder.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, frame_bytes, 4));
        let max_args = f
            .blocks
            .iter()
            .flat_map(|b| &b.insts)
            .map(|i| match i {
                Inst::Call { args, .. } | Inst::NewBuiltin { args, .. } => args.len(),
                Inst::BoxCall { args, .. } => args.len() + 1,
                _ => 0,
            })
            .max()
            .unwrap_or(0) as i32;
        let scratch_bytes = ((max_args + 1) * SLOT) as u32;
        let scratch =
            builder.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, scratch_bytes, 4));
        let blocks = f.blocks.iter().map(|_| builder.create_block()).collect();
        let unwind = builder.create_block();
        let temps = mir::analysis::single_use_temporaries(f);
        FnLower {
            cg,
            module,
            builder,
            f,
            strings,
            ptr,
            frame,
            scratch,
            scratch_args: max_args,
            blocks,
            unwind,
            out: ClValue::from_u32(0),
            temps,
            imports: FxHashMap::default(),
            current: 0,
        }
    }

    fn function(&mut self, entry: Entry) {
        let start = self.builder.create_block();
        self.builder.append_block_params_for_function_params(start);
        self.builder.switch_to_block(start);
        let params = self.builder.block_params(start).to_vec();
        let (args, out) = (params[0], params[1]);
        self.out = out;

        let status = self.call_rt(self.cg.rt.enter, &[]);
        let (ok, overflow) = (self.builder.create_block(), self.builder.create_block());
        self.builder.ins().brif(status, overflow, &[], ok, &[]);
        self.builder.switch_to_block(overflow);
        let raised = self.builder.ins().iconst(types::I32, 1);
        self.builder.ins().return_(&[raised]);

        self.builder.switch_to_block(ok);
        let void = self.builder.ins().iconst(types::I8, TAG_VOID);
        let result = self.result_slot();
        self.builder.ins().store(MemFlagsData::trusted(), void, result, 0);
        let (taken_over, first) = match entry {
            Entry::Call => (self.f.params, 0),
            Entry::Resume(block) => (self.f.regs, block),
        };
        for r in 0..self.f.regs {
            let dst = self.reg(r);
            if r < taken_over {
                self.copy_words(args, (r as i32) * SLOT, dst);
            } else {
                self.builder.ins().store(MemFlagsData::trusted(), void, dst, 0);
            }
        }
        self.builder.ins().jump(self.blocks[first as usize], &[]);

        for (i, block) in self.f.blocks.iter().enumerate() {
            self.current = i;
            self.builder.switch_to_block(self.blocks[i]);
            let fused = mir::analysis::fused_compare(block, &self.temps);
            let insts = if fused.is_some() { &block.insts[..block.insts.len() - 1] } else { &block.insts[..] };
            for inst in insts {
                self.inst(inst);
            }
            match (fused, &block.term) {
                (Some(compare), Terminator::Branch { then_to, else_to, .. }) => {
                    let (t, e) = (self.blocks[*then_to as usize], self.blocks[*else_to as usize]);
                    self.compare_branch(compare, t, e);
                }
                (_, term) => self.terminator(term),
            }
        }

        self.builder.switch_to_block(self.unwind);
        self.leave_frame();
        let raised = self.builder.ins().iconst(types::I32, 1);
        self.builder.ins().return_(&[raised]);
    }

    // ---- slots and values ----

    fn reg(&mut self, r: Reg) -> ClValue {
        self.builder.ins().stack_addr(self.ptr, self.frame, (r as i32) * SLOT)
    }

    fn arg_slot(&mut self, i: usize) -> ClValue {
        self.builder.ins().stack_addr(self.ptr, self.scratch, (i as i32) * SLOT)
    }

    fn result_slot(&mut self) -> ClValue {
        self.builder.ins().stack_addr(self.ptr, self.scratch, self.scratch_args * SLOT)
    }

    fn tag(&mut self, addr: ClValue) -> ClValue {
        self.builder.ins().uload8(types::I32, MemFlagsData::trusted(), addr, 0)
    }

    fn copy_words(&mut self, from: ClValue, offset: i32, to: ClValue) {
        let flags = MemFlagsData::trusted();
        let lo = self.builder.ins().load(types::I64, flags, from, offset);
        let hi = self.builder.ins().load(types::I64, flags, from, offset + 8);
        self.builder.ins().store(flags, lo, to, 0);
        self.builder.ins().store(flags, hi, to, 8);
    }

    fn import(&mut self, id: FuncId) -> FuncRef {
        if let Some(&r) = self.imports.get(&id) {
            return r;
        }
        let r = self.module.declare_func_in_func(id, self.builder.func);
        self.imports.insert(id, r);
        r
    }

    /// Call a runtime function; its first result (a status, if it has one) or a dummy.
    fn call_rt(&mut self, id: FuncId, args: &[ClValue]) -> ClValue {
        let callee = self.import(id);
        let call = self.builder.ins().call(callee, args);
        match self.builder.inst_results(call).first() {
            Some(&v) => v,
            None => self.builder.ins().iconst(types::I32, 0),
        }
    }

    /// After a runtime call that returned `status`: on failure, go to the handler.
    fn check(&mut self, status: ClValue) {
        let target = self.f.blocks[self.current].handler.map_or(self.unwind, |h| self.blocks[h as usize]);
        let next = self.builder.create_block();
        self.builder.ins().brif(status, target, &[], next, &[]);
        self.builder.switch_to_block(next);
    }

    fn i32(&mut self, n: u32) -> ClValue {
        self.builder.ins().iconst(types::I32, n as i64)
    }

    fn loc(&mut self, loc: &Loc) -> ClValue {
        self.builder.ins().iconst(types::I64, pack_loc(*loc) as i64)
    }

    /// Release the value in a slot if it holds a reference.
    fn release_if_heap(&mut self, addr: ClValue) {
        let tag = self.tag(addr);
        let is_heap = self.builder.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, tag, FIRST_HEAP_TAG);
        let (release, done) = (self.builder.create_block(), self.builder.create_block());
        self.builder.ins().brif(is_heap, release, &[], done, &[]);
        self.builder.switch_to_block(release);
        self.call_rt(self.cg.rt.release, &[addr]);
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(done);
    }

    /// Release a temporary operand after its one use.
    fn release_temp(&mut self, r: Reg) {
        if self.temps[r as usize] {
            let addr = self.reg(r);
            self.release_if_heap(addr);
        }
    }

    /// Store an unboxed value (tag, and payload at `offset`) into register `dst`.
    fn store_unboxed(&mut self, dst: Reg, tag: i64, payload: Option<(ClValue, i32)>) {
        let addr = self.reg(dst);
        self.release_if_heap(addr);
        let tag = self.builder.ins().iconst(types::I8, tag);
        self.builder.ins().store(MemFlagsData::trusted(), tag, addr, 0);
        if let Some((value, offset)) = payload {
            self.builder.ins().store(MemFlagsData::trusted(), value, addr, offset);
        }
    }

    /// Move the value at `from` into register `dst` bit for bit, leaving void at `from`.
    fn move_into(&mut self, from: ClValue, dst: Reg) {
        let to = self.reg(dst);
        self.release_if_heap(to);
        self.copy_words(from, 0, to);
        let void = self.builder.ins().iconst(types::I8, TAG_VOID);
        self.builder.ins().store(MemFlagsData::trusted(), void, from, 0);
    }

    /// Put the operands of a call into the outgoing argument slots (consumed by the callee).
    fn pass_args(&mut self, args: &[Reg]) -> ClValue {
        for (i, &r) in args.iter().enumerate() {
            let (src, slot) = (self.reg(r), self.arg_slot(i));
            if self.temps[r as usize] {
                self.copy_words(src, 0, slot);
                let void = self.builder.ins().iconst(types::I8, TAG_VOID);
                self.builder.ins().store(MemFlagsData::trusted(), void, src, 0);
            } else {
                self.call_rt(self.cg.rt.clone_into, &[slot, src]);
            }
        }
        self.arg_slot(0)
    }

    fn string(&mut self, text: &str) -> (ClValue, ClValue) {
        let addr = self.data_address(self.strings[text]);
        let len = self.builder.ins().iconst(types::I64, text.len() as i64);
        (addr, len)
    }

    /// The address of a data object. As `Module::declare_data_in_func`, but never
    /// "colocated": the JIT places data anywhere in the address space, out of reach of a
    /// 32-bit PC-relative reference.
    fn data_address(&mut self, data: DataId) -> ClValue {
        let name = self.builder.func.declare_imported_user_function(UserExternalName::new(1, data.as_u32()));
        let gv = self.builder.func.create_global_value(GlobalValueData::Symbol {
            name: ExternalName::user(name),
            offset: Imm64::new(0),
            colocated: false,
            tls: false,
        });
        self.builder.ins().symbol_value(self.ptr, gv)
    }

    /// Release every register and count the call out. Small frames test each register
    /// inline (most hold no reference); large ones let the runtime walk them.
    fn leave_frame(&mut self) {
        const INLINE_RELEASE_MAX: u32 = 32;
        if self.f.regs <= INLINE_RELEASE_MAX {
            for r in 0..self.f.regs {
                let addr = self.reg(r);
                self.release_if_heap(addr);
            }
        } else {
            let base = self.reg(0);
            let n = self.i32(self.f.regs);
            self.call_rt(self.cg.rt.release_frame, &[base, n]);
        }
        self.call_rt(self.cg.rt.leave, &[]);
    }

    // ---- instructions ----

    fn inst(&mut self, inst: &Inst) {
        let rt = &self.cg.rt;
        match inst {
            Inst::Const { dst, value } => self.constant(*dst, value),
            Inst::Move { dst, src } => self.move_reg(*dst, *src),
            Inst::Binary { dst, op: BinaryOp::Arith(op), lhs, rhs, loc } => self.arith(*dst, *op, *lhs, *rhs, loc),
            Inst::Binary { dst, op: BinaryOp::Cmp(op), lhs, rhs, loc } => self.compare(*dst, *op, *lhs, *rhs, loc),
            Inst::Unary { dst, op: UnaryOp::Neg, src, loc } => {
                let (s, d, l) = (self.reg(*src), self.reg(*dst), self.loc(loc));
                let status = self.call_rt(rt.negate, &[s, d, l]);
                self.check(status);
                self.release_temp(*src);
            }
            Inst::Unary { dst, op, src, .. } => {
                let truth = self.truthy(*src);
                let value = if *op == UnaryOp::Not { self.builder.ins().bxor_imm_u(truth, 1) } else { truth };
                let byte = self.builder.ins().ireduce(types::I8, value);
                self.store_unboxed(*dst, TAG_BOOL, Some((byte, 1)));
                self.release_temp(*src);
            }
            Inst::Call { dst, func, args, loc } => {
                let argv = self.pass_args(args);
                let (f, n, out, l) = (self.i32(*func), self.i32(args.len() as u32), self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.call, &[f, argv, n, out, l]);
                self.check(status);
                self.move_into(out, *dst);
            }
            Inst::BoxCall { dst, recv, method, args, loc } => self.box_call(*dst, *recv, method, args, loc),
            Inst::NewBuiltin { dst, name, args, loc } => {
                let argv = self.pass_args(args);
                let (text, len) = self.string(name);
                let (n, out, l) = (self.i32(args.len() as u32), self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.new_builtin, &[text, len, argv, n, out, l]);
                self.check(status);
                self.move_into(out, *dst);
            }
            Inst::Alloc { dst, class } => {
                let (c, d) = (self.i32(*class), self.reg(*dst));
                self.call_rt(rt.alloc, &[c, d]);
            }
            Inst::SetInner { obj, src } => {
                let (o, s) = (self.reg(*obj), self.reg(*src));
                self.call_rt(rt.set_inner, &[o, s]);
                self.release_temps(&[*obj, *src]);
            }
            Inst::GetField { dst, obj, field, via_me, loc } => {
                let (o, f, m) = (self.reg(*obj), self.i32(intern(field)), self.i32(*via_me as u32));
                let (out, l) = (self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.get_field, &[o, f, m, out, l]);
                self.check(status);
                self.release_temp(*obj);
                self.move_into(out, *dst);
            }
            Inst::SetField { obj, field, src, via_me, loc } => {
                let (o, f, s, m) = (self.reg(*obj), self.i32(intern(field)), self.reg(*src), self.i32(*via_me as u32));
                let l = self.loc(loc);
                let status = self.call_rt(rt.set_field, &[o, f, s, m, l]);
                self.check(status);
                self.release_temps(&[*obj, *src]);
            }
            Inst::GetGlobal { dst, global } => {
                let (g, d) = (self.i32(*global), self.reg(*dst));
                self.call_rt(rt.get_global, &[g, d]);
            }
            Inst::SetGlobal { global, src } => {
                let (g, s) = (self.i32(*global), self.reg(*src));
                self.call_rt(rt.set_global, &[g, s]);
                self.release_temp(*src);
            }
            Inst::Singleton { dst, class, loc } => {
                let (c, out, l) = (self.i32(*class), self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.singleton, &[c, out, l]);
                self.check(status);
                self.move_into(out, *dst);
            }
            Inst::Print { src, loc } => {
                let (s, l) = (self.reg(*src), self.loc(loc));
                let status = self.call_rt(rt.print, &[s, l]);
                self.check(status);
                self.release_temp(*src);
            }
            Inst::Catch { dst } => {
                let d = self.reg(*dst);
                self.call_rt(rt.catch, &[d]);
            }
            Inst::CatchValue { dst, exc } => self.unary_rt(rt.catch_value, *exc, *dst),
            Inst::IsA { dst, exc, class } => {
                let (e, c, d) = (self.reg(*exc), self.i32(*class), self.reg(*dst));
                self.call_rt(rt.isa, &[e, c, d]);
                self.release_temp(*exc);
            }
            Inst::MakeFuture { dst, src } => self.unary_rt(rt.make_future, *src, *dst),
            Inst::FailedFuture { dst, exc } => self.unary_rt(rt.failed_future, *exc, *dst),
            Inst::Await { dst, src, loc } => {
                let (s, out, l) = (self.reg(*src), self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.await_value, &[s, out, l]);
                self.check(status);
                self.release_temp(*src);
                self.move_into(out, *dst);
            }
        }
    }

    /// A method call through the call site's inline cache: when the receiver's class is
    /// the one cached, its compiled method is called directly; otherwise `nyrt_boxcall`
    /// dispatches (and refills the cache).
    fn box_call(&mut self, dst: Reg, recv: Reg, method: &str, args: &[Reg], loc: &Loc) {
        let with_recv: Vec<Reg> = std::iter::once(recv).chain(args.iter().copied()).collect();
        let argv = self.pass_args(&with_recv);
        let out = self.result_slot();
        let cache = self.call_cache();
        let class = self.call_rt(self.cg.rt.class_of, &[argv]);
        let cached = self.builder.ins().load(types::I32, MemFlagsData::trusted(), cache, 0);
        let hit = self.builder.ins().icmp(IntCC::Equal, class, cached);
        let (fast, slow, done) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        self.builder.append_block_param(done, types::I32);
        self.builder.ins().brif(hit, fast, &[], slow, &[]);

        self.builder.switch_to_block(fast);
        let code = self.builder.ins().load(self.ptr, MemFlagsData::trusted(), cache, 8);
        let signature = nyash_signature(self.module);
        let sig = self.builder.import_signature(signature);
        let call = self.builder.ins().call_indirect(sig, code, &[argv, out]);
        let status = self.builder.inst_results(call)[0];
        let (raised, zero) = (self.builder.create_block(), self.builder.ins().iconst(types::I32, 0));
        self.builder.ins().brif(status, raised, &[], done, &[zero.into()]);

        // The callee's error gets this call's line if it has none (a stack overflow).
        self.builder.switch_to_block(raised);
        let l = self.loc(loc);
        let status = self.call_rt(self.cg.rt.locate, &[l]);
        self.builder.ins().jump(done, &[status.into()]);

        self.builder.switch_to_block(slow);
        let (m, n, l) = (self.i32(intern(method)), self.i32(with_recv.len() as u32), self.loc(loc));
        let status = self.call_rt(self.cg.rt.boxcall, &[m, argv, n, out, l, cache]);
        self.builder.ins().jump(done, &[status.into()]);

        self.builder.switch_to_block(done);
        let status = self.builder.block_params(done)[0];
        self.check(status);
        self.move_into(out, dst);
    }

    /// A fresh, writable `abi::CallCache` for one call site, holding no class.
    fn call_cache(&mut self) -> ClValue {
        let data = self.module.declare_anonymous_data(true, false).expect("anonymous data can always be declared");
        let mut desc = DataDescription::new();
        let mut bytes = vec![0u8; 16];
        bytes[..4].copy_from_slice(&NO_CLASS.to_le_bytes());
        desc.define(bytes.into_boxed_slice());
        self.module.define_data(data, &desc).expect("a fresh data object can be defined");
        self.data_address(data)
    }

    fn release_temps(&mut self, regs: &[Reg]) {
        for &r in regs {
            self.release_temp(r);
        }
    }

    /// `fn(src, dst)` runtime calls that cannot fail.
    fn unary_rt(&mut self, id: FuncId, src: Reg, dst: Reg) {
        let (s, d) = (self.reg(src), self.reg(dst));
        self.call_rt(id, &[s, d]);
        self.release_temp(src);
    }

    fn constant(&mut self, dst: Reg, value: &Const) {
        match value {
            Const::Void => self.store_unboxed(dst, TAG_VOID, None),
            Const::Null => self.store_unboxed(dst, 1, None),
            Const::Bool(b) => {
                let byte = self.builder.ins().iconst(types::I8, *b as i64);
                self.store_unboxed(dst, TAG_BOOL, Some((byte, 1)));
            }
            Const::Int(n) => {
                let v = self.builder.ins().iconst(types::I64, *n);
                self.store_unboxed(dst, TAG_INT, Some((v, 8)));
            }
            Const::Float(x) => {
                let v = self.builder.ins().f64const(*x);
                self.store_unboxed(dst, TAG_FLOAT, Some((v, 8)));
            }
            Const::Str(s) => {
                let (text, len) = self.string(s);
                let d = self.reg(dst);
                self.call_rt(self.cg.rt.const_str, &[d, text, len]);
            }
        }
    }

    fn move_reg(&mut self, dst: Reg, src: Reg) {
        if dst == src {
            return;
        }
        let from = self.reg(src);
        if self.temps[src as usize] {
            return self.move_into(from, dst);
        }
        let to = self.reg(dst);
        self.call_rt(self.cg.rt.copy, &[to, from]);
    }

    /// Both operands Integers? (and their payloads, loaded when they are).
    fn both_ints(&mut self, lhs: Reg, rhs: Reg) -> (ClValue, ClValue, ClValue) {
        let (a, b) = (self.reg(lhs), self.reg(rhs));
        let (ta, tb) = (self.tag(a), self.tag(b));
        let ia = self.builder.ins().icmp_imm_u(IntCC::Equal, ta, TAG_INT);
        let ib = self.builder.ins().icmp_imm_u(IntCC::Equal, tb, TAG_INT);
        let both = self.builder.ins().band(ia, ib);
        (both, a, b)
    }

    fn payload(&mut self, addr: ClValue) -> ClValue {
        self.builder.ins().load(types::I64, MemFlagsData::trusted(), addr, 8)
    }

    /// Integer `+ - *` inline; everything else (and `/ %`, whose corner cases the runtime
    /// owns) through `nyrt_arith`.
    fn arith(&mut self, dst: Reg, op: Arith, lhs: Reg, rhs: Reg, loc: &Loc) {
        let (slow, done) = (self.builder.create_block(), self.builder.create_block());
        let (a, b) = if matches!(op, Arith::Add | Arith::Sub | Arith::Mul) {
            let (both, a, b) = self.both_ints(lhs, rhs);
            let fast = self.builder.create_block();
            self.builder.ins().brif(both, fast, &[], slow, &[]);
            self.builder.switch_to_block(fast);
            let (x, y) = (self.payload(a), self.payload(b));
            let v = match op {
                Arith::Add => self.builder.ins().iadd(x, y),
                Arith::Sub => self.builder.ins().isub(x, y),
                _ => self.builder.ins().imul(x, y),
            };
            self.store_unboxed(dst, TAG_INT, Some((v, 8)));
            self.builder.ins().jump(done, &[]);
            (a, b)
        } else {
            let operands = (self.reg(lhs), self.reg(rhs));
            self.builder.ins().jump(slow, &[]);
            operands
        };
        self.builder.switch_to_block(slow);
        let (code, out, l) = (self.i32(arith_code(op)), self.result_slot(), self.loc(loc));
        let status = self.call_rt(self.cg.rt.arith, &[code, a, b, out, l]);
        self.check(status);
        self.release_temps(&[lhs, rhs]);
        self.move_into(out, dst);
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(done);
    }

    /// `branch (lhs op rhs)` without a Bool in between: integers inline, the rest through
    /// `nyrt_compare` (whose success result is always a Bool).
    fn compare_branch(&mut self, (op, lhs, rhs, loc): (Cmp, Reg, Reg, Loc), then_to: Block, else_to: Block) {
        let (both, a, b) = self.both_ints(lhs, rhs);
        let (fast, slow) = (self.builder.create_block(), self.builder.create_block());
        self.builder.ins().brif(both, fast, &[], slow, &[]);
        self.builder.switch_to_block(fast);
        let (x, y) = (self.payload(a), self.payload(b));
        let taken = self.builder.ins().icmp(int_cc(op), x, y);
        self.builder.ins().brif(taken, then_to, &[], else_to, &[]);
        self.builder.switch_to_block(slow);
        let (code, out, l) = (self.i32(cmp_code(op)), self.result_slot(), self.loc(&loc));
        let status = self.call_rt(self.cg.rt.compare, &[code, a, b, out, l]);
        self.check(status);
        self.release_temps(&[lhs, rhs]);
        let taken = self.builder.ins().uload8(types::I32, MemFlagsData::trusted(), out, 1);
        let void = self.builder.ins().iconst(types::I8, TAG_VOID);
        self.builder.ins().store(MemFlagsData::trusted(), void, out, 0);
        self.builder.ins().brif(taken, then_to, &[], else_to, &[]);
    }

    fn compare(&mut self, dst: Reg, op: Cmp, lhs: Reg, rhs: Reg, loc: &Loc) {
        let (both, a, b) = self.both_ints(lhs, rhs);
        let (fast, slow, done) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        self.builder.ins().brif(both, fast, &[], slow, &[]);
        self.builder.switch_to_block(fast);
        let (x, y) = (self.payload(a), self.payload(b));
        let v = self.builder.ins().icmp(int_cc(op), x, y);
        self.store_unboxed(dst, TAG_BOOL, Some((v, 1)));
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(slow);
        let (code, out, l) = (self.i32(cmp_code(op)), self.result_slot(), self.loc(loc));
        let status = self.call_rt(self.cg.rt.compare, &[code, a, b, out, l]);
        self.check(status);
        self.release_temps(&[lhs, rhs]);
        self.move_into(out, dst);
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(done);
    }

    /// Truthiness of a register as an `i32` 0/1: bools inline, the rest in the runtime.
    fn truthy(&mut self, r: Reg) -> ClValue {
        let addr = self.reg(r);
        let tag = self.tag(addr);
        let is_bool = self.builder.ins().icmp_imm_u(IntCC::Equal, tag, TAG_BOOL);
        let (fast, slow, done) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        self.builder.append_block_param(done, types::I32);
        self.builder.ins().brif(is_bool, fast, &[], slow, &[]);
        self.builder.switch_to_block(fast);
        let byte = self.builder.ins().uload8(types::I32, MemFlagsData::trusted(), addr, 1);
        self.builder.ins().jump(done, &[byte.into()]);
        self.builder.switch_to_block(slow);
        let t = self.call_rt(self.cg.rt.truthy, &[addr]);
        self.builder.ins().jump(done, &[t.into()]);
        self.builder.switch_to_block(done);
        self.builder.block_params(done)[0]
    }

    fn terminator(&mut self, term: &Terminator) {
        match term {
            Terminator::Jump(b) => {
                self.builder.ins().jump(self.blocks[*b as usize], &[]);
            }
            Terminator::Branch { cond, then_to, else_to } => {
                let truth = self.truthy(*cond);
                self.release_temp(*cond);
                let (t, e) = (self.blocks[*then_to as usize], self.blocks[*else_to as usize]);
                self.builder.ins().brif(truth, t, &[], e, &[]);
            }
            Terminator::Return(r) => {
                let from = self.reg(*r);
                self.copy_words(from, 0, self.out);
                let void = self.builder.ins().iconst(types::I8, TAG_VOID);
                self.builder.ins().store(MemFlagsData::trusted(), void, from, 0);
                self.leave_frame();
                let ok = self.builder.ins().iconst(types::I32, 0);
                self.builder.ins().return_(&[ok]);
            }
            Terminator::Throw { src, loc } => {
                let (s, l) = (self.reg(*src), self.loc(loc));
                let status = self.call_rt(self.cg.rt.throw, &[s, l]);
                self.check(status);
                self.builder.ins().trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
            }
            Terminator::Rethrow { exc } => {
                let e = self.reg(*exc);
                let status = self.call_rt(self.cg.rt.rethrow, &[e]);
                self.check(status);
                self.builder.ins().trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
            }
        }
    }
}

fn int_cc(op: Cmp) -> IntCC {
    match op {
        Cmp::Eq => IntCC::Equal,
        Cmp::Ne => IntCC::NotEqual,
        Cmp::Lt => IntCC::SignedLessThan,
        Cmp::Le => IntCC::SignedLessThanOrEqual,
        Cmp::Gt => IntCC::SignedGreaterThan,
        Cmp::Ge => IntCC::SignedGreaterThanOrEqual,
    }
}
