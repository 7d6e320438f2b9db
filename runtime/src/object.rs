//! Heap boxes: every value that is not a number, bool, null, void or string.

use crate::class::{self, ClassId, Sym};
use crate::error::{Exception, RtResult};
use crate::heap;
use crate::map::NyMap;
use crate::rc::{Ref, WeakRef};
use crate::value::Value;
use std::cell::{Cell, RefCell};

pub enum Obj {
    Array(RefCell<Vec<Value>>),
    Map(RefCell<NyMap>),
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
    Json(RefCell<serde_json::Value>),
}

/// Class ids of builtin boxes and strings: above every user box's, below the caches'
/// "no class" markers. A user instance's class id is its box's.
pub const BUILTIN_CLASS: ClassId = 0xFFFF_0000;
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
        }
        .to_string()
    }

    /// Bytes this box accounts for in DebugBox's memory report: a fixed, backend-independent
    /// estimate (its header plus its slots), never the allocator's view.
    pub fn accounted_size(&self) -> usize {
        std::mem::size_of::<Obj>()
            + match self {
                Obj::Instance(i) => i.slots.borrow().len() * std::mem::size_of::<Value>(),
                _ => 0,
            }
    }
}

pub fn new_obj(o: Obj) -> Value {
    heap::on_alloc(o.accounted_size());
    Value::obj(o)
}

impl Drop for Obj {
    fn drop(&mut self) {
        heap::on_free(self.accounted_size());
    }
}

pub struct ErrorBox {
    pub message: String,
    /// Raised by the runtime itself (division by zero, ...) rather than by `throw`: an
    /// uncaught one is reported by its message alone.
    pub is_runtime: bool,
}

/// A field slot. Weak fields hold a weak reference, which reads as null once the target
/// is gone.
pub enum Slot {
    Strong(Value),
    Weak(WeakRef<Obj>),
}

impl Slot {
    pub fn get(&self) -> Value {
        match self {
            Slot::Strong(v) => v.clone(),
            Slot::Weak(w) => w.upgrade().map_or(Value::Null, Value::Obj),
        }
    }
}

/// An instance of a user box.
pub struct Instance {
    pub class: ClassId,
    /// One slot per field of the class layout, in layout order.
    pub slots: RefCell<Vec<Slot>>,
    /// Fields added at run time by assigning a name outside the layout.
    pub extra: RefCell<Vec<(u32, Value)>>,
    /// The inner value of a box that delegates to a builtin box (`from StringBox`).
    pub inner: RefCell<Value>,
    pub finalized: Cell<bool>,
}

impl Instance {
    pub fn new(class: ClassId) -> Instance {
        let slots = class::with(class, |c| c.fields.iter().map(|_| Slot::Strong(Value::Void)).collect());
        Instance {
            class,
            slots: RefCell::new(slots),
            extra: RefCell::new(Vec::new()),
            inner: RefCell::new(Value::Void),
            finalized: Cell::new(false),
        }
    }

    /// Move everything out into a fresh instance (used to run `fini` on a box whose
    /// last reference just went away).
    fn take(&mut self) -> Instance {
        Instance {
            class: self.class,
            slots: RefCell::new(std::mem::take(self.slots.get_mut())),
            extra: RefCell::new(std::mem::take(self.extra.get_mut())),
            inner: RefCell::new(std::mem::take(self.inner.get_mut())),
            finalized: Cell::new(true),
        }
    }
}

