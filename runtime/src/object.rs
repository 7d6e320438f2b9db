//! Heap boxes: every value that is not a number, bool, null, void or string.

use crate::array::Items;
use crate::class::{self, ClassId, Sym};
use crate::error::{Exception, RtResult};
use crate::heap;
use crate::map::NyMap;
use crate::rc::{Body, Ref, WeakRef};
use crate::value::Value;
use std::cell::{Cell, RefCell};

/// `repr(C, u8)`: the variants' contents start at a defined offset, so compiled code can
/// find an instance's fields (see [`FIELDS_OFFSET`]).
#[repr(C, u8)]
pub enum Obj {
    Array(Items),
    /// Boxed, as `Json`: every box's block is as large as the largest kind, and both
    /// would double it.
    Map(Box<RefCell<NyMap>>),
    Instance(Instance),
    Error(ErrorBox),
    /// The outcome of a `nowait` call. Calls run to completion when started, so a future
    /// is always resolved; `await` returns the value or re-raises the error.
    Future(Result<Value, Exception>),
    /// An exception caught by a handler, kept whole (with its location) so that `finally`
    /// can re-raise it unchanged.
    Caught(Exception),
    Console,
    Math,
    Debug,
    Time(std::time::Instant),
    Random(Cell<u64>),
    File(String),
    Json(Box<RefCell<serde_json::Value>>),
    Regex(regex::Regex),
    Buffer(RefCell<Vec<u8>>),
    Stream(RefCell<crate::boxes::Stream>),
    /// A namespace of `using nyashstd`, as the receiver of its functions.
    Std(crate::boxes::Namespace),
}

/// Class ids of builtin boxes and strings: above every user box's, below the caches'
/// "no class" markers. A user instance's class id is its box's.
pub const BUILTIN_CLASS: ClassId = 0xFFFF_0000;
pub const ARRAY_CLASS: ClassId = BUILTIN_CLASS;
pub const STRING_CLASS: ClassId = BUILTIN_CLASS + 0xFF;

impl Obj {
    /// The class id its header carries.
    pub fn class_id(&self) -> ClassId {
        BUILTIN_CLASS
            + match self {
                Obj::Instance(i) => return i.class,
                Obj::Array(_) => 0,
                Obj::Map(_) => 1,
                Obj::Error(_) => 2,
                Obj::Future(_) => 3,
                Obj::Caught(_) => 4,
                Obj::Console => 5,
                Obj::Math => 6,
                Obj::Debug => 7,
                Obj::Time(_) => 8,
                Obj::Random(_) => 9,
                Obj::File(_) => 10,
                Obj::Json(_) => 11,
                Obj::Std(_) => 12,
                Obj::Regex(_) => 13,
                Obj::Buffer(_) => 14,
                Obj::Stream(_) => 15,
            }
    }

    pub fn type_name(&self) -> String {
        match self {
            Obj::Array(_) => "ArrayBox",
            Obj::Map(_) => "MapBox",
            Obj::Instance(i) => return class::name(i.class),
            Obj::Error(_) => "ErrorBox",
            Obj::Future(_) => "FutureBox",
            Obj::Caught(_) => "ErrorBox",
            Obj::Console => "ConsoleBox",
            Obj::Math => "MathBox",
            Obj::Debug => "DebugBox",
            Obj::Time(_) => "TimeBox",
            Obj::Random(_) => "RandomBox",
            Obj::File(_) => "FileBox",
            Obj::Json(_) => "JSONBox",
            Obj::Std(_) => "nyashstd",
            Obj::Regex(_) => "RegexBox",
            Obj::Buffer(_) => "BufferBox",
            Obj::Stream(_) => "StreamBox",
        }
        .to_string()
    }

    /// Bytes this box accounts for in DebugBox's memory report: a fixed model, the same
    /// on every backend and target and whatever the Rust layout of `Obj`: a header of
    /// [`ACCOUNTED_HEADER_BYTES`] plus one value slot per field. Never the allocator's view.
    pub fn accounted_size(&self) -> usize {
        ACCOUNTED_HEADER_BYTES
            + match self {
                Obj::Instance(i) => i.fields.len() * crate::value::SLOT_BYTES as usize,
                _ => 0,
            }
    }
}

