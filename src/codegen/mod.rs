//! MIR to Cranelift IR: the one lowering that the JIT (and the object-file backend) use.
//!
//! A compiled function keeps the VM's frame model for its variables, so that a VM
//! activation can hand its frame over: each has a 16-byte slot of one stack frame array,
//! holding a runtime `Value` (tag byte at offset 0, bool at offset 1, payload at offset 8).
//! Temporaries and Integer variables are SSA values instead (see `values`). Integer and
//! Float arithmetic, comparisons, truth tests, reference counts, the call depth and calls
//! between compiled functions are inlined; everything else calls the runtime's C ABI
//! (`nyash_runtime::abi`).
//!
//! The compiled signature is `fn(args: *mut Value, out: *mut Value) -> u32`: the callee
//! takes the arguments over, writes its result to `out` (which holds void), and returns
//! 0, or 1 with the exception pending in the runtime. A failing runtime call branches to
//! the MIR block's handler, or to the unwind path that releases the frame and returns 1.

mod fields;
mod runtime_fns;
mod symbols;
mod values;

pub use symbols::symbol_names;

use crate::mir::{self, BinaryOp, BoxDef, BoxId, Const, Inst, Loc, Reg, Terminator, UnaryOp};
use cranelift_codegen::ir::condcodes::{FloatCC, IntCC};
use cranelift_codegen::ir::immediates::Imm64;
use cranelift_codegen::ir::{
    types, AbiParam, Block, FuncRef, InstBuilder, MemFlagsData, Signature, StackSlot, StackSlotData, StackSlotKind,
    Type, Value as ClValue,
};
use cranelift_codegen::ir::{
    ExternalName, GlobalValueData, InstructionData, Opcode, SourceLoc, UserExternalName, ValueDef,
};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use cranelift_module::{DataDescription, DataId, FuncId, Module};
use nyash_runtime::abi::{pack_loc, CallCache, NOT_HOT, NO_CLASS};
use nyash_runtime::array::{ITEMS_CAP_OFFSET, ITEMS_LEN_OFFSET, ITEMS_PACKED_OFFSET, ITEMS_PTR_OFFSET};
use nyash_runtime::boxes::hot::Hot;
use nyash_runtime::class::intern;
use nyash_runtime::object::{Shape, ARRAY_CLASS, NOT_A_BOX};
use nyash_runtime::ops::{Arith, Cmp};
use nyash_runtime::rc::CLASS_OFFSET;
use nyash_runtime::value::{tag, PAYLOAD_OFFSET, SLOT_BYTES};
pub use runtime_fns::{addresses as runtime_addresses, RuntimeFns};
use rustc_hash::FxHashMap;
use values::{At, TagTest, Words};

// The value word's layout, as the runtime defines it.
const TAG_VOID: i64 = tag::VOID as i64;
const TAG_NULL: i64 = tag::NULL as i64;
const TAG_BOOL: i64 = tag::BOOL as i64;
const TAG_INT: i64 = tag::INT as i64;
const TAG_FLOAT: i64 = tag::FLOAT as i64;
const TAG_OBJ: i64 = tag::OBJ as i64;
/// Tags at or above this hold a reference (strings and boxes).
const FIRST_HEAP_TAG: i64 = tag::FIRST_HEAP as i64;
const SLOT: i32 = SLOT_BYTES;
/// Where a call site's cache keeps the code of the class it saw.
const CODE_OFFSET: i32 = std::mem::offset_of!(CallCache, code) as i32;

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

/// What defining a function made.
pub struct Defined {
    /// The listing asked for, if any.
    pub listing: Option<String>,
    /// The machine code's size in bytes.
    pub size: u32,
    /// Where the machine code comes from: (offset, source position) at each change.
    pub lines: Vec<(u32, Loc)>,
}

/// How compiled code reaches the user functions it calls.
pub enum Callees {
    /// Every function is defined in the same module (an object file): calls go straight
    /// to it.
    Direct(Vec<FuncId>),
    /// Functions are compiled one at a time (the JIT): this writable table holds each MIR
    /// function's machine code once it is compiled, null before, and a call to a null
    /// entry goes through the runtime (`nyrt_call`), which runs the function in the VM.
    Table(DataId),
}

/// Module-wide state of the lowering: runtime imports and string constants.
pub struct CodeGen {
    rt: RuntimeFns,
    callees: Callees,
    /// Each box's, by class id.
    shapes: Vec<Shape>,
    layouts: fields::Layouts,
    /// The program's call depth limit (`mir::Module::depth_limit`).
    depth_limit: u32,
    strings: FxHashMap<String, DataId>,
    builder_context: FunctionBuilderContext,
}

impl CodeGen {
    /// `program`: the MIR to be compiled, whose boxes' shapes are those of the instances
    /// it allocates.
    pub fn new<M: Module>(module: &mut M, callees: Callees, program: &mir::Module) -> Result<CodeGen, String> {
        let rt = RuntimeFns::declare(module).map_err(|e| e.to_string())?;
        let shapes = program.boxes.iter().map(BoxDef::shape).collect();
        Ok(CodeGen {
            rt,
            callees,
            shapes,
            layouts: fields::Layouts::new(&program.boxes),
            depth_limit: program.depth_limit(),
            strings: FxHashMap::default(),
            builder_context: FunctionBuilderContext::new(),
        })
    }

    /// Lower `f`, entered at `entry`, into the body of the already declared `id`.
    pub fn define<M: Module>(
        &mut self,
        module: &mut M,
        id: FuncId,
        f: &mir::Function,
        entry: Entry,
        listing: Listing,
    ) -> Result<Defined, String> {
        let mut ctx = module.make_context();
        ctx.set_disasm(listing == Listing::Asm);
        ctx.func.signature = nyash_signature(module);
        let strings = self.string_data(module, f)?;
        let mut builder_context = std::mem::take(&mut self.builder_context);
        let target = module.target_config();
        let sources = {
            let builder = FunctionBuilder::new(&mut ctx.func, &mut builder_context);
            let mut lower = FnLower::new(self, module, builder, f, &strings, entry);
            lower.function();
            lower.builder.seal_all_blocks();
            lower.builder.finalize(target);
            lower.sources
        };
        self.builder_context = builder_context;
        let clif = (listing == Listing::Clif).then(|| ctx.func.display().to_string());
        module.define_function(id, &mut ctx).map_err(|e| format!("{}: {e:?}", f.name))?;
        let code = ctx.compiled_code().ok_or_else(|| format!("{}: no code", f.name))?;
        let asm = code.vcode.clone().filter(|_| listing == Listing::Asm);
        let size = code.code_info().total_size;
        let lines = code
            .buffer
            .get_srclocs_sorted()
            .iter()
            .filter(|row| !row.loc.is_default())
            .map(|row| (row.start, sources[row.loc.bits() as usize]))
            .collect();
        module.clear_context(&mut ctx);
        Ok(Defined { listing: clif.or(asm), size, lines })
    }

