//! How compiled code holds MIR registers.
//!
//! Variables and parameters live in the frame array, one 16-byte `Value` slot each: the
//! VM's frame model, which lets a VM activation hand its frame over. Temporaries (see
//! `mir::analysis::single_use_temporaries`) are defined and used once within one block, so
//! most of them never touch memory: they are carried as the two machine words of a
//! `Value` ([`Words`]), with the tag when it is known at compile time, so that an integer
//! constant feeding an addition costs no load, store or tag test.
//!
//! Ownership follows the VM exactly. A live temporary owns its value until its one use
//! moves it on or releases it. When a runtime call fails while temporaries are live, the
//! error edge does what the VM does: with a handler in this function, it releases them
//! (in register order, as the VM clears its temporaries when it enters a handler);
//! without one, it stores them into their slots, and the unwind path releases the whole
//! frame in register order. So a temporary's slot never holds a reference outside the
//! temporary's life, and defining a temporary needs no release check.

use super::{FnLower, FIRST_HEAP_TAG, SLOT, TAG_BOOL, TAG_INT, TAG_VOID};
use crate::mir::Reg;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, InstBuilder, MemFlagsData, Value as ClValue};
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

/// Where a live temporary's value is.
#[derive(Clone, Copy)]
pub(super) enum Temp {
    Words(Words),
    /// In its frame slot, where a runtime function wrote it.
    Slot,
}

/// Whether values are all Integers, as far as the compiler can tell.
pub(super) enum IntTest {
    Always,
    Never,
    /// Only at run time: this `i8` says.
    Dynamic(ClValue),
}

