//! Field access in compiled code.
//!
//! Where the compiler knows an object's layout, a field is a load or a store at a fixed
//! slot: `me.f` in a method of a box that every box delegating to it keeps `f` in the same
//! slot of (a second parent's fields move, so not always), and any field of a register
//! known to hold a fresh instance of one box (`alloc` earlier in the block, as an inlined
//! constructor leaves it). Everywhere else a per-site inline cache (class id, slot) is
//! tested first and the runtime looked up on a miss. Weak fields always go through the
//! runtime, which keeps their targets in the instance's weak list; private fields are
//! reached directly only through `me`, which the compiler checks here.

use super::{FnLower, SLOT};
use crate::mir::{BoxDef, BoxId, Loc, Reg};
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{types, Block, InstBuilder, MemFlagsData, Value as ClValue};
use cranelift_module::Module;
use nyash_runtime::class::intern;
use nyash_runtime::object::{FieldCache, FIELDS_OFFSET};
use nyash_runtime::rc::CLASS_OFFSET;
use nyash_runtime::value::PAYLOAD_OFFSET;
use rustc_hash::FxHashMap;

use super::values::Words;
use super::TAG_OBJ;

/// Where a field site's cache keeps its class and slot.
const FIELD_CLASS_OFFSET: i32 = std::mem::offset_of!(FieldCache, class) as i32;
const FIELD_SLOT_OFFSET: i32 = std::mem::offset_of!(FieldCache, slot) as i32;

/// A strong declared field, as compiled code reaches it.
#[derive(Clone, Copy)]
struct FixedField {
    slot: u32,
    private: bool,
    /// Every box delegating to this one keeps the field in the same slot.
    same_below: bool,
}

/// Each box's strong fields by name, by class id.
pub(super) struct Layouts(Vec<FxHashMap<String, FixedField>>);

impl Layouts {
    pub(super) fn new(boxes: &[BoxDef]) -> Layouts {
        let mut layouts: Vec<FxHashMap<String, FixedField>> = boxes
            .iter()
            .map(|b| {
                let strong = b.fields.iter().enumerate().filter(|(_, f)| !f.weak);
                strong
                    .map(|(slot, f)| {
                        (f.name.clone(), FixedField { slot: slot as u32, private: f.private, same_below: true })
                    })
                    .collect()
            })
            .collect();
        for b in boxes {
            for &a in &b.ancestors {
                for (name, field) in layouts[a as usize].iter_mut() {
                    let kept = b.fields.get(field.slot as usize).is_some_and(|f| &f.name == name);
                    field.same_below &= kept;
                }
            }
        }
        Layouts(layouts)
    }

    /// The slot of `class`'s `field` for an access through `me` (`via_me`), or on an
    /// instance of exactly `class` (`exact`), if compiled code may touch it directly.
    fn slot(&self, class: BoxId, field: &str, via_me: bool, exact: bool) -> Option<u32> {
        let f = self.0[class as usize].get(field)?;
        ((exact || f.same_below) && (via_me || !f.private)).then_some(f.slot)
    }
}

