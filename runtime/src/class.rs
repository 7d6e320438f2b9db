//! The registry of user boxes ("classes") and interned names.
//!
//! The compiler flattens each box before registering it: the field layout already holds
//! every parent's fields, and the method table every inherited method (a box's own
//! definitions first, then its parents' in declaration order). Dispatch is therefore one
//! hash lookup on the receiver's class, whatever the depth of the delegation chain.

use rustc_hash::FxHashMap;
use std::cell::RefCell;
use std::rc::Rc;

pub type ClassId = u32;
/// A user function, numbered by whoever executes it (VM, JIT or native code).
pub type FuncId = u32;
/// An interned name.
pub type Sym = u32;

#[derive(Clone, Copy, Debug)]
pub struct FieldInfo {
    pub name: Sym,
    pub weak: bool,
    pub private: bool,
}

#[derive(Clone, Copy, Debug)]
pub struct MethodRef {
    pub func: FuncId,
    /// Parameters, not counting `me`.
    pub arity: u32,
}

#[derive(Debug, Default)]
pub struct ClassInfo {
    pub name: String,
    pub fields: Vec<FieldInfo>,
    pub field_index: FxHashMap<Sym, u32>,
    pub methods: FxHashMap<Sym, MethodRef>,
    /// Every box this one delegates to, directly or not.
    pub ancestors: Vec<ClassId>,
    /// `from StringBox` and the like: unknown methods are forwarded to the inner value.
    pub builtin_parent: Option<String>,
    pub fini: Option<FuncId>,
}

/// Names the runtime itself looks for, interned first so their ids are constants.
pub const SYM_FINI: Sym = 0;
pub const SYM_TO_STRING: Sym = 1;
const WELL_KNOWN: [&str; 2] = ["fini", "toString"];

thread_local! {
    static CLASSES: RefCell<Vec<Rc<ClassInfo>>> = const { RefCell::new(Vec::new()) };
    static SYMBOLS: RefCell<Interner> = RefCell::new(Interner::with_well_known());
}

#[derive(Default)]
struct Interner {
    ids: FxHashMap<Rc<str>, Sym>,
    names: Vec<Rc<str>>,
}

impl Interner {
    fn with_well_known() -> Interner {
        let mut i = Interner::default();
        for name in WELL_KNOWN {
            let name: Rc<str> = name.into();
            i.ids.insert(name.clone(), i.names.len() as Sym);
            i.names.push(name);
        }
        i
    }
}

pub fn intern(name: &str) -> Sym {
    SYMBOLS.with(|s| {
        let mut s = s.borrow_mut();
        if let Some(&id) = s.ids.get(name) {
            return id;
        }
        let id = s.names.len() as Sym;
        let name: Rc<str> = name.into();
        s.names.push(name.clone());
        s.ids.insert(name, id);
        id
    })
}

pub fn sym_name(sym: Sym) -> Rc<str> {
    SYMBOLS.with(|s| s.borrow().names[sym as usize].clone())
}

/// Register a box; ids are handed out in registration order.
pub fn define(mut info: ClassInfo) -> ClassId {
    info.field_index = info.fields.iter().enumerate().map(|(i, f)| (f.name, i as u32)).collect();
    CLASSES.with(|c| {
        let mut c = c.borrow_mut();
        c.push(Rc::new(info));
        c.len() as ClassId - 1
    })
}

/// Forget every box (a new program is about to be loaded on this thread).
pub fn reset() {
    CLASSES.with(|c| c.borrow_mut().clear());
}

pub fn get(id: ClassId) -> Rc<ClassInfo> {
    CLASSES.with(|c| c.borrow()[id as usize].clone())
}

/// Read a class. `f` runs while the registry is borrowed: it must not run user code.
pub fn with<R>(id: ClassId, f: impl FnOnce(&ClassInfo) -> R) -> R {
    CLASSES.with(|c| f(&c.borrow()[id as usize]))
}

pub fn name(id: ClassId) -> String {
    with(id, |c| c.name.clone())
}

/// Is `class` the box `ancestor` or a box delegating to it?
pub fn is_a(class: ClassId, ancestor: ClassId) -> bool {
    class == ancestor || with(class, |c| c.ancestors.contains(&ancestor))
}

/// Every interned name, in interning order (so that another process interning them in
/// this order gets the same ids).
pub fn symbols() -> Vec<String> {
    SYMBOLS.with(|s| s.borrow().names.iter().map(|n| n.to_string()).collect())
}
