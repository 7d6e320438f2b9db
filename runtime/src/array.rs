//! ArrayBox storage: a growable array of values whose pointer and length sit at defined
//! offsets, so compiled code reads and writes elements in place (see `ITEMS_*_OFFSET`).
//!
//! The runtime borrows it as a `Vec` (shared or exclusive, checked as a `RefCell` does),
//! rebuilt from the raw parts for the borrow's duration and written back when an
//! exclusive borrow ends. As everywhere in the runtime, no borrow is held while user code
//! runs, so compiled code never meets one.

use crate::value::Value;
use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

#[repr(C)]
pub struct Items {
    ptr: Cell<*mut Value>,
    len: Cell<usize>,
    cap: Cell<usize>,
    /// Shared borrows in progress, or -1 for an exclusive one.
    borrows: Cell<isize>,
}

/// Where compiled code finds an array's element pointer, length and capacity (it appends
/// in place while the length is below the capacity), from the address a
/// box value's payload holds (the header, then `Obj`'s tag word). A test checks them.
pub const ITEMS_PTR_OFFSET: i32 = 24;
pub const ITEMS_LEN_OFFSET: i32 = 32;
pub const ITEMS_CAP_OFFSET: i32 = 40;

impl Items {
    pub fn new(values: Vec<Value>) -> Items {
        let mut values = ManuallyDrop::new(values);
        Items {
            ptr: Cell::new(values.as_mut_ptr()),
            len: Cell::new(values.len()),
            cap: Cell::new(values.capacity()),
            borrows: Cell::new(0),
        }
    }

    /// The elements as a `Vec`, which the caller must not let drop.
    ///
    /// # Safety
    /// The parts are a live `Vec`'s (see `new` and `ItemsMut::drop`); the result aliases
    /// the array, so only one exclusive or several shared views may exist at a time.
    unsafe fn view(&self) -> ManuallyDrop<Vec<Value>> {
        ManuallyDrop::new(Vec::from_raw_parts(self.ptr.get(), self.len.get(), self.cap.get()))
    }

    pub fn len(&self) -> usize {
        self.len.get()
    }

    pub fn is_empty(&self) -> bool {
        self.len.get() == 0
    }

    /// Element `i` in place, for the executors' hot paths, as compiled code reaches it:
    /// `None` out of range or while a borrow is active (never, in practice: see the
    /// module comment). The pointer is good until the array next changes.
    pub fn element(&self, i: i64) -> Option<*mut Value> {
        if self.borrows.get() != 0 || i < 0 || i as usize >= self.len.get() {
            return None;
        }
        // SAFETY: in bounds of the live buffer.
        Some(unsafe { self.ptr.get().add(i as usize) })
    }

    pub fn borrow(&self) -> ItemsRef<'_> {
        assert!(self.borrows.get() >= 0, "ArrayBox borrowed while it is being changed");
        self.borrows.set(self.borrows.get() + 1);
        // SAFETY: only shared views exist now.
        ItemsRef { items: self, vec: unsafe { self.view() } }
    }

    pub fn borrow_mut(&self) -> ItemsMut<'_> {
        assert!(self.borrows.get() == 0, "ArrayBox changed while it is borrowed");
        self.borrows.set(-1);
        // SAFETY: no other view exists.
        ItemsMut { items: self, vec: unsafe { self.view() } }
    }
}

impl Default for Items {
    fn default() -> Items {
        Items::new(Vec::new())
    }
}

impl Drop for Items {
    fn drop(&mut self) {
        // SAFETY: nothing else can view the array any more.
        crate::release::release(ManuallyDrop::into_inner(unsafe { self.view() }));
    }
}

pub struct ItemsRef<'a> {
    items: &'a Items,
    vec: ManuallyDrop<Vec<Value>>,
}

impl Deref for ItemsRef<'_> {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.vec
    }
}

impl Drop for ItemsRef<'_> {
    fn drop(&mut self) {
        self.items.borrows.set(self.items.borrows.get() - 1);
    }
}

pub struct ItemsMut<'a> {
    items: &'a Items,
    vec: ManuallyDrop<Vec<Value>>,
}

impl Deref for ItemsMut<'_> {
    type Target = Vec<Value>;
    fn deref(&self) -> &Vec<Value> {
        &self.vec
    }
}

impl DerefMut for ItemsMut<'_> {
    fn deref_mut(&mut self) -> &mut Vec<Value> {
        &mut self.vec
    }
}

impl Drop for ItemsMut<'_> {
    /// The `Vec` may have moved its buffer: its parts go back.
    fn drop(&mut self) {
        self.items.ptr.set(self.vec.as_mut_ptr());
        self.items.len.set(self.vec.len());
        self.items.cap.set(self.vec.capacity());
        self.items.borrows.set(0);
    }
}