impl<M: Module> FnLower<'_, M> {
    pub(super) fn is_temp(&self, r: Reg) -> bool {
        self.temps[r as usize]
    }

    fn live_temp(&self, r: Reg) -> Option<Temp> {
        self.live.iter().find(|(t, _)| *t == r).map(|(_, temp)| *temp)
    }

    /// Take a temporary out of the live set: its one use has happened.
    pub(super) fn forget(&mut self, r: Reg) -> Option<Temp> {
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
        let hi = self.builder.ins().load(types::I64, flags, self.base, at.0 + 8);
        Words { lo, hi, tag: None }
    }

    pub(super) fn store_words(&mut self, at: At, w: Words) {
        let flags = MemFlagsData::trusted();
        self.builder.ins().store(flags, w.lo, self.base, at.0);
        self.builder.ins().store(flags, w.hi, self.base, at.0 + 8);
    }

    /// Mark a slot void without releasing what it held (moved out).
    pub(super) fn store_void(&mut self, at: At) {
        let void = self.builder.ins().iconst(types::I8, TAG_VOID);
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
        let wide = if ty == types::I64 { truth } else { self.builder.ins().uextend(types::I64, truth) };
        let shifted = self.builder.ins().ishl_imm_u(wide, 8);
        let lo = self.builder.ins().bor_imm_u(shifted, TAG_BOOL);
        let hi = self.builder.ins().iconst(types::I64, 0);
        Words { lo, hi, tag: Some(TAG_BOOL) }
    }

    /// The Bool in the words of a Bool value, as an `i32` 0 or 1.
    pub(super) fn bool_of(&mut self, w: Words) -> ClValue {
        let shifted = self.builder.ins().ushr_imm_u(w.lo, 8);
        let byte = self.builder.ins().band_imm_u(shifted, 0xff);
        self.builder.ins().ireduce(types::I32, byte)
    }

    /// `w`'s tag equals `tag`? (an `i8`)
    pub(super) fn has_tag(&mut self, w: Words, tag: i64) -> ClValue {
        let t = self.builder.ins().band_imm_u(w.lo, 0xff);
        self.builder.ins().icmp_imm_u(IntCC::Equal, t, tag)
    }

    pub(super) fn both_int(&mut self, values: &[Words]) -> IntTest {
        let mut test: Option<ClValue> = None;
        for &w in values {
            match w.tag {
                Some(TAG_INT) => {}
                Some(_) => return IntTest::Never,
                None => {
                    let is_int = self.has_tag(w, TAG_INT);
                    test = Some(match test {
                        Some(t) => self.builder.ins().band(t, is_int),
                        None => is_int,
                    });
                }
            }
        }
        test.map_or(IntTest::Always, IntTest::Dynamic)
    }

    /// `dst = w`: a temporary keeps the words; a variable's slot releases its old value.
    pub(super) fn define(&mut self, dst: Reg, w: Words) {
        if self.is_temp(dst) {
            self.live.push((dst, Temp::Words(w)));
        } else {
            let at = self.at_reg(dst);
            self.release_if_heap(at);
            self.store_words(at, w);
        }
    }

    /// A runtime function has written `dst`'s slot.
    pub(super) fn defined_in_slot(&mut self, dst: Reg) {
        if self.is_temp(dst) {
            self.live.push((dst, Temp::Slot));
        }
    }

    /// The value of `r`, read without taking it over.
    pub(super) fn words(&mut self, r: Reg) -> Words {
        match self.live_temp(r) {
            Some(Temp::Words(w)) => w,
            _ => self.load_words(self.at_reg(r)),
        }
    }

    /// The address of `r`'s value, for a runtime function that borrows it. A temporary
    /// held as words is stored into its slot first; it still owns the value, and its use
    /// releases it once.
    pub(super) fn operand(&mut self, r: Reg) -> ClValue {
        let at = self.at_reg(r);
        if let Some(Temp::Words(w)) = self.live_temp(r) {
            self.store_words(at, w);
        }
        self.address(at)
    }

    /// `r`'s value taken over by its one use (a temporary), or moved out of a dying frame
    /// (a variable at `return`).
    pub(super) fn move_out(&mut self, r: Reg) -> Words {
        match self.forget(r) {
            Some(Temp::Words(w)) => w,
            _ => {
                let at = self.at_reg(r);
                let w = self.load_words(at);
                self.store_void(at);
                w
            }
        }
    }

    /// Release a temporary after its one use borrowed it.
    pub(super) fn release_temp(&mut self, r: Reg) {
        match self.forget(r) {
            Some(Temp::Words(w)) => self.release_words(r, w),
            Some(Temp::Slot) => self.release_if_heap(self.at_reg(r)),
            None => {}
        }
    }

    pub(super) fn release_temps(&mut self, regs: &[Reg]) {
        for &r in regs {
            self.release_temp(r);
        }
    }

    /// Release the value a temporary holds as words, through its slot.
    fn release_words(&mut self, r: Reg, w: Words) {
        match w.tag {
            Some(tag) if tag < FIRST_HEAP_TAG => {}
            Some(_) => {
                self.store_words(self.at_reg(r), w);
                let addr = self.reg(r);
                self.call_rt(self.cg.rt.release, &[addr]);
            }
            None => {
                let tag = self.builder.ins().band_imm_u(w.lo, 0xff);
                let is_heap = self.builder.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, tag, FIRST_HEAP_TAG);
                let (release, done) = (self.builder.create_block(), self.builder.create_block());
                self.builder.ins().brif(is_heap, release, &[], done, &[]);
                self.builder.switch_to_block(release);
                self.store_words(self.at_reg(r), w);
                let addr = self.reg(r);
                self.call_rt(self.cg.rt.release, &[addr]);
                self.builder.ins().jump(done, &[]);
                self.builder.switch_to_block(done);
            }
        }
    }

    /// Release the value in a slot if it holds a reference.
    pub(super) fn release_if_heap(&mut self, at: At) {
        let tag = self.builder.ins().load(types::I8, MemFlagsData::trusted(), self.base, at.0);
        let is_heap = self.builder.ins().icmp_imm_u(IntCC::UnsignedGreaterThanOrEqual, tag, FIRST_HEAP_TAG);
        let (release, done) = (self.builder.create_block(), self.builder.create_block());
        self.builder.ins().brif(is_heap, release, &[], done, &[]);
        self.builder.switch_to_block(release);
        let addr = self.address(at);
        self.call_rt(self.cg.rt.release, &[addr]);
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(done);
    }

    /// After a runtime call that returned `status`: on failure, leave the live temporaries
    /// as the VM would (see the module comment) and go to the handler or unwind path.
    pub(super) fn check(&mut self, status: ClValue) {
        let handler = self.f.blocks[self.current].handler;
        let target = handler.map_or(self.unwind, |h| self.blocks[h as usize]);
        let mut live = self.live.clone();
        live.sort_by_key(|(r, _)| *r);
        if handler.is_none() {
            live.retain(|(_, temp)| matches!(temp, Temp::Words(_)));
        }
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
        for (r, temp) in live {
            match (handler, temp) {
                (Some(_), Temp::Words(w)) => self.release_words(r, w),
                (Some(_), Temp::Slot) => self.release_if_heap(self.at_reg(r)),
                (None, Temp::Words(w)) => self.store_words(self.at_reg(r), w),
                (None, Temp::Slot) => {}
            }
        }
        self.builder.ins().jump(target, &[]);
        self.builder.switch_to_block(next);
    }
}