impl<M: Module> FnLower<'_, M> {
    /// The box `obj` is known to hold an instance of, and whether exactly of it (rather
    /// than of a box delegating to it).
    fn known_box(&self, obj: Reg) -> Option<(BoxId, bool)> {
        match self.fresh[obj as usize] {
            Some(class) => Some((class, true)),
            None if obj == 0 => self.f.owner.map(|b| (b, false)),
            None => None,
        }
    }

    /// The address of `obj.field` when its slot is known at compile time.
    fn fixed_field(&mut self, obj: Reg, field: &str, via_me: bool) -> Option<ClValue> {
        let (class, exact) = self.known_box(obj)?;
        let slot = self.cg.layouts.slot(class, field, via_me, exact)?;
        let w = self.words(obj);
        let fields = self.builder.ins().load(self.ptr, MemFlagsData::trusted(), w.hi, FIELDS_OFFSET);
        Some(self.builder.ins().iadd_imm_s(fields, slot as i64 * SLOT as i64))
    }

    /// A field site's inline path: when `obj` is a box whose class is the one the site's
    /// cache holds (only ever a strong field that the access may touch), the builder is
    /// left in the hit block and the address of the field's value returned; the miss block
    /// takes everything else to the runtime, which fills the cache.
    fn field_hit(&mut self, obj: Reg, cache: ClValue) -> Option<(ClValue, Block)> {
        let w = self.words(obj);
        if matches!(w.tag, Some(t) if t != TAG_OBJ) {
            return None;
        }
        let flags = MemFlagsData::trusted();
        let (check, hit, miss) =
            (self.builder.create_block(), self.builder.create_block(), self.builder.create_block());
        self.builder.set_cold_block(miss);
        let is_box = self.has_tag(w, TAG_OBJ);
        self.builder.ins().brif(is_box, check, &[], miss, &[]);
        self.builder.switch_to_block(check);
        let class = self.builder.ins().load(types::I32, flags, w.hi, CLASS_OFFSET);
        let cached = self.builder.ins().load(types::I32, flags, cache, FIELD_CLASS_OFFSET);
        let same = self.builder.ins().icmp(IntCC::Equal, class, cached);
        self.builder.ins().brif(same, hit, &[], miss, &[]);
        self.builder.switch_to_block(hit);
        let slot = self.builder.ins().load(types::I32, flags, cache, FIELD_SLOT_OFFSET);
        let slot = self.builder.ins().uextend(self.ptr, slot);
        let offset = self.builder.ins().imul_imm_s(slot, SLOT as i64);
        let fields = self.builder.ins().load(self.ptr, flags, w.hi, FIELDS_OFFSET);
        Some((self.builder.ins().iadd(fields, offset), miss))
    }

    /// Store `src` in the field at `addr`, then release the value it replaces.
    fn store_field(&mut self, addr: ClValue, src: Reg) {
        let flags = MemFlagsData::trusted();
        let new = if self.is_temp(src) { self.move_out(src) } else { self.clone_words(src) };
        let old_lo = self.builder.ins().load(types::I64, flags, addr, 0);
        let old_hi = self.builder.ins().load(types::I64, flags, addr, PAYLOAD_OFFSET);
        self.builder.ins().store(flags, new.lo, addr, 0);
        self.builder.ins().store(flags, new.hi, addr, PAYLOAD_OFFSET);
        self.release_scratch(Words { lo: old_lo, hi: old_hi, tag: None });
    }

    /// `dst = obj.field`: a load where the slot is known, else inline on a cache hit,
    /// else `nyrt_get_field`. Either way the object goes before the result is stored, as
    /// in the VM.
    pub(super) fn get_field(&mut self, dst: Reg, obj: Reg, field: &str, via_me: bool, loc: &Loc) {
        if let Some(addr) = self.fixed_field(obj, field, via_me) {
            let value = self.copy_at(addr);
            self.release_temp(obj);
            self.define(dst, value);
            return;
        }
        let cache = self.field_cache();
        let done = self.words_block();
        let live = self.live.clone();
        if let Some((addr, miss)) = self.field_hit(obj, cache) {
            let value = self.copy_at(addr);
            self.release_temp(obj);
            self.builder.ins().jump(done, &[value.lo.into(), value.hi.into()]);
            self.live = live;
            self.builder.switch_to_block(miss);
        }
        let (o, f, m) = (self.operand(obj), self.i32(intern(field)), self.i32(via_me as u32));
        let (out, l) = (self.result_slot(), self.loc(loc));
        let status = self.call_rt(self.cg.rt.get_field, &[o, f, m, out, l, cache]);
        self.release_temp(obj);
        self.check(status);
        self.join_result(done, dst);
    }

    /// `obj.field = src`: a store where the slot is known, else inline on a cache hit
    /// (the value stored in place, then the old one released), else `nyrt_set_field`. The
    /// object goes last, as in the VM.
    pub(super) fn set_field(&mut self, obj: Reg, field: &str, src: Reg, via_me: bool, loc: &Loc) {
        if let Some(addr) = self.fixed_field(obj, field, via_me) {
            self.store_field(addr, src);
            self.release_temp(obj);
            return;
        }
        let cache = self.field_cache();
        let done = self.builder.create_block();
        let live = self.live.clone();
        if let Some((addr, miss)) = self.field_hit(obj, cache) {
            self.store_field(addr, src);
            self.release_temp(obj);
            self.builder.ins().jump(done, &[]);
            self.live = live;
            self.builder.switch_to_block(miss);
        }
        let (o, f, s) = (self.operand(obj), self.i32(intern(field)), self.operand(src));
        let (m, l) = (self.i32(via_me as u32), self.loc(loc));
        let status = self.call_rt(self.cg.rt.set_field, &[o, f, s, m, l, cache]);
        // The VM moves the value into the field (a weak field drops it there), then lets
        // the object go.
        self.release_temps(&[src, obj]);
        self.check(status);
        self.builder.ins().jump(done, &[]);
        self.builder.switch_to_block(done);
    }

    /// A fresh, writable `object::FieldCache` for one field access site, holding no class.
    fn field_cache(&mut self) -> ClValue {
        let mut bytes = vec![0u8; std::mem::size_of::<FieldCache>()];
        bytes[..4].copy_from_slice(&FieldCache::EMPTY.class.to_le_bytes());
        self.site_data(bytes)
    }
}
