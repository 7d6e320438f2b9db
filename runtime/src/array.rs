//! ArrayBox storage: a growable array of values whose pointer and length sit at defined
//! offsets, so compiled code reads and writes elements in place (see `ITEMS_*_OFFSET`).
//!
//! An array that has only ever held Integers is *packed*: its elements are bare `i64`s,
//! half the memory of value words, and writing one releases nothing, so a store needs no
//! load of what it replaces (a sieve's inner loop is then a plain store, as in C). The
//! first element of another kind, or any method other than `get`, `set`, `push` and
//! `length`, unpacks it into value words once and for good; no behaviour depends on it.
//!
//! The runtime borrows the value words as a `Vec` (shared or exclusive, checked as a
//! `RefCell` does), rebuilt from the raw parts for the borrow's duration and written back
//! when an exclusive borrow ends. As everywhere in the runtime, no borrow is held while
//! user code runs, so compiled code never meets one.

use crate::value::Value;
use std::cell::Cell;
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};

#[repr(C)]
pub struct Items {
    /// A `Vec<Value>`'s buffer, or a `Vec<i64>`'s while packed.
    ptr: Cell<*mut u8>,
    len: Cell<usize>,
    cap: Cell<usize>,
    /// Shared borrows in progress, or -1 for an exclusive one.
    borrows: Cell<isize>,
    /// 1 while packed, else 0 (a whole word, which compiled code tests).
    packed: Cell<usize>,
}

/// Where compiled code finds an array's element pointer, length and capacity (it appends
/// in place while the length is below the capacity), from the address a
/// box value's payload holds (the header, then `Obj`'s tag word). A test checks them.
pub const ITEMS_PTR_OFFSET: i32 = 24;
pub const ITEMS_LEN_OFFSET: i32 = 32;
pub const ITEMS_CAP_OFFSET: i32 = 40;
pub const ITEMS_PACKED_OFFSET: i32 = 56;

/// An element in place: a bare Integer of a packed array, or a value word.
pub enum Element {
    Packed(*mut i64),
    Boxed(*mut Value),
}

impl Items {
    /// The array of `values`, packed if they are all Integers (an empty one is).
    pub fn new(values: Vec<Value>) -> Items {
        let items = Items {
            ptr: Cell::new(std::ptr::null_mut()),
            len: Cell::new(0),
            cap: Cell::new(0),
            borrows: Cell::new(0),
            packed: Cell::new(0),
        };
        let ints: Option<Vec<i64>> =
            values.iter().map(|v| if let Value::Int(n) = v { Some(*n) } else { None }).collect();
        match ints {
            Some(ints) => items.store_ints(ints),
            None => items.store_values(values),
        }
        items
    }

    fn store_parts<T>(&self, vec: Vec<T>) {
        let mut vec = ManuallyDrop::new(vec);
        self.ptr.set(vec.as_mut_ptr() as *mut u8);
        self.len.set(vec.len());
        self.cap.set(vec.capacity());
    }

    fn store_values(&self, values: Vec<Value>) {
        self.store_parts(values);
        self.packed.set(0);
    }

    fn store_ints(&self, ints: Vec<i64>) {
        self.store_parts(ints);
        self.packed.set(1);
    }

    pub fn is_packed(&self) -> bool {
        self.packed.get() != 0
    }

    /// The elements as a `Vec` of `T` (`i64` while packed, `Value` otherwise), which the
    /// caller must not let drop.
    ///
    /// # Safety
    /// `T` is the elements' type, and the parts are a live `Vec`'s (see `store_parts`);
    /// the result aliases the array, so only one exclusive or several shared views may
    /// exist at a time.
    unsafe fn view<T>(&self) -> ManuallyDrop<Vec<T>> {
        ManuallyDrop::new(Vec::from_raw_parts(self.ptr.get() as *mut T, self.len.get(), self.cap.get()))
    }

    /// Turn a packed array into value words, for good.
    fn unpack(&self) {
        if self.is_packed() {
            assert!(self.borrows.get() == 0, "ArrayBox unpacked while it is borrowed");
            // SAFETY: packed, and no view exists.
            let ints = ManuallyDrop::into_inner(unsafe { self.view::<i64>() });
            self.store_values(ints.into_iter().map(Value::Int).collect());
        }
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
    pub fn element(&self, i: i64) -> Option<Element> {
        if self.borrows.get() != 0 || i < 0 || i as usize >= self.len.get() {
            return None;
        }
        // SAFETY: in bounds of the live buffer, whose elements are as `packed` says.
        Some(unsafe {
            if self.is_packed() {
                Element::Packed((self.ptr.get() as *mut i64).add(i as usize))
            } else {
                Element::Boxed((self.ptr.get() as *mut Value).add(i as usize))
            }
        })
    }

    /// Append `value`: in place while packed and `value` is an Integer.
    #[inline]
    pub fn push(&self, value: Value) {
        if let Value::Int(n) = value {
            if self.is_packed() && self.borrows.get() == 0 && self.len.get() < self.cap.get() {
                // SAFETY: packed, no view exists, and the buffer has room for one more.
                unsafe { *(self.ptr.get() as *mut i64).add(self.len.get()) = n };
                self.len.set(self.len.get() + 1);
                return;
            }
        }
        self.push_growing(value)
    }

    /// `push` where the array must grow or unpack.
    #[inline(never)]
    fn push_growing(&self, value: Value) {
        match value {
            Value::Int(n) if self.is_packed() && self.borrows.get() == 0 => {
                // SAFETY: packed, and no view exists; the parts go back below.
                let mut ints = unsafe { self.view::<i64>() };
                ints.push(n);
                self.store_ints(ManuallyDrop::into_inner(ints));
            }
            value => self.borrow_mut().push(value),
        }
    }

    /// A copy of the elements as values, leaving a packed array packed.
    pub fn snapshot(&self) -> Vec<Value> {
        if self.is_packed() {
            // SAFETY: packed; the view is only read.
            unsafe { self.view::<i64>() }.iter().map(|&n| Value::Int(n)).collect()
        } else {
            self.borrow().clone()
        }
    }

    /// The value words, unpacked first if need be.
    pub fn borrow(&self) -> ItemsRef<'_> {
        self.unpack();
        assert!(self.borrows.get() >= 0, "ArrayBox borrowed while it is being changed");
        self.borrows.set(self.borrows.get() + 1);
        // SAFETY: not packed, and only shared views exist now.
        ItemsRef { items: self, vec: unsafe { self.view() } }
    }

    /// The value words to change, unpacked first if need be.
    pub fn borrow_mut(&self) -> ItemsMut<'_> {
        self.unpack();
        assert!(self.borrows.get() == 0, "ArrayBox changed while it is borrowed");
        self.borrows.set(-1);
        // SAFETY: not packed, and no other view exists.
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
        // SAFETY: nothing else can view the array any more; the view's type is as
        // `packed` says.
        unsafe {
            if self.is_packed() {
                ManuallyDrop::drop(&mut self.view::<i64>());
            } else {
                crate::release::release(ManuallyDrop::into_inner(self.view()));
            }
        }
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
        let vec = std::mem::take(&mut *self.vec);
        self.items.store_values(vec);
        self.items.borrows.set(0);
    }
}
