//! How compiled code holds MIR registers.
//!
//! Variables and parameters live in the frame array, one 16-byte `Value` slot each: the
//! VM's frame model, which lets a VM activation hand its frame over. Integer variables
//! (see `mir::analysis::integer_variables`) are the exception: they hold nothing to
//! release, so they are Cranelift variables holding just the payload, and their slots are
//! scratch like temporaries'. Temporaries (see
//! `mir::analysis::single_use_temporaries`) are defined and used once within one block, so
//! they never live in memory: they are carried as the two machine words of a `Value`
//! ([`Words`]), with the tag when it is known at compile time, so that an integer
//! constant feeding an addition costs no load, store or tag test. A temporary's slot is
//! scratch, filled only when a runtime function borrows the temporary; runtime functions
//! write their results to the result slot, never to a register's.
//!
//! Ownership follows the VM exactly. A live temporary owns its value until its one use
//! moves it on or releases it. When a runtime call fails, the error edge first releases
//! the temporaries still live, in register order, as the VM does before it looks for a
//! handler: the temporaries of a failed expression go with it. Then the handler runs, or
//! the unwind path releases the variables.

use super::{FnLower, FIRST_HEAP_TAG, SLOT, TAG_BOOL, TAG_INT, TAG_VOID};
use nyash_runtime::rc::STRONG_OFFSET;
use nyash_runtime::value::PAYLOAD_OFFSET;

/// Where a Bool sits in the low word, in bits.
use crate::mir::Reg;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value as ClValue};
use cranelift_frontend::Variable;
use cranelift_module::Module;

/// A `Value` as two machine words: `lo` holds the tag (byte 0) and a Bool (byte 1), `hi`
/// the payload.
#[derive(Clone, Copy)]
pub(super) struct Words {
    pub lo: ClValue,
    pub hi: ClValue,
    /// The tag, when known at compile time.
    pub tag: Option<i64>,
}

/// A 16-byte `Value` slot of the frame, by its offset from the frame's base.
#[derive(Clone, Copy)]
pub(super) struct At(pub i32);

/// Whether values all are of one kind (Integers, say), as far as the compiler can tell.
pub(super) enum TagTest {
    Always,
    Never,
    /// Only at run time: this `i8` says.
    Dynamic(ClValue),
}