impl Drop for Instance {
    /// `fini` runs exactly once, when the last strong reference goes away. The dying
    /// instance cannot be handed to user code, so its contents move to a new instance
    /// marked finalized, `fini` runs on that, and it is released when `fini` is done
    /// (or lives on, if `fini` stored `me` somewhere).
    fn drop(&mut self) {
        if self.finalized.get() {
            return;
        }
        if let Some(fini) = class::with(self.class, |c| c.fini) {
            let me = new_obj(Obj::Instance(self.take()));
            crate::hooks::run_finaliser(fini, me);
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
    if inst.finalized.replace(true) {
        return Ok(Value::Void);
    }
    match class::with(inst.class, |c| c.fini) {
        Some(fini) => crate::hooks::call(fini, vec![me.clone()]),
        None => Ok(Value::Void),
    }
}

pub fn weak_slot(v: &Value) -> Slot {
    match v {
        Value::Obj(o) => Slot::Weak(Ref::downgrade(o)),
        _ => Slot::Strong(v.clone()),
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
/// field has in that class's layout. A site only caches an access it was allowed (private
/// fields are checked once per class), so a hit reads or writes the slot directly, with
/// no registry lookup.
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct FieldCache {
    pub class: ClassId,
    pub slot: u32,
    /// The field is weak (a write stores a weak reference to a box).
    pub weak: bool,
}

impl FieldCache {
    /// A cache that has seen no class.
    pub const EMPTY: FieldCache = FieldCache { class: NO_CLASS, slot: 0, weak: false };
}

impl Default for FieldCache {
    fn default() -> FieldCache {
        FieldCache::EMPTY
    }
}

/// Where `field` is in `inst`'s layout (`None`: not a declared field), checking that the
/// access may touch it.
fn layout_slot(inst: &Instance, field: Sym, via_me: bool) -> RtResult<Option<FieldCache>> {
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
    Ok(Some(FieldCache { class: inst.class, slot, weak: info.weak }))
}

/// Where the declared `field` is for this access: from the site's cache when the class is
/// the one it saw, else from the layout (and the cache learns it).
fn cached_slot(inst: &Instance, field: Sym, via_me: bool, cache: &Cell<FieldCache>) -> RtResult<Option<FieldCache>> {
    let seen = cache.get();
    if seen.class == inst.class {
        return Ok(Some(seen));
    }
    let found = layout_slot(inst, field, via_me)?;
    if let Some(found) = found {
        cache.set(found);
    }
    Ok(found)
}

/// `obj.field` (`via_me`: written `me.field`), through the site's cache.
pub fn get_field(obj: &Value, field: Sym, via_me: bool, cache: &Cell<FieldCache>) -> RtResult {
    let inst = instance_of_value(obj, field)?;
    if let Some(at) = cached_slot(inst, field, via_me, cache)? {
        return Ok(inst.slots.borrow()[at.slot as usize].get());
    }
    if let Some((_, v)) = inst.extra.borrow().iter().find(|(name, _)| *name == field) {
        return Ok(v.clone());
    }
    Err(Exception::runtime(format!("Undefined field '{}' in {}", class::sym_name(field), class::name(inst.class))))
}

/// `obj.field = value`, through the site's cache. The old value is released after the
/// store, with no borrow held (its `fini` may touch the object).
pub fn set_field(obj: &Value, field: Sym, value: Value, via_me: bool, cache: &Cell<FieldCache>) -> RtResult<()> {
    let inst = instance_of_value(obj, field)?;
    if let Some(at) = cached_slot(inst, field, via_me, cache)? {
        let new = if at.weak { weak_slot(&value) } else { Slot::Strong(value) };
        let old = std::mem::replace(&mut inst.slots.borrow_mut()[at.slot as usize], new);
        drop(old);
        return Ok(());
    }
    let mut extra = inst.extra.borrow_mut();
    let old = match extra.iter_mut().find(|(name, _)| *name == field) {
        Some((_, v)) => std::mem::replace(v, value),
        None => {
            extra.push((field, value));
            Value::Void
        }
    };
    drop(extra);
    drop(old);
    Ok(())
}

/// Set the inner builtin value of a box delegating to a builtin box.
pub fn set_inner(obj: &Value, value: Value) {
    if let Value::Obj(o) = obj {
        if let Obj::Instance(inst) = &**o {
            let old = inst.inner.replace(value);
            drop(old);
        }
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