/// What every box accounts for before its fields (see `Obj::accounted_size`).
pub const ACCOUNTED_HEADER_BYTES: usize = 32;

/// What making an instance of a box needs to know of it. Fixed when the program is
/// compiled, so that neither `new` nor the last release looks the class up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shape {
    /// Declared fields, every parent's included.
    pub fields: u32,
    /// The box (or a parent) defines `fini`.
    pub has_fini: bool,
}

/// A new instance of `class`, its declared fields void, kept in the box's own block.
#[inline]
pub fn new_instance(class: ClassId, shape: Shape) -> Value {
    let Shape { fields, has_fini } = shape;
    let slots = fields as usize * crate::value::SLOT_BYTES as usize;
    let o = Ref::with_tail(class, slots, |tail| {
        // SAFETY: the tail is 8-aligned, `slots` bytes long, and part of the box's block.
        let fields = unsafe { Fields::voids_at(tail, fields) };
        Obj::Instance(Instance { fields, class, fini_due: Cell::new(has_fini), rare: RefCell::new(None) })
    });
    heap::on_alloc(o.accounted_size());
    Value::Obj(o)
}

#[inline]
pub fn new_obj(o: Obj) -> Value {
    heap::on_alloc(o.accounted_size());
    Value::obj(o)
}

impl Body for Obj {
    /// An instance, the box programs make most, is released here, in line; every other
    /// kind out of line, so that the last release of an instance stays small.
    #[inline(always)]
    unsafe fn release(this: *mut Obj) {
        heap::on_free((*this).accounted_size());
        match &mut *this {
            Obj::Instance(instance) => std::ptr::drop_in_place(instance),
            _ => drop_other(this),
        }
    }
}

/// # Safety
/// As `Body::release`'s.
#[inline(never)]
unsafe fn drop_other(this: *mut Obj) {
    std::ptr::drop_in_place(this)
}

pub struct ErrorBox {
    pub message: String,
    /// Raised by the runtime itself (division by zero, ...) rather than by `throw`: an
    /// uncaught one is reported by its message alone.
    pub is_runtime: bool,
}

/// An instance's declared fields, in layout order: a fixed array of values that compiled
/// code reads and writes in place. A weak field's slot holds its value unless that is a
/// box, which the instance's weak list holds instead (its slot stays void).
///
/// The runtime never keeps a reference into the array: it copies a value out, or swaps
/// one in and releases the old one afterwards, so user code run by that release (a
/// `fini`) may touch the instance freely.
///
/// An instance made by [`new_instance`] keeps the array in its own block, after the box
/// (one allocation per `new`); the fields moved out of it for `fini` get an array of
/// their own.
#[repr(C)]
pub struct Fields {
    ptr: std::ptr::NonNull<Value>,
    /// Beside `in_block` in one word, which keeps every box within its size.
    len: u32,
    /// In the instance's block (freed with it), not a boxed slice of its own.
    in_block: bool,
}

impl Fields {
    fn from_vec(values: Vec<Value>) -> Fields {
        let len = u32::try_from(values.len()).expect("more fields than a box can declare");
        let ptr = Box::into_raw(values.into_boxed_slice()) as *mut Value;
        // SAFETY: a boxed slice's pointer is never null (dangling when empty).
        Fields { ptr: unsafe { std::ptr::NonNull::new_unchecked(ptr) }, len, in_block: false }
    }

    /// `len` void fields at `at`, in the instance's block.
    ///
    /// # Safety
    /// `at` is 8-aligned, has room for `len` values, and lives as long as the instance.
    unsafe fn voids_at(at: *mut u8, len: u32) -> Fields {
        let ptr = at as *mut Value;
        // An all-zero value word is void (`value.rs` tests it).
        std::ptr::write_bytes(ptr, 0, len as usize);
        Fields { ptr: std::ptr::NonNull::new_unchecked(ptr), len, in_block: true }
    }

    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn slot(&self, i: u32) -> *mut Value {
        assert!(i < self.len, "field slot {i} of {}", self.len);
        // SAFETY: in bounds, checked above.
        unsafe { self.ptr.as_ptr().add(i as usize) }
    }