impl<M: Module> FnLower<'_, M> {
    pub(super) fn is_temp(&self, r: Reg) -> bool {
        self.temps[r as usize]
    }

    fn live_temp(&self, r: Reg) -> Option<Words> {
        self.live.iter().find(|(t, _)| *t == r).map(|(_, w)| *w)
    }

    /// An Integer variable (see `mir::analysis::integer_variables`), kept unboxed.
    pub(super) fn int_var(&self, r: Reg) -> Option<Variable> {
        self.int_vars[r as usize]
    }

    /// The registers that live in frame slots (neither temporaries nor Integer variables),
    /// in order.
    pub(super) fn slot_variables(&self) -> Vec<Reg> {
        (0..self.f.regs).filter(|&r| self.in_slot(r)).collect()
    }

    /// Does register `r` live in its frame slot?
    pub(super) fn in_slot(&self, r: Reg) -> bool {
        !self.is_temp(r) && self.int_var(r).is_none()
    }

    /// Take a temporary out of the live set: its one use has happened.
    pub(super) fn forget(&mut self, r: Reg) -> Option<Words> {
        let i = self.live.iter().position(|(t, _)| *t == r)?;
        Some(self.live.swap_remove(i).1)
    }

    /// The frame slot of register `r`.
    pub(super) fn at_reg(&self, r: Reg) -> At {
        At((r as i32) * SLOT)
    }

    /// The address of a slot, for a runtime function.
    pub(super) fn address(&mut self, at: At) -> ClValue {
        self.builder.ins().iadd_imm_s(self.base, at.0 as i64)
    }

    pub(super) fn reg(&mut self, r: Reg) -> ClValue {
        let at = self.at_reg(r);
        self.address(at)
    }

    pub(super) fn load_words(&mut self, at: At) -> Words {
        let flags = MemFlagsData::trusted();
        let lo = self.builder.ins().load(types::I64, flags, self.base, at.0);
        let hi = self.builder.ins().load(types::I64, flags, self.base, at.0 + PAYLOAD_OFFSET);
        Words { lo, hi, tag: None }
    }

    pub(super) fn store_words(&mut self, at: At, w: Words) {
        let flags = MemFlagsData::trusted();
        self.builder.ins().store(flags, w.lo, self.base, at.0);
        self.builder.ins().store(flags, w.hi, self.base, at.0 + PAYLOAD_OFFSET);
    }

    /// Mark a slot void without releasing what it held (moved out).
    pub(super) fn store_void(&mut self, at: At) {
        let void = self.builder.ins().iconst(types::I64, TAG_VOID);
        self.builder.ins().store(MemFlagsData::trusted(), void, self.base, at.0);
    }

    /// A value with no payload or an unboxed one, known at compile time to have `tag`.
    pub(super) fn unboxed(&mut self, tag: i64, payload: i64) -> Words {
        let lo = self.builder.ins().iconst(types::I64, tag);
        let hi = self.builder.ins().iconst(types::I64, payload);
        Words { lo, hi, tag: Some(tag) }
    }

    /// A Bool from an integer 0 or 1 of any width.
    pub(super) fn bool_words(&mut self, truth: ClValue) -> Words {
        let ty = self.builder.func.dfg.value_type(truth);
        let hi = if ty == types::I64 { truth } else { self.builder.ins().uextend(types::I64, truth) };
        let lo = self.builder.ins().iconst(types::I64, TAG_BOOL);
        Words { lo, hi, tag: Some(TAG_BOOL) }
    }

    /// The Bool in the words of a Bool value, as an `i32` 0 or 1.
    pub(super) fn bool_of(&mut self, w: Words) -> ClValue {
        // Only the low byte: the runtime leaves the rest of a Bool's payload word undefined.
        let byte = self.builder.ins().band_imm_u(w.hi, 0xff);
        self.builder.ins().ireduce(types::I32, byte)
    }

    /// `w`'s tag equals `tag`? (an `i8`)
    pub(super) fn has_tag(&mut self, w: Words, tag: i64) -> ClValue {
        self.builder.ins().icmp_imm_u(IntCC::Equal, w.lo, tag)
    }

    /// Does `w` hold a reference? (an `i8`)
    pub(super) fn is_heap(&mut self, w: Words) -> ClValue {
        self.builder.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, w.lo, FIRST_HEAP_TAG)
    }

    /// Do all `values` have `tag`? Known at compile time when their tags are.
    pub(super) fn all_tagged(&mut self, values: &[Words], tag: i64) -> TagTest {
        let mut test: Option<ClValue> = None;
        for &w in values {
            match w.tag {
                Some(t) if t == tag => {}
                Some(_) => return TagTest::Never,
                None => {
                    let has = self.has_tag(w, tag);
                    test = Some(match test {
                        Some(t) => self.builder.ins().band(t, has),
                        None => has,
                    });
                }
            }
        }
        test.map_or(TagTest::Always, TagTest::Dynamic)
    }

    /// `dst = w`: a temporary keeps the words; a variable's slot releases its old value
    /// (an Integer variable has none to release, and `w` is an Integer: the analysis says
    /// so).
    pub(super) fn define(&mut self, dst: Reg, w: Words) {
        self.fresh[dst as usize] = None;
        if self.is_temp(dst) {
            self.live.push((dst, w));
        } else if let Some(var) = self.int_var(dst) {
            self.builder.def_var(var, w.hi);
        } else {
            let at = self.at_reg(dst);
            self.release_if_heap(at);
            self.store_words(at, w);
        }
    }

    /// The value of `r`, read without taking it over.
    pub(super) fn words(&mut self, r: Reg) -> Words {
        if let Some(w) = self.live_temp(r) {
            return w;
        }
        match self.int_var(r) {
            Some(var) => {
                let payload = self.builder.use_var(var);
                let lo = self.builder.ins().iconst(types::I64, TAG_INT);
                Words { lo, hi: payload, tag: Some(TAG_INT) }
            }
            None => self.load_words(self.at_reg(r)),
        }
    }

    /// The address of `r`'s value, for a runtime function that borrows it. A temporary
    /// held as words is stored into its slot first; it still owns the value, and its use
    /// releases it once.
    pub(super) fn operand(&mut self, r: Reg) -> ClValue {
        let at = self.at_reg(r);
        if self.is_temp(r) || self.int_var(r).is_some() {
            let w = self.words(r);
            self.store_words(at, w);
        }
        self.address(at)
    }

    /// `r`'s value taken over by its one use (a temporary), or moved out of a dying frame
    /// (a variable at `return`).
    pub(super) fn move_out(&mut self, r: Reg) -> Words {
        if self.int_var(r).is_some() {
            return self.words(r);
        }
        match self.forget(r) {
            Some(w) => w,
            None => {
                let at = self.at_reg(r);
                let w = self.load_words(at);
                self.store_void(at);
                w
            }
        }
    }

    /// Release a temporary after its one use borrowed it.
    pub(super) fn release_temp(&mut self, r: Reg) {
        if let Some(w) = self.forget(r) {
            self.release_words(r, w);
        }
    }

    /// `drop %r`: release what `r` holds now; a variable's slot then reads void.
    pub(super) fn drop_now(&mut self, r: Reg) {
        if self.is_temp(r) {
            self.release_temp(r);
        } else if self.int_var(r).is_none() {
            let void = self.unboxed(TAG_VOID, 0);
            self.define(r, void);
        }
    }

    pub(super) fn release_temps(&mut self, regs: &[Reg]) {
        for &r in regs {
            self.release_temp(r);
        }
    }

    /// Release the value `w` that temporary `r` owned.
    fn release_words(&mut self, r: Reg, w: Words) {
        match w.tag {
            Some(tag) if tag < FIRST_HEAP_TAG => {}
            Some(_) => self.drop_reference(w, self.at_reg(r), true),
            None => {
                let is_heap = self.is_heap(w);
                self.when(is_heap, |this| this.drop_reference(w, this.at_reg(r), true));
            }
        }
    }

    /// Release the value `w`, which nothing else owns (a field's old value): through the
    /// result slot as scratch when it is a last reference.
    pub(super) fn release_scratch(&mut self, w: Words) {
        let is_heap = self.is_heap(w);
        self.when(is_heap, |this| this.drop_reference(w, this.at_result(), true));
    }

    /// Release the value in a slot if it holds a reference. The slot's bits are dead
    /// afterwards.
    pub(super) fn release_if_heap(&mut self, at: At) {
        let w = self.load_words(at);
        let is_heap = self.is_heap(w);
        self.when(is_heap, |this| this.drop_reference(w, at, false));
    }

    /// Drop the reference `w` holds: inline when it is not the last one (the payload
    /// points at the strong count, see `nyash_runtime::value`); the last goes through the
    /// runtime, which frees the box (and runs `fini`) from the slot `at`. For a temporary
    /// (`scratch`), the words are stored there first, and the slot is left void either
    /// way, since a borrow may have left a copy of them in it.
    fn drop_reference(&mut self, w: Words, at: At, scratch: bool) {
        let flags = MemFlagsData::trusted();
        let count = self.builder.ins().load(types::I64, flags, w.hi, STRONG_OFFSET);
        let last = self.builder.ins().icmp_imm_u(IntCC::Equal, count, 1);
        let (free, shared, done) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        self.builder.ins().brif(last, free, &[], shared, &[]);
        self.builder.switch_to_block(shared);
        let fewer = self.builder.ins().iadd_imm_s(count, -1);
        self.builder.ins().store(flags, fewer, w.hi, STRONG_OFFSET);
        if scratch {
            self.store_void(at);
        }
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(free);
        if scratch {
            self.store_words(at, w);
        }
        let addr = self.address(at);
        self.call_rt(self.cg.rt.release, &[addr]);
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(done);
    }

    /// The value at `addr` (a field, an element), copied out with a reference of its own.
    pub(super) fn copy_at(&mut self, addr: ClValue) -> Words {
        let flags = MemFlagsData::trusted();
        let lo = self.builder.ins().load(types::I64, flags, addr, 0);
        let hi = self.builder.ins().load(types::I64, flags, addr, PAYLOAD_OFFSET);
        let value = Words { lo, hi, tag: None };
        let is_heap = self.is_heap(value);
        self.when(is_heap, |this| this.count_reference(value));
        value
    }

    /// Count one more reference to the box or string `w` holds.
    pub(super) fn count_reference(&mut self, w: Words) {
        let flags = MemFlagsData::trusted();
        let count = self.builder.ins().load(types::I64, flags, w.hi, STRONG_OFFSET);
        let more = self.builder.ins().iadd_imm_s(count, 1);
        self.builder.ins().store(flags, more, w.hi, STRONG_OFFSET);
    }

    /// Emit `then` when `condition` (an integer) is non-zero.
    pub(super) fn when(&mut self, condition: ClValue, then: impl FnOnce(&mut Self)) {
        let (yes, done) = (self.builder.create_block(), self.builder.create_block());
        self.builder.ins().brif(condition, yes, &[], done, &[]);
        self.builder.switch_to_block(yes);
        then(self);
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(done);
    }

    /// After a runtime call that returned `status`: on failure, release the live
    /// temporaries (see the module comment) and go to the handler or the unwind path.
    pub(super) fn check(&mut self, status: ClValue) {
        let handler = self.f.blocks[self.current].handler;
        let target = handler.map_or(self.unwind, |h| self.blocks[h as usize]);
        let mut live = self.live.clone();
        live.sort_by_key(|(r, _)| *r);
        live.retain(|(_, w)| !matches!(w.tag, Some(tag) if tag < FIRST_HEAP_TAG));
        let next = self.builder.create_block();
        if live.is_empty() {
            self.builder.ins().brif(status, target, &[], next, &[]);
            self.builder.switch_to_block(next);
            return;
        }
        let edge = self.builder.create_block();
        self.builder.set_cold_block(edge);
        self.builder.ins().brif(status, edge, &[], next, &[]);
        self.builder.switch_to_block(edge);
        for (r, w) in live {
            self.release_words(r, w);
        }
        self.builder.ins().jump(target, &[]);
        self.builder.switch_to_block(next);
    }
}