    /// A data object for every string constant and builtin box name `f` uses.
    fn string_data<M: Module>(
        &mut self,
        module: &mut M,
        f: &mir::Function,
    ) -> Result<FxHashMap<String, DataId>, String> {
        let mut used = FxHashMap::default();
        for inst in f.insts() {
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
    /// One stack slot holds the registers, then the outgoing arguments, then one slot for
    /// call results; `base` is its address, computed once, so that every access is a load
    /// or store at a constant offset from one register.
    frame: StackSlot,
    base: ClValue,
    max_args: i32,
    blocks: Vec<Block>,
    unwind: Block,
    out: ClValue,
    temps: Vec<bool>,
    /// Temporaries defined in the current block and not used yet (see `values`).
    live: Vec<(Reg, Words)>,
    /// The Cranelift variable of each Integer variable, which holds its payload.
    int_vars: Vec<Option<Variable>>,
    /// The box of each register that holds an instance `alloc` made earlier in the
    /// current block (and nothing has written since): its fields are at known slots.
    fresh: Vec<Option<BoxId>>,
    entry: Entry,
    imports: FxHashMap<FuncId, FuncRef>,
    /// The MIR block being lowered.
    current: usize,
    /// The source positions that the instructions' `SourceLoc`s index.
    sources: Vec<Loc>,
}

impl<'a, M: Module> FnLower<'a, M> {
    fn new(
        cg: &'a CodeGen,
        module: &'a mut M,
        mut builder: FunctionBuilder<'a>,
        f: &'a mir::Function,
        strings: &'a FxHashMap<String, DataId>,
        entry: Entry,
    ) -> Self {
        let ptr = module.target_config().pointer_type();
        let max_args = f
            .insts()
            .map(|i| match i {
                Inst::Call { args, .. } | Inst::NewBuiltin { args, .. } => args.len(),
                Inst::BoxCall { args, .. } => args.len() + 1,
                _ => 0,
            })
            .max()
            .unwrap_or(0) as i32;
        let frame_bytes = ((f.regs as i32 + max_args + 1) * SLOT) as u32;
        let frame = builder.create_sized_stack_slot(StackSlotData::new(StackSlotKind::ExplicitSlot, frame_bytes, 4));
        let blocks = f.blocks.iter().map(|_| builder.create_block()).collect();
        let unwind = builder.create_block();
        let temps = mir::analysis::single_use_temporaries(f);
        let int_vars = mir::analysis::integer_variables(f, &temps)
            .into_iter()
            .map(|int| int.then(|| builder.declare_var(types::I64)))
            .collect();
        FnLower {
            cg,
            module,
            builder,
            f,
            strings,
            ptr,
            frame,
            base: ClValue::from_u32(0),
            max_args,
            blocks,
            unwind,
            out: ClValue::from_u32(0),
            temps,
            live: Vec::new(),
            int_vars,
            fresh: vec![None; f.regs as usize],
            entry,
            imports: FxHashMap::default(),
            current: 0,
            sources: Vec::new(),
        }
    }

    /// The machine code from here on comes from `loc` (for line tables): Cranelift keeps
    /// a `SourceLoc` per instruction, which is an index into the function's `sources`.
    fn mark_source(&mut self, loc: Loc) {
        if self.sources.last() != Some(&loc) {
            self.sources.push(loc);
        }
        self.builder.set_srcloc(SourceLoc::new(self.sources.len() as u32 - 1));
    }

    fn function(&mut self) {
        let start = self.builder.create_block();
        self.builder.append_block_params_for_function_params(start);
        self.builder.switch_to_block(start);
        let params = self.builder.block_params(start).to_vec();
        let (args, out) = (params[0], params[1]);
        self.out = out;
        self.base = self.builder.ins().stack_addr(self.ptr, self.frame, 0);
        let (taken_over, first) = match self.entry {
            Entry::Call => (self.f.params, 0),
            Entry::Resume(block) => (self.f.regs, block),
        };

        // A call counts itself in; a resumed VM activation has been counted by the VM.
        if self.entry == Entry::Call {
            let (counter, depth) = self.depth();
            let too_deep =
                self.builder.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, depth, self.cg.depth_limit as i64);
            let (ok, overflow) = (self.builder.create_block(), self.builder.create_block());
            self.builder.set_cold_block(overflow);
            self.builder.ins().brif(too_deep, overflow, &[], ok, &[]);
            self.builder.switch_to_block(overflow);
            // The runtime raises the overflow; the arguments were ours: release them, as
            // the VM does.
            self.call_rt(self.cg.rt.stack_overflow, &[]);
            let n = self.i32(taken_over);
            self.call_rt(self.cg.rt.release_frame, &[args, n]);
            let raised = self.builder.ins().iconst(types::I32, 1);
            self.builder.ins().return_(&[raised]);
            self.builder.switch_to_block(ok);
            let deeper = self.builder.ins().iadd_imm_s(depth, 1);
            self.builder.ins().store(MemFlagsData::trusted(), deeper, counter, 0);
        }

        // Variables start with what was handed over, or void: Integer variables as their
        // payload (zero until written: never read before), the others in their slots.
        // Temporaries' slots are scratch, but a large frame is released by walking every slot.
        self.store_void(self.at_result());
        let walked = self.frame_walked();
        for r in 0..self.f.regs {
            let handed = (r < taken_over).then(|| self.handed_over(args, r));
            if let Some(var) = self.int_var(r) {
                let payload = handed.map_or_else(|| self.builder.ins().iconst(types::I64, 0), |w| w.hi);
                self.builder.def_var(var, payload);
            }
            if walked || self.in_slot(r) {
                match handed {
                    Some(w) => self.store_words(self.at_reg(r), w),
                    None => self.store_void(self.at_reg(r)),
                }
            }
        }
        self.builder.ins().jump(self.blocks[first as usize], &[]);

        for (i, block) in self.f.blocks.iter().enumerate() {
            self.current = i;
            self.builder.switch_to_block(self.blocks[i]);
            self.fresh.fill(None);
            let fused = mir::analysis::fused_compare(block, &self.temps);
            let insts = if fused.is_some() { &block.insts[..block.insts.len() - 1] } else { &block.insts[..] };
            for (i, inst) in insts.iter().enumerate() {
                if let Some(loc) = inst.loc() {
                    self.mark_source(loc);
                }
                self.inst(inst, mir::analysis::result_discarded(insts, i));
            }
            match (fused, &block.term) {
                (Some(compare), Terminator::Branch { then_to, else_to, .. }) => {
                    let (t, e) = (self.blocks[*then_to as usize], self.blocks[*else_to as usize]);
                    self.compare_branch(compare, t, e);
                }
                (_, term) => self.terminator(term),
            }
            assert!(self.live.is_empty(), "{}: a temporary outlives block {i}", self.f.name);
        }

        self.builder.switch_to_block(self.unwind);
        self.leave_frame();
        let raised = self.builder.ins().iconst(types::I32, 1);
        self.builder.ins().return_(&[raised]);
    }

    // ---- slots and calls ----

    /// Register `r`'s value in the array `args` a caller (or the VM) handed over.
    fn handed_over(&mut self, args: ClValue, r: Reg) -> Words {
        let flags = MemFlagsData::trusted();
        let lo = self.builder.ins().load(types::I64, flags, args, (r as i32) * SLOT);
        let hi = self.builder.ins().load(types::I64, flags, args, (r as i32) * SLOT + PAYLOAD_OFFSET);
        Words { lo, hi, tag: None }
    }

    fn at_arg(&self, i: usize) -> At {
        At((self.f.regs as i32 + i as i32) * SLOT)
    }

    /// Where runtime calls and compiled callees write their result.
    pub(super) fn at_result(&self) -> At {
        At((self.f.regs as i32 + self.max_args) * SLOT)
    }

    fn result_slot(&mut self) -> ClValue {
        self.address(self.at_result())
    }

    /// The value a runtime call wrote to the result slot, taken out of it.
    fn take_result(&mut self) -> Words {
        let w = self.load_words(self.at_result());
        self.store_void(self.at_result());
        w
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

    fn i32(&mut self, n: u32) -> ClValue {
        self.builder.ins().iconst(types::I32, n as i64)
    }

    fn loc(&mut self, loc: &Loc) -> ClValue {
        self.builder.ins().iconst(types::I64, pack_loc(*loc) as i64)
    }

    /// Put the operands of a call into the outgoing argument slots (consumed by the
    /// callee): temporaries move there, variables are cloned.
    fn pass_args(&mut self, args: &[Reg]) -> ClValue {
        for (i, &r) in args.iter().enumerate() {
            if self.is_temp(r) {
                let w = self.move_out(r);
                self.store_words(self.at_arg(i), w);
            } else {
                let w = self.clone_words(r);
                self.store_words(self.at_arg(i), w);
            }
        }
        self.address(self.at_arg(0))
    }

    /// A copy of variable `r`'s value that the caller owns: the same words, with one
    /// more reference counted when they hold one (`me` always does).
    fn clone_words(&mut self, r: Reg) -> Words {
        let w = self.words(r);
        match w.tag {
            Some(tag) if tag < FIRST_HEAP_TAG => {}
            _ if r == 0 && self.f.has_me() => self.count_reference(w),
            _ => {
                let is_heap = self.is_heap(w);
                self.when(is_heap, |this| this.count_reference(w));
            }
        }
        w
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

    /// Release the variables and count the call out. Temporaries hold nothing by then:
    /// each gave its value up at its use, or on the error edge. Small frames test each
    /// variable inline (most hold no reference); large ones let the runtime walk the frame.
    fn leave_frame(&mut self) {
        if self.frame_walked() {
            let base = self.reg(0);
            let n = self.i32(self.f.regs);
            self.call_rt(self.cg.rt.release_frame, &[base, n]);
        } else {
            for r in self.slot_variables() {
                self.release_if_heap(self.at_reg(r));
            }
        }
        if self.entry == Entry::Call {
            let (counter, depth) = self.depth();
            let shallower = self.builder.ins().iadd_imm_s(depth, -1);
            self.builder.ins().store(MemFlagsData::trusted(), shallower, counter, 0);
        }
    }

    /// The address of the runtime's count of calls in progress, and the count.
    fn depth(&mut self) -> (ClValue, ClValue) {
        let counter = self.data_address(self.cg.rt.depth);
        let depth = self.builder.ins().load(types::I32, MemFlagsData::trusted(), counter, 0);
        (counter, depth)
    }

    /// Is the frame released by the runtime walking every slot (rather than inline)?
    fn frame_walked(&self) -> bool {
        const INLINE_RELEASE_MAX: u32 = 32;
        self.f.regs > INLINE_RELEASE_MAX
    }

    // ---- instructions ----

    /// `result_discarded`: see `mir::analysis::result_discarded`.
    fn inst(&mut self, inst: &Inst, result_discarded: bool) {
        let rt = &self.cg.rt;
        match inst {
            Inst::Const { dst, value } => self.constant(*dst, value),
            Inst::Move { dst, src } => self.move_reg(*dst, *src),
            Inst::Binary { dst, op: BinaryOp::Arith(op), lhs, rhs, loc } => self.arith(*dst, *op, *lhs, *rhs, loc),
            Inst::Binary { dst, op: BinaryOp::Cmp(op), lhs, rhs, loc } => self.compare(*dst, *op, *lhs, *rhs, loc),
            Inst::Unary { dst, op: UnaryOp::Neg, src, loc } => {
                let (s, out, l) = (self.operand(*src), self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.negate, &[s, out, l]);
                self.check(status);
                self.release_temp(*src);
                self.define_result(*dst);
            }
            Inst::Unary { dst, op, src, .. } => {
                let truth = self.truth(*src);
                let value = if *op == UnaryOp::Not { self.builder.ins().bxor_imm_u(truth, 1) } else { truth };
                let w = self.bool_words(value);
                self.define(*dst, w);
            }
            Inst::Call { dst, func, args, loc } => self.call(*dst, *func, args, loc),
            Inst::BoxCall { dst, recv, method, args, loc } => {
                self.box_call(*dst, *recv, method, args, loc, result_discarded)
            }
            Inst::NewBuiltin { dst, name, args, loc } => {
                let argv = self.pass_args(args);
                let (text, len) = self.string(name);
                let (n, out, l) = (self.i32(args.len() as u32), self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.new_builtin, &[text, len, argv, n, out, l]);
                self.check(status);
                self.define_result(*dst);
            }
            Inst::Alloc { dst, class } => {
                let shape = self.cg.shapes[*class as usize];
                let (c, n) = (self.i32(*class), self.i32(shape.fields));
                let (fini, out) = (self.i32(shape.has_fini as u32), self.result_slot());
                self.call_rt(rt.alloc, &[c, n, fini, out]);
                self.define_result(*dst);
                self.fresh[*dst as usize] = Some(*class);
            }
            Inst::SetInner { obj, src } => {
                let (o, s) = (self.operand(*obj), self.operand(*src));
                self.call_rt(rt.set_inner, &[o, s]);
                self.release_temps(&[*obj, *src]);
            }
            Inst::Drop { src } => self.drop_now(*src),
            Inst::GetInner { dst, obj } => {
                let (o, out) = (self.operand(*obj), self.result_slot());
                self.call_rt(rt.get_inner, &[o, out]);
                self.release_temps(&[*obj]);
                self.define_result(*dst);
            }
            // The VM lets these instructions' operands go before their results are stored
            // (and before an error is handled): so do we.
            Inst::GetField { dst, obj, field, via_me, loc } => self.get_field(*dst, *obj, field, *via_me, loc),
            Inst::SetField { obj, field, src, via_me, loc } => self.set_field(*obj, field, *src, *via_me, loc),
            Inst::GetGlobal { dst, global } => {
                let (g, out) = (self.i32(*global), self.result_slot());
                self.call_rt(rt.get_global, &[g, out]);
                self.define_result(*dst);
            }
            Inst::SetGlobal { global, src } => {
                let (g, s) = (self.i32(*global), self.operand(*src));
                self.call_rt(rt.set_global, &[g, s]);
                self.release_temp(*src);
            }
            Inst::Singleton { dst, class, loc } => {
                let (c, out, l) = (self.i32(*class), self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.singleton, &[c, out, l]);
                self.check(status);
                self.define_result(*dst);
            }
            Inst::Print { src, loc } => {
                let (s, l) = (self.operand(*src), self.loc(loc));
                let status = self.call_rt(rt.print, &[s, l]);
                self.release_temp(*src);
                self.check(status);
            }
            Inst::Catch { dst } => {
                let out = self.result_slot();
                self.call_rt(rt.catch, &[out]);
                self.define_result(*dst);
            }
            Inst::CatchValue { dst, exc } => self.unary_rt(rt.catch_value, *exc, *dst),
            Inst::IsA { dst, exc, class } => {
                let (e, c, out) = (self.operand(*exc), self.i32(*class), self.result_slot());
                self.call_rt(rt.isa, &[e, c, out]);
                self.release_temp(*exc);
                self.define_result(*dst);
            }
            Inst::MakeFuture { dst, src } => self.unary_rt(rt.make_future, *src, *dst),
            Inst::FailedFuture { dst, exc } => self.unary_rt(rt.failed_future, *exc, *dst),
            Inst::Await { dst, src, loc } => {
                let (s, out, l) = (self.operand(*src), self.result_slot(), self.loc(loc));
                let status = self.call_rt(rt.await_value, &[s, out, l]);
                self.release_temp(*src);
                self.check(status);
                self.define_result(*dst);
            }
        }
    }

    /// `dst =` the value a runtime call or compiled callee wrote to `out`.
    fn define_result(&mut self, dst: Reg) {
        let w = self.take_result();
        self.define(dst, w);
    }

    /// A method call: ArrayBox's hot methods inline where they apply (`array_inline`),
    /// everything else through the runtime (`dispatched_call`). A `discarded` result is
    /// released on each path, where its kind may be known (an inline `set` or `push`
    /// leaves a void that costs nothing), and `dst` is void.
    fn box_call(&mut self, dst: Reg, recv: Reg, method: &str, args: &[Reg], loc: &Loc, discarded: bool) {
        let hot = Hot::of(method, args.len());
        let finish = if discarded { self.builder.create_block() } else { self.words_block() };
        let live = self.live.clone();
        if let Some((result, miss)) = hot.and_then(|hot| self.array_inline(hot, recv, args)) {
            self.finish_call(finish, result, discarded);
            self.live = live;
            self.builder.switch_to_block(miss);
        }
        self.dispatched_call(hot, recv, method, args, loc);
        if discarded {
            let result = self.take_result();
            self.finish_call(finish, result, true);
            self.builder.switch_to_block(finish);
            let void = self.unboxed(TAG_VOID, 0);
            self.define(dst, void);
        } else {
            self.join_result(finish, dst);
        }
    }

    /// End one path of a call with its `result`: released at once if `discarded`, else
    /// taken to `finish` (a [`FnLower::words_block`]).
    fn finish_call(&mut self, finish: Block, result: Words, discarded: bool) {
        if discarded {
            self.release_scratch(result);
            self.builder.ins().jump(finish, &[]);
        } else {
            self.builder.ins().jump(finish, &[result.lo.into(), result.hi.into()]);
        }
    }

    /// A block whose parameters are a value's two words, where inline and runtime paths
    /// meet (see [`FnLower::join_result`]).
    fn words_block(&mut self) -> Block {
        let block = self.builder.create_block();
        self.builder.append_block_param(block, types::I64);
        self.builder.append_block_param(block, types::I64);
        block
    }

    /// End the runtime path by taking its result to `join` (a [`FnLower::words_block`]),
    /// where the inline paths went with theirs, and define `dst` there.
    fn join_result(&mut self, join: Block, dst: Reg) {
        let w = self.take_result();
        self.builder.ins().jump(join, &[w.lo.into(), w.hi.into()]);
        self.builder.switch_to_block(join);
        let params = self.builder.block_params(join);
        let w = Words { lo: params[0], hi: params[1], tag: None };
        self.define(dst, w);
    }

    /// ArrayBox `get(i)`, `set(i, v)`, `length()` and `push(v)` inline, on an array and an
    /// Integer index in range (a push: with room below the capacity; a packed array's
    /// `set` and `push`: of an Integer): the element read or written in place, then the
    /// operands released as the VM's hot path does. Returns the result and the block where
    /// every other case goes (`None` when none can be inline).
    fn array_inline(&mut self, hot: Hot, recv: Reg, args: &[Reg]) -> Option<(Words, Block)> {
        let w = self.words(recv);
        let index = match hot {
            Hot::Get | Hot::Set => Some(self.words(args[0])),
            Hot::Length | Hot::Push => None,
            Hot::Has => return None,
        };
        if matches!(w.tag, Some(t) if t != TAG_OBJ) || matches!(index, Some(Words { tag: Some(t), .. }) if t != TAG_INT)
        {
            return None;
        }
        let flags = MemFlagsData::trusted();
        let (check, hit, miss) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        self.builder.set_cold_block(miss);
        let kinds = match index {
            Some(i) => self.all_tagged(&[i], TAG_INT),
            None => TagTest::Always,
        };
        let is_box = self.has_tag(w, TAG_OBJ);
        let kinds_ok = match kinds {
            TagTest::Dynamic(t) => self.builder.ins().band(is_box, t),
            _ => is_box,
        };
        self.builder.ins().brif(kinds_ok, check, &[], miss, &[]);
        self.builder.switch_to_block(check);
        // Every box's allocation reaches past the packed word, so the array's words are
        // read before the class is known to be an array's, and all the tests take one
        // branch.
        let class = self.builder.ins().load(types::I32, flags, w.hi, CLASS_OFFSET);
        let mut applies = self.builder.ins().icmp_imm_u(IntCC::Equal, class, ARRAY_CLASS as i64);
        let len = self.builder.ins().load(types::I64, flags, w.hi, ITEMS_LEN_OFFSET);
        // The index is in range; a push needs room below the capacity.
        let bound = match (hot, index) {
            (_, Some(i)) => Some((i.hi, len)),
            (Hot::Push, None) => Some((len, self.builder.ins().load(types::I64, flags, w.hi, ITEMS_CAP_OFFSET))),
            _ => None,
        };
        if let Some((below, limit)) = bound {
            let fits = self.builder.ins().icmp(IntCC::UnsignedLessThan, below, limit);
            applies = self.builder.ins().band(applies, fits);
        }
        let packed = match hot {
            Hot::Length => None,
            _ => Some(self.builder.ins().load(types::I64, flags, w.hi, ITEMS_PACKED_OFFSET)),
        };
        // Only an Integer goes into a packed array in place.
        let stored = match hot {
            Hot::Set => Some(args[1]),
            Hot::Push => Some(args[0]),
            _ => None,
        };
        if let (Some(packed), Some(stored)) = (packed, stored) {
            let unpacked = self.builder.ins().icmp_imm_u(IntCC::Equal, packed, 0);
            let stored = self.words(stored);
            let allowed = match self.all_tagged(&[stored], TAG_INT) {
                TagTest::Always => None,
                TagTest::Never => Some(unpacked),
                TagTest::Dynamic(is_int) => Some(self.builder.ins().bor(unpacked, is_int)),
            };
            if let Some(allowed) = allowed {
                applies = self.builder.ins().band(applies, allowed);
            }
        }
        self.builder.ins().brif(applies, hit, &[], miss, &[]);
        self.builder.switch_to_block(hit);
        let new = stored.map(|r| if self.is_temp(r) { self.move_out(r) } else { self.clone_words(r) });
        let result = match packed {
            Some(packed) => {
                let (packed_bb, boxed_bb, merged) =
                    (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
                self.builder.append_block_param(merged, types::I64);
                self.builder.append_block_param(merged, types::I64);
                self.builder.ins().brif(packed, packed_bb, &[], boxed_bb, &[]);
                for (block, is_packed) in [(packed_bb, true), (boxed_bb, false)] {
                    self.builder.switch_to_block(block);
                    let at = match index {
                        Some(i) => i.hi,
                        None => len,
                    };
                    let r = self.array_element(hot, w, at, len, new, is_packed);
                    self.builder.ins().jump(merged, &[r.lo.into(), r.hi.into()]);
                }
                self.builder.switch_to_block(merged);
                let params = self.builder.block_params(merged);
                match hot {
                    Hot::Get => Words { lo: params[0], hi: params[1], tag: None },
                    // Known void at compile time, so that releasing it costs nothing.
                    _ => self.unboxed(TAG_VOID, 0),
                }
            }
            None => Words { lo: self.builder.ins().iconst(types::I64, TAG_INT), hi: len, tag: Some(TAG_INT) },
        };
        self.release_temp(recv);
        self.release_temps(args);
        Some((result, miss))
    }

    /// The element access of `array_inline` at index `at` (a push's: the length `len`),
    /// in a packed array (bare Integers) or one of value words; `new` is the value that
    /// `set` or `push` stores. Returns the result.
    fn array_element(
        &mut self,
        hot: Hot,
        array: Words,
        at: ClValue,
        len: ClValue,
        new: Option<Words>,
        packed: bool,
    ) -> Words {
        let flags = MemFlagsData::trusted();
        let items = self.builder.ins().load(self.ptr, flags, array.hi, ITEMS_PTR_OFFSET);
        let size = if packed { 8 } else { SLOT as i64 };
        let offset = self.builder.ins().imul_imm_s(at, size);
        let addr = self.builder.ins().iadd(items, offset);
        match (hot, new) {
            (Hot::Get, _) if packed => {
                let n = self.builder.ins().load(types::I64, flags, addr, 0);
                Words { lo: self.builder.ins().iconst(types::I64, TAG_INT), hi: n, tag: Some(TAG_INT) }
            }
            (Hot::Get, _) => self.copy_at(addr),
            (_, Some(new)) => {
                // A set releases what it replaces, unless that is a bare Integer.
                let old = (hot == Hot::Set && !packed).then(|| {
                    let lo = self.builder.ins().load(types::I64, flags, addr, 0);
                    let hi = self.builder.ins().load(types::I64, flags, addr, PAYLOAD_OFFSET);
                    Words { lo, hi, tag: None }
                });
                if packed {
                    self.builder.ins().store(flags, new.hi, addr, 0);
                } else {
                    self.builder.ins().store(flags, new.lo, addr, 0);
                    self.builder.ins().store(flags, new.hi, addr, PAYLOAD_OFFSET);
                }
                if let Some(old) = old {
                    self.release_scratch(old);
                }
                if hot == Hot::Push {
                    let longer = self.builder.ins().iadd_imm_s(len, 1);
                    self.builder.ins().store(flags, longer, array.hi, ITEMS_LEN_OFFSET);
                }
                self.unboxed(TAG_VOID, 0)
            }
            (_, None) => unreachable!("set and push store a value"),
        }
    }

    /// A method call through the runtime, leaving its result in the result slot: a hot
    /// builtin method first (`nyrt_hot`), then the call site's inline cache of user
    /// methods, then `nyrt_boxcall`.
    fn dispatched_call(&mut self, hot: Option<Hot>, recv: Reg, method: &str, args: &[Reg], loc: &Loc) {
        let with_recv: Vec<Reg> = std::iter::once(recv).chain(args.iter().copied()).collect();
        let argv = self.pass_args(&with_recv);
        let out = self.result_slot();
        let done = self.builder.create_block();
        self.builder.append_block_param(done, types::I32);
        let (n, l) = (self.i32(with_recv.len() as u32), self.loc(loc));
        if let Some(hot) = hot {
            // A builtin box's hot method first; any other receiver dispatches.
            let code = self.i32(hot.code());
            let status = self.call_rt(self.cg.rt.hot, &[code, argv, n, out, l]);
            let not_hot = self.builder.ins().icmp_imm_u(IntCC::Equal, status, NOT_HOT as i64);
            let dispatched = self.builder.create_block();
            self.builder.set_cold_block(dispatched);
            self.builder.ins().brif(not_hot, dispatched, &[], done, &[status.into()]);
            self.builder.switch_to_block(dispatched);
        }
        let cache = self.call_cache();
        let class = self.class_of_arg(argv);
        let cached = self.builder.ins().load(types::I32, MemFlagsData::trusted(), cache, 0);
        let hit = self.builder.ins().icmp(IntCC::Equal, class, cached);
        let (fast, slow) = (self.builder.create_block(), self.builder.create_block());
        self.builder.set_cold_block(slow);
        self.builder.ins().brif(hit, fast, &[], slow, &[]);

        self.builder.switch_to_block(fast);
        let code = self.builder.ins().load(self.ptr, MemFlagsData::trusted(), cache, CODE_OFFSET);
        self.native_call(Callee::Code(code), argv, out, loc, done);

        self.builder.switch_to_block(slow);
        let m = self.i32(intern(method));
        let status = self.call_rt(self.cg.rt.boxcall, &[m, argv, n, out, l, cache]);
        self.builder.ins().jump(done, &[status.into()]);

        self.builder.switch_to_block(done);
        let status = self.builder.block_params(done)[0];
        self.check(status);
    }

    /// A call of user function `func`: straight to its machine code when there is some,
    /// else through `nyrt_call`.
    fn call(&mut self, dst: Reg, func: u32, args: &[Reg], loc: &Loc) {
        let argv = self.pass_args(args);
        let out = self.result_slot();
        let done = self.builder.create_block();
        self.builder.append_block_param(done, types::I32);
        match &self.cg.callees {
            Callees::Direct(ids) => {
                let callee = self.import(ids[func as usize]);
                self.native_call(Callee::Func(callee), argv, out, loc, done);
            }
            Callees::Table(table) => {
                let table = self.data_address(*table);
                let offset = func as i32 * self.ptr.bytes() as i32;
                let code = self.builder.ins().load(self.ptr, MemFlagsData::trusted(), table, offset);
                let (compiled, interpreted) = (self.builder.create_block(), self.builder.create_block());
                self.builder.ins().brif(code, compiled, &[], interpreted, &[]);
                self.builder.switch_to_block(compiled);
                self.native_call(Callee::Code(code), argv, out, loc, done);
                self.builder.switch_to_block(interpreted);
                let (f, n, l) = (self.i32(func), self.i32(args.len() as u32), self.loc(loc));
                let status = self.call_rt(self.cg.rt.call, &[f, argv, n, out, l]);
                self.builder.ins().jump(done, &[status.into()]);
            }
        }
        self.builder.switch_to_block(done);
        let status = self.builder.block_params(done)[0];
        self.check(status);
        self.define_result(dst);
    }

    /// Call compiled code with `(argv, out)` and jump to `done` with its status. The
    /// callee's error gets this call's location if it has none (a stack overflow), as
    /// `nyrt_call` would give it.
    fn native_call(&mut self, callee: Callee, argv: ClValue, out: ClValue, loc: &Loc, done: Block) {
        let call = match callee {
            Callee::Func(f) => self.builder.ins().call(f, &[argv, out]),
            Callee::Code(code) => {
                let signature = nyash_signature(self.module);
                let sig = self.builder.import_signature(signature);
                self.builder.ins().call_indirect(sig, code, &[argv, out])
            }
        };
        let status = self.builder.inst_results(call)[0];
        let (raised, zero) = (self.builder.create_block(), self.builder.ins().iconst(types::I32, 0));
        self.builder.set_cold_block(raised);
        self.builder.ins().brif(status, raised, &[], done, &[zero.into()]);
        self.builder.switch_to_block(raised);
        let l = self.loc(loc);
        let status = self.call_rt(self.cg.rt.locate, &[l]);
        self.builder.ins().jump(done, &[status.into()]);
    }

    /// The class id of the value in the argument slot at `argv`: the header's, for a box;
    /// `NOT_A_BOX` for any other value (which no cache holds).
    fn class_of_arg(&mut self, argv: ClValue) -> ClValue {
        let flags = MemFlagsData::trusted();
        let lo = self.builder.ins().load(types::I64, flags, argv, 0);
        let hi = self.builder.ins().load(types::I64, flags, argv, PAYLOAD_OFFSET);
        let is_box = self.has_tag(Words { lo, hi, tag: None }, TAG_OBJ);
        let (boxed, done) = (self.builder.create_block(), self.builder.create_block());
        self.builder.append_block_param(done, types::I32);
        let none = self.builder.ins().iconst(types::I32, NOT_A_BOX as i64);
        self.builder.ins().brif(is_box, boxed, &[], done, &[none.into()]);
        self.builder.switch_to_block(boxed);
        let class = self.builder.ins().load(types::I32, flags, hi, CLASS_OFFSET);
        self.builder.ins().jump(done, &[class.into()]);
        self.builder.switch_to_block(done);
        self.builder.block_params(done)[0]
    }

    /// A fresh, writable `abi::CallCache` for one call site, holding no class.
    fn call_cache(&mut self) -> ClValue {
        let mut bytes = vec![0u8; std::mem::size_of::<CallCache>()];
        bytes[..4].copy_from_slice(&NO_CLASS.to_le_bytes());
        self.site_data(bytes)
    }

    /// The address of a new writable data object holding `bytes`, private to one site.
    fn site_data(&mut self, bytes: Vec<u8>) -> ClValue {
        let data = self.module.declare_anonymous_data(true, false).expect("anonymous data can always be declared");
        let mut desc = DataDescription::new();
        desc.define(bytes.into_boxed_slice());
        // The runtime reads and writes it as a value or a cache: aligned as those are.
        desc.set_align(std::mem::align_of::<nyash_runtime::Value>() as u64);
        self.module.define_data(data, &desc).expect("a fresh data object can be defined");
        self.data_address(data)
    }

    /// `fn(src, dst)` runtime calls that cannot fail.
    fn unary_rt(&mut self, id: FuncId, src: Reg, dst: Reg) {
        let (s, out) = (self.operand(src), self.result_slot());
        self.call_rt(id, &[s, out]);
        self.release_temp(src);
        self.define_result(dst);
    }

    fn constant(&mut self, dst: Reg, value: &Const) {
        let w = match value {
            Const::Void => self.unboxed(TAG_VOID, 0),
            Const::Null => self.unboxed(TAG_NULL, 0),
            Const::Bool(b) => {
                let truth = self.builder.ins().iconst(types::I64, *b as i64);
                self.bool_words(truth)
            }
            Const::Int(n) => self.unboxed(TAG_INT, *n),
            Const::Float(x) => self.unboxed(TAG_FLOAT, x.to_bits() as i64),
            Const::Str(s) => return self.string_constant(dst, s),
        };
        self.define(dst, w);
    }

    /// A string constant: made once, the first time its site runs, into a value slot of
    /// the site's own (which keeps it for the program's life), and shared from there by
    /// counting a reference.
    fn string_constant(&mut self, dst: Reg, text: &str) {
        let slot = self.site_data(vec![0u8; SLOT as usize]);
        let flags = MemFlagsData::trusted();
        let lo = self.builder.ins().load(types::I64, flags, slot, 0);
        let unmade = self.has_tag(Words { lo, hi: lo, tag: None }, TAG_VOID);
        self.when(unmade, |this| {
            let (bytes, len) = this.string(text);
            this.call_rt(this.cg.rt.const_str, &[slot, bytes, len]);
        });
        let lo = self.builder.ins().load(types::I64, flags, slot, 0);
        let hi = self.builder.ins().load(types::I64, flags, slot, PAYLOAD_OFFSET);
        let w = Words { lo, hi, tag: Some(tag::STR as i64) };
        self.count_reference(w);
        self.define(dst, w);
    }

    fn move_reg(&mut self, dst: Reg, src: Reg) {
        if dst == src {
            return;
        }
        let w = if self.is_temp(src) { self.move_out(src) } else { self.clone_words(src) };
        self.define(dst, w);
    }

    /// Emit the inline paths of a binary operation, Integers first: each is tested (`test`)
    /// only when the ones before do not apply, and emitted by `fast`, which jumps on. Leaves
    /// the builder where the runtime path goes. Returns whether there is a runtime path, and
    /// the one inline path that always applies, if the compiler knows of one.
    fn inline_paths(
        &mut self,
        test: impl Fn(&mut Self, Num) -> TagTest,
        fast: impl Fn(&mut Self, Num),
    ) -> (bool, Option<Num>) {
        for num in [Num::Int, Num::Float] {
            match test(self, num) {
                TagTest::Always => {
                    fast(self, num);
                    return (false, Some(num));
                }
                TagTest::Never => {}
                TagTest::Dynamic(applies) => {
                    let (yes, no) = (self.builder.create_block(), self.builder.create_block());
                    self.builder.set_cold_block(no);
                    self.builder.ins().brif(applies, yes, &[], no, &[]);
                    self.builder.switch_to_block(yes);
                    fast(self, num);
                    self.builder.switch_to_block(no);
                }
            }
        }
        (true, None)
    }

    /// Whether both operands are numbers of kind `num`.
    fn both(&mut self, num: Num, a: Words, b: Words) -> TagTest {
        self.all_tagged(&[a, b], num.tag())
    }

    /// The payloads of two Floats, as `f64`s.
    fn floats(&mut self, a: Words, b: Words) -> (ClValue, ClValue) {
        let flags = MemFlagsData::new();
        let x = self.builder.ins().bitcast(types::F64, flags, a.hi);
        let y = self.builder.ins().bitcast(types::F64, flags, b.hi);
        (x, y)
    }

    /// `op` on two numbers of kind `num`, as a Cranelift `i8`.
    fn number_compare(&mut self, num: Num, op: Cmp, a: Words, b: Words) -> ClValue {
        match num {
            Num::Int => self.builder.ins().icmp(int_cc(op), a.hi, b.hi),
            Num::Float => {
                let (x, y) = self.floats(a, b);
                self.builder.ins().fcmp(float_cc(op), x, y)
            }
        }
    }

    /// When the Integer path of `op` applies to `a` and `b`: `/` and `%` leave a divisor
    /// of 0 (an error) and -1 (where the machine instruction traps on overflow) to the
    /// runtime.
    fn int_path(&mut self, op: Arith, a: Words, b: Words) -> TagTest {
        let both = self.both(Num::Int, a, b);
        if !matches!(op, Arith::Div | Arith::Mod) {
            return both;
        }
        let divisor = match self.constant_of(b.hi) {
            Some(0 | -1) => TagTest::Never,
            Some(_) => TagTest::Always,
            None => {
                let shifted = self.builder.ins().iadd_imm_s(b.hi, 1);
                TagTest::Dynamic(self.builder.ins().icmp_imm_u(IntCC::UnsignedGreaterThan, shifted, 1))
            }
        };
        match (both, divisor) {
            (TagTest::Never, _) | (_, TagTest::Never) => TagTest::Never,
            (TagTest::Always, other) | (other, TagTest::Always) => other,
            (TagTest::Dynamic(x), TagTest::Dynamic(y)) => TagTest::Dynamic(self.builder.ins().band(x, y)),
        }
    }

    /// The value of `v` if it is an integer constant.
    fn constant_of(&self, v: ClValue) -> Option<i64> {
        let dfg = &self.builder.func.dfg;
        let ValueDef::Result(inst, _) = dfg.value_def(v) else { return None };
        match dfg.insts[inst] {
            InstructionData::UnaryImm { opcode: Opcode::Iconst, imm } => Some(imm.bits()),
            _ => None,
        }
    }

    /// The runtime half of a binary operation: `f(code, &lhs, &rhs, out, loc)`, then the
    /// operands are released; the result, taken out of the result slot.
    fn binary_rt(&mut self, f: FuncId, code: u32, lhs: Reg, rhs: Reg, loc: &Loc) -> Words {
        let (a, b) = (self.operand(lhs), self.operand(rhs));
        let (code, out, l) = (self.i32(code), self.result_slot(), self.loc(loc));
        let status = self.call_rt(f, &[code, a, b, out, l]);
        self.check(status);
        self.release_temps(&[lhs, rhs]);
        self.take_result()
    }

    /// Integer arithmetic inline (but for the divisors `int_path` leaves out), then Float
    /// arithmetic (but `%`); everything else through `nyrt_arith`.
    fn arith(&mut self, dst: Reg, op: Arith, lhs: Reg, rhs: Reg, loc: &Loc) {
        let (a, b) = (self.words(lhs), self.words(rhs));
        let done = self.builder.create_block();
        self.builder.append_block_param(done, types::I64);
        self.builder.append_block_param(done, types::I64);
        let fast = |this: &mut Self, num: Num| {
            let v = match num {
                Num::Int => this.int_arith(op, a, b),
                Num::Float => this.float_arith(op, a, b),
            };
            let tag = this.builder.ins().iconst(types::I64, num.tag());
            this.builder.ins().jump(done, &[tag.into(), v.into()]);
        };
        let test = |this: &mut Self, num: Num| match num {
            Num::Int => this.int_path(op, a, b),
            // A Float `%` is the runtime's: Cranelift has no remainder for floats.
            Num::Float if op == Arith::Mod => TagTest::Never,
            Num::Float => this.both(num, a, b),
        };
        let (slow, only) = self.inline_paths(test, fast);
        if slow {
            let w = self.binary_rt(self.cg.rt.arith, op.code(), lhs, rhs, loc);
            self.builder.ins().jump(done, &[w.lo.into(), w.hi.into()]);
        } else {
            self.forget(lhs);
            self.forget(rhs);
        }
        self.builder.switch_to_block(done);
        let params = self.builder.block_params(done);
        let w = Words { lo: params[0], hi: params[1], tag: only.map(Num::tag) };
        self.define(dst, w);
    }

    fn int_arith(&mut self, op: Arith, a: Words, b: Words) -> ClValue {
        match op {
            Arith::Add => self.builder.ins().iadd(a.hi, b.hi),
            Arith::Sub => self.builder.ins().isub(a.hi, b.hi),
            Arith::Mul => self.builder.ins().imul(a.hi, b.hi),
            Arith::Div => self.builder.ins().sdiv(a.hi, b.hi),
            Arith::Mod => self.builder.ins().srem(a.hi, b.hi),
        }
    }

    /// A Float result's payload bits (IEEE arithmetic, as the runtime's).
    fn float_arith(&mut self, op: Arith, a: Words, b: Words) -> ClValue {
        let (x, y) = self.floats(a, b);
        let v = match op {
            Arith::Add => self.builder.ins().fadd(x, y),
            Arith::Sub => self.builder.ins().fsub(x, y),
            Arith::Mul => self.builder.ins().fmul(x, y),
            _ => self.builder.ins().fdiv(x, y),
        };
        self.builder.ins().bitcast(types::I64, MemFlagsData::new(), v)
    }

    /// `x == null` or `x != null` (or void), one side known null or void when compiling:
    /// `null` and `void` equal each other and nothing else (`ops::equals`), so the
    /// outcome is a test of the other side's tag (an `i8`), no runtime call.
    fn nullish_equality(&mut self, op: Cmp, a: Words, b: Words) -> Option<ClValue> {
        let nullish = |w: Words| matches!(w.tag, Some(TAG_VOID | TAG_NULL));
        let other = if nullish(a) {
            b
        } else if nullish(b) {
            a
        } else {
            return None;
        };
        let cc = match op {
            Cmp::Eq => IntCC::UnsignedLessThanOrEqual,
            Cmp::Ne => IntCC::UnsignedGreaterThan,
            _ => return None,
        };
        const _: () = assert!(TAG_VOID == 0 && TAG_NULL == 1, "the null-or-void test is `tag <= 1`");
        Some(self.builder.ins().icmp_imm_u(cc, other.lo, TAG_NULL))
    }

    /// `branch (lhs op rhs)` without a Bool in between: Integers and Floats inline, the
    /// rest through `nyrt_compare` (whose success result is always a Bool).
    fn compare_branch(&mut self, (op, lhs, rhs, loc): (Cmp, Reg, Reg, Loc), then_to: Block, else_to: Block) {
        let (a, b) = (self.words(lhs), self.words(rhs));
        if let Some(taken) = self.nullish_equality(op, a, b) {
            self.release_temps(&[lhs, rhs]);
            self.builder.ins().brif(taken, then_to, &[], else_to, &[]);
            return;
        }
        let fast = |this: &mut Self, num: Num| {
            let taken = this.number_compare(num, op, a, b);
            this.builder.ins().brif(taken, then_to, &[], else_to, &[]);
        };
        if !self.inline_paths(|this, num| this.both(num, a, b), fast).0 {
            self.forget(lhs);
            self.forget(rhs);
            return;
        }
        let w = self.binary_rt(self.cg.rt.compare, op.code(), lhs, rhs, &loc);
        let taken = self.bool_of(w);
        self.builder.ins().brif(taken, then_to, &[], else_to, &[]);
    }

    fn compare(&mut self, dst: Reg, op: Cmp, lhs: Reg, rhs: Reg, loc: &Loc) {
        let (a, b) = (self.words(lhs), self.words(rhs));
        if let Some(truth) = self.nullish_equality(op, a, b) {
            self.release_temps(&[lhs, rhs]);
            let w = self.bool_words(truth);
            self.define(dst, w);
            return;
        }
        let done = self.builder.create_block();
        self.builder.append_block_param(done, types::I64);
        let fast = |this: &mut Self, num: Num| {
            let truth = this.number_compare(num, op, a, b);
            let w = this.bool_words(truth);
            this.builder.ins().jump(done, &[w.hi.into()]);
        };
        if self.inline_paths(|this, num| this.both(num, a, b), fast).0 {
            let w = self.binary_rt(self.cg.rt.compare, op.code(), lhs, rhs, loc);
            let truth = self.bool_of(w);
            let w = self.bool_words(truth);
            self.builder.ins().jump(done, &[w.hi.into()]);
        } else {
            self.forget(lhs);
            self.forget(rhs);
        }
        self.builder.switch_to_block(done);
        let hi = self.builder.block_params(done)[0];
        let lo = self.builder.ins().iconst(types::I64, TAG_BOOL);
        self.define(dst, Words { lo, hi, tag: Some(TAG_BOOL) });
    }

    /// The truthiness of a register as an `i32` 0/1 (its one use, for a temporary): Bools
    /// and known Integers inline, the rest in the runtime.
    fn truth(&mut self, r: Reg) -> ClValue {
        let w = self.words(r);
        match w.tag {
            Some(TAG_BOOL) => {
                self.forget(r);
                self.bool_of(w)
            }
            Some(TAG_INT) => {
                self.forget(r);
                let nonzero = self.builder.ins().icmp_imm_u(IntCC::NotEqual, w.hi, 0);
                self.builder.ins().uextend(types::I32, nonzero)
            }
            Some(_) => self.truthy_rt(r),
            None => {
                let is_bool = self.has_tag(w, TAG_BOOL);
                let (fast, slow, done) =
                    (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
                self.builder.append_block_param(done, types::I32);
                self.builder.ins().brif(is_bool, fast, &[], slow, &[]);
                self.builder.switch_to_block(fast);
                let truth = self.bool_of(w);
                self.builder.ins().jump(done, &[truth.into()]);
                self.builder.switch_to_block(slow);
                let live = self.live.clone();
                let truth = self.truthy_rt(r);
                // The Bool path has nothing to release: both paths end with `r` used.
                self.live = live;
                self.forget(r);
                self.builder.ins().jump(done, &[truth.into()]);
                self.builder.switch_to_block(done);
                self.builder.block_params(done)[0]
            }
        }
    }

    fn truthy_rt(&mut self, r: Reg) -> ClValue {
        let addr = self.operand(r);
        let truth = self.call_rt(self.cg.rt.truthy, &[addr]);
        self.release_temp(r);
        truth
    }

    fn terminator(&mut self, term: &Terminator) {
        if let Terminator::Throw { loc, .. } = term {
            self.mark_source(*loc);
        }
        match term {
            Terminator::Jump(b) => {
                self.builder.ins().jump(self.blocks[*b as usize], &[]);
            }
            Terminator::Branch { cond, then_to, else_to } => {
                let truth = self.truth(*cond);
                let (t, e) = (self.blocks[*then_to as usize], self.blocks[*else_to as usize]);
                self.builder.ins().brif(truth, t, &[], e, &[]);
            }
            Terminator::Return(r) => {
                let w = self.move_out(*r);
                let flags = MemFlagsData::trusted();
                self.builder.ins().store(flags, w.lo, self.out, 0);
                self.builder.ins().store(flags, w.hi, self.out, PAYLOAD_OFFSET);
                self.leave_frame();
                let ok = self.builder.ins().iconst(types::I32, 0);
                self.builder.ins().return_(&[ok]);
            }
            Terminator::Throw { src, loc } => {
                let (s, l) = (self.operand(*src), self.loc(loc));
                let status = self.call_rt(self.cg.rt.throw, &[s, l]);
                self.release_temp(*src);
                self.check(status);
                self.builder.ins().trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
            }
            Terminator::Rethrow { exc } => {
                let e = self.operand(*exc);
                let status = self.call_rt(self.cg.rt.rethrow, &[e]);
                self.release_temp(*exc);
                self.check(status);
                self.builder.ins().trap(cranelift_codegen::ir::TrapCode::unwrap_user(1));
            }
        }
    }
}

/// The kinds of number compiled code computes with inline.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Num {
    Int,
    Float,
}

impl Num {
    fn tag(self) -> i64 {
        match self {
            Num::Int => TAG_INT,
            Num::Float => TAG_FLOAT,
        }
    }
}

/// Machine code to call: a function of this module, or an address.
enum Callee {
    Func(FuncRef),
    Code(ClValue),
}

/// IEEE comparisons: ordered, so false with a NaN, except `!=`, which is true (as the
/// runtime's `partial_cmp` and `==`).
fn float_cc(op: Cmp) -> FloatCC {
    match op {
        Cmp::Eq => FloatCC::Equal,
        Cmp::Ne => FloatCC::NotEqual,
        Cmp::Lt => FloatCC::LessThan,
        Cmp::Le => FloatCC::LessThanOrEqual,
        Cmp::Gt => FloatCC::GreaterThan,
        Cmp::Ge => FloatCC::GreaterThanOrEqual,
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