    pub fn get(&self, i: u32) -> Value {
        // SAFETY: a live slot; the clone is taken before anything else can run.
        unsafe { (*self.slot(i)).clone() }
    }

    /// Store `value` in slot `i` and return what it held (for the caller to release).
    pub fn replace(&self, i: u32, value: Value) -> Value {
        // SAFETY: a live slot, and no reference into the array is held anywhere.
        unsafe { std::ptr::replace(self.slot(i), value) }
    }

    /// Move the values out into an array of their own, leaving no fields.
    fn take(&mut self) -> Fields {
        // SAFETY: the values are read out once; the length then says there are none.
        let values = unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.len()) }
            .iter()
            .map(|v| unsafe { std::ptr::read(v) })
            .collect();
        self.len = 0;
        Fields::from_vec(values)
    }
}

impl Drop for Fields {
    fn drop(&mut self) {
        // SAFETY: `ptr` and `len` are a live array that nothing else owns: a boxed slice,
        // or the instance block's, which the block's owner frees after this.
        unsafe {
            if self.in_block {
                crate::release::release_moved(self.ptr.as_ptr(), self.len());
            } else {
                let values = Box::from_raw(std::ptr::slice_from_raw_parts_mut(self.ptr.as_ptr(), self.len()));
                crate::release::release(values.into_vec());
            }
        }
    }
}

/// An instance of a user box. `repr(C)` with the fields first: compiled code finds the
/// field array's pointer at [`FIELDS_OFFSET`] from the box's address.
#[repr(C)]
pub struct Instance {
    pub fields: Fields,
    pub class: ClassId,
    /// The class has a `fini` that has not run on this instance yet.
    pub fini_due: Cell<bool>,
    /// Made on first use: most instances never need it, and `new` stays one header
    /// and one field array.
    rare: RefCell<Option<Box<Rare>>>,
}

/// The parts of an instance that few programs use.
#[derive(Default)]
struct Rare {
    /// The boxes weak fields refer to, by slot.
    weak: Vec<(u32, WeakRef<Obj>)>,
    /// Fields added at run time by assigning a name outside the layout.
    extra: Vec<(u32, Value)>,
    /// The inner value of a box that delegates to a builtin box (`from StringBox`).
    inner: Value,
}

/// Out of line, as the rare parts are.
#[inline(never)]
fn drop_rare(rare: Box<Rare>) {
    drop(rare)
}

impl Drop for Rare {
    fn drop(&mut self) {
        let extra = self.extra.drain(..).map(|(_, v)| v);
        crate::release::release(extra.chain([std::mem::take(&mut self.inner)]).collect());
    }
}

/// Where compiled code finds an instance's field array pointer, from the address a box
/// value's payload holds: the header, then `Obj`'s tag word, then `Instance::fields`.
/// A test checks it.
pub const FIELDS_OFFSET: i32 = 24;

impl Instance {
    /// Move everything out into a fresh instance (used to run `fini` on a box whose
    /// last reference just went away).
    fn take(&mut self) -> Instance {
        Instance {
            fields: self.fields.take(),
            class: self.class,
            fini_due: Cell::new(false),
            rare: RefCell::new(self.rare.get_mut().take()),
        }
    }

    /// Run `fini` on a dying instance. Out of line: most instances have no `fini`, and
    /// their release stays small.
    #[inline(never)]
    fn finalise_dying(&mut self) {
        if let Some(fini) = class::with(self.class, |c| c.fini) {
            let me = new_obj(Obj::Instance(self.take()));
            crate::hooks::run_finaliser(fini, me.clone());
            // The last reference goes here, after `fini`, so that what the instance held
            // is released as part of this release (see `release`), not inside `fini`.
            drop(me);
        }
    }

    /// Read the rare parts, if they were ever made. `f` must not run user code.
    fn with_rare<R>(&self, f: impl FnOnce(&Rare) -> R) -> Option<R> {
        self.rare.borrow().as_deref().map(f)
    }

    /// Change the rare parts, made now if need be. `f` must not run user code: what it
    /// replaces it returns, for the caller to release after the borrow.
    fn change_rare<R>(&self, f: impl FnOnce(&mut Rare) -> R) -> R {
        f(self.rare.borrow_mut().get_or_insert_with(Box::default))
    }

    /// The inner value of a box delegating to a builtin box, or void.
    pub fn inner(&self) -> Value {
        self.with_rare(|r| r.inner.clone()).unwrap_or_default()
    }

    /// A field added at run time.
    fn extra(&self, field: Sym) -> Option<Value> {
        self.with_rare(|r| r.extra.iter().find(|(name, _)| *name == field).map(|(_, v)| v.clone())).flatten()
    }

    /// The value of a weak field: its box while one is alive, null once it is gone.
    fn get_weak(&self, slot: u32) -> Value {
        let held = self.with_rare(|r| r.weak.iter().find(|(s, _)| *s == slot).map(|(_, w)| w.upgrade())).flatten();
        match held {
            Some(target) => target.map_or(Value::Null, Value::Obj),
            None => self.fields.get(slot),
        }
    }

    /// Assign a weak field; what it held is released after every borrow ends.
    fn set_weak(&self, slot: u32, value: Value) {
        let old_ref = self.change_rare(|r| {
            let old = r.weak.iter().position(|(s, _)| *s == slot).map(|i| r.weak.swap_remove(i));
            if let Value::Obj(target) = &value {
                r.weak.push((slot, Ref::downgrade(target)));
            }
            old
        });
        let stored = if matches!(value, Value::Obj(_)) { Value::Void } else { value.clone() };
        let old = self.fields.replace(slot, stored);
        drop((old_ref, old, value));
    }
}

impl Drop for Instance {
    /// `fini` runs exactly once, when the last strong reference goes away. The dying
    /// instance cannot be handed to user code, so its contents move to a new instance
    /// whose `fini` is no longer due, `fini` runs on that, and it is released when `fini`
    /// is done (or lives on, if `fini` stored `me` somewhere).
    fn drop(&mut self) {
        if self.fini_due.get() {
            self.finalise_dying();
        }
        if let Some(rare) = self.rare.get_mut().take() {
            drop_rare(rare);
        }
    }
}

/// Run `fini` explicitly (`obj.fini()`): at most once per instance.
pub fn finalise_now(me: &Value) -> Result<Value, Exception> {
    let Value::Obj(o) = me else {
        return Ok(Value::Void);
    };
    let Obj::Instance(inst) = &**o else {
        return Ok(Value::Void);
    };
    if !inst.fini_due.replace(false) {
        return Ok(Value::Void);
    }
    match class::with(inst.class, |c| c.fini) {
        Some(fini) => crate::hooks::call(fini, vec![me.clone()]),
        None => Ok(Value::Void),
    }
}

/// What [`class_of`] says of a value that is not a box.
pub const NOT_A_BOX: ClassId = u32::MAX;
/// The class an empty inline cache holds: no value has it.
pub const NO_CLASS: ClassId = u32::MAX - 1;

/// The class id in a box's header, or [`NOT_A_BOX`].
#[inline]
pub fn class_of(v: &Value) -> ClassId {
    match v {
        Value::Obj(o) => o.class(),
        _ => NOT_A_BOX,
    }
}

pub fn instance_class(v: &Value) -> Option<crate::class::ClassId> {
    match v {
        Value::Obj(o) => match &**o {
            Obj::Instance(i) => Some(i.class),
            _ => None,
        },
        _ => None,
    }
}

pub fn instance_of(v: &Value, target: crate::class::ClassId) -> bool {
    match v {
        Value::Obj(o) => matches!(&**o, Obj::Instance(i) if crate::class::is_a(i.class, target)),
        _ => false,
    }
}

fn instance_of_value<'v>(v: &'v Value, field: u32) -> RtResult<&'v Instance> {
    if let Value::Obj(o) = v {
        if let Obj::Instance(inst) = &**o {
            return Ok(inst);
        }
    }
    Err(Exception::runtime(format!("Undefined field '{}' in {}", crate::class::sym_name(field), v.type_name())))
}

/// The inline cache of one field access site: the class last seen there and the slot its
/// field has in that class's layout. A site caches only an access it was allowed (private
/// fields are checked once per class) to a strong field, so a hit reads or writes the
/// slot in place with no registry lookup: compiled code does that inline.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FieldCache {
    pub class: ClassId,
    pub slot: u32,
}

impl FieldCache {
    /// A cache that has seen no class.
    pub const EMPTY: FieldCache = FieldCache { class: NO_CLASS, slot: 0 };
}

impl Default for FieldCache {
    fn default() -> FieldCache {
        FieldCache::EMPTY
    }
}

/// Where a declared field is: its slot, and whether it is weak.
#[derive(Clone, Copy)]
struct Place {
    slot: u32,
    weak: bool,
}

/// Where `field` is in `inst`'s layout (`None`: not a declared field), checking that the
/// access may touch it.
fn layout_place(inst: &Instance, field: Sym, via_me: bool) -> RtResult<Option<Place>> {
    let Some((slot, info)) = class::with(inst.class, |c| c.field_index.get(&field).map(|&i| (i, c.fields[i as usize])))
    else {
        return Ok(None);
    };
    if info.private && !via_me {
        return Err(Exception::runtime(format!(
            "Field '{}' of {} is private",
            class::sym_name(field),
            class::name(inst.class)
        )));
    }
    Ok(Some(Place { slot, weak: info.weak }))
}

/// Where the declared `field` is for this access: from the site's cache when the class is
/// the one it saw, else from the layout (and the cache learns a strong field's slot).
fn cached_place(inst: &Instance, field: Sym, via_me: bool, cache: &Cell<FieldCache>) -> RtResult<Option<Place>> {
    let seen = cache.get();
    if seen.class == inst.class {
        return Ok(Some(Place { slot: seen.slot, weak: false }));
    }
    let found = layout_place(inst, field, via_me)?;
    if let Some(Place { slot, weak: false }) = found {
        cache.set(FieldCache { class: inst.class, slot });
    }
    Ok(found)
}

/// `obj.field` (`via_me`: written `me.field`), through the site's cache.
pub fn get_field(obj: &Value, field: Sym, via_me: bool, cache: &Cell<FieldCache>) -> RtResult {
    let inst = instance_of_value(obj, field)?;
    match cached_place(inst, field, via_me, cache)? {
        Some(Place { slot, weak: true }) => return Ok(inst.get_weak(slot)),
        Some(Place { slot, weak: false }) => return Ok(inst.fields.get(slot)),
        None => {}
    }
    if let Some(v) = inst.extra(field) {
        return Ok(v);
    }
    Err(Exception::runtime(format!("Undefined field '{}' in {}", class::sym_name(field), class::name(inst.class))))
}

/// `obj.field = value`, through the site's cache. The old value is released after the
/// store, with no borrow held (its `fini` may touch the object).
pub fn set_field(obj: &Value, field: Sym, value: Value, via_me: bool, cache: &Cell<FieldCache>) -> RtResult<()> {
    let inst = instance_of_value(obj, field)?;
    match cached_place(inst, field, via_me, cache)? {
        Some(Place { slot, weak: true }) => {
            inst.set_weak(slot, value);
            return Ok(());
        }
        Some(Place { slot, weak: false }) => {
            let old = inst.fields.replace(slot, value);
            drop(old);
            return Ok(());
        }
        None => {}
    }
    let old = inst.change_rare(|r| match r.extra.iter_mut().find(|(name, _)| *name == field) {
        Some((_, v)) => std::mem::replace(v, value),
        None => {
            r.extra.push((field, value));
            Value::Void
        }
    });
    drop(old);
    Ok(())
}

/// Set the inner builtin value of a box delegating to a builtin box.
pub fn set_inner(obj: &Value, value: Value) {
    if let Value::Obj(o) = obj {
        if let Obj::Instance(inst) = &**o {
            let old = inst.change_rare(|r| std::mem::replace(&mut r.inner, value));
            drop(old);
        }
    }
}

/// The inner builtin value of a box delegating to a builtin box (void for any other).
pub fn inner_of(obj: &Value) -> Value {
    match obj {
        Value::Obj(o) => match &**o {
            Obj::Instance(inst) => inst.inner(),
            _ => Value::Void,
        },
        _ => Value::Void,
    }
}

/// `await v`: a future's value (or its error); any other value is its own result.
pub fn await_value(v: &Value) -> RtResult {
    match v {
        Value::Obj(o) => match &**o {
            Obj::Future(result) => result.clone(),
            _ => Ok(v.clone()),
        },
        _ => Ok(v.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Compiled code reads an instance's field array at `FIELDS_OFFSET` from its address.
    #[test]
    fn fields_pointer_is_where_compiled_code_reads_it() {
        let v = new_instance(0, Shape { fields: 3, has_fini: false });
        let Value::Obj(o) = &v else { unreachable!() };
        let Obj::Instance(inst) = &**o else { unreachable!() };
        inst.fields.replace(2, Value::Int(42));
        let words: [usize; 2] = unsafe { std::mem::transmute_copy(&v) };
        let fields = unsafe { *((words[1] + FIELDS_OFFSET as usize) as *const *const Value) };
        assert!(matches!(unsafe { &*fields.add(2) }, Value::Int(42)));
    }

    /// Compiled code reads an array's element pointer, length, capacity and packing at
    /// fixed offsets; an array of Integers holds bare `i64`s until another kind goes in.
    #[test]
    fn array_parts_are_where_compiled_code_reads_them() {
        use crate::array::{ITEMS_CAP_OFFSET, ITEMS_LEN_OFFSET, ITEMS_PACKED_OFFSET, ITEMS_PTR_OFFSET};
        let word = |v: &Value, offset: i32| {
            let words: [usize; 2] = unsafe { std::mem::transmute_copy(v) };
            unsafe { *((words[1] + offset as usize) as *const usize) }
        };
        let mut elements = Vec::with_capacity(9);
        elements.extend([Value::Int(5), Value::Int(6), Value::Int(7)]);
        let v = new_obj(Obj::Array(Items::new(elements)));
        assert_eq!(class_of(&v), ARRAY_CLASS);
        assert_eq!((word(&v, ITEMS_LEN_OFFSET), word(&v, ITEMS_PACKED_OFFSET)), (3, 1));
        assert_eq!(unsafe { *(word(&v, ITEMS_PTR_OFFSET) as *const i64).add(1) }, 6);
        let Value::Obj(o) = &v else { unreachable!() };
        let Obj::Array(items) = &**o else { unreachable!() };
        items.push(Value::str("seven"));
        assert_eq!((word(&v, ITEMS_LEN_OFFSET), word(&v, ITEMS_PACKED_OFFSET)), (4, 0));
        assert!(word(&v, ITEMS_CAP_OFFSET) >= 4);
        assert!(matches!(unsafe { &*(word(&v, ITEMS_PTR_OFFSET) as *const Value).add(1) }, Value::Int(6)));
        // Compiled code reads the packed word of any box before it knows its class.
        let box_size = std::mem::size_of::<crate::rc::Header>() + std::mem::size_of::<Obj>();
        assert!(box_size >= ITEMS_PACKED_OFFSET as usize + 8);
        // One cache line a box (an instance's fields follow in its block).
        assert!(box_size <= 64, "a box takes {box_size} bytes");
    }
}
