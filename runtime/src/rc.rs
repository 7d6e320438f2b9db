//! Reference-counted heap boxes with a header the runtime owns.
//!
//! Every heap value (a string or a box) is one allocation that starts with a [`Header`]:
//! the strong count at offset 0 and the class id at offset 8, so compiled code counts
//! references and reads a receiver's class with one load each, at offsets this module
//! exports ([`STRONG_OFFSET`], [`CLASS_OFFSET`]) and checks in its tests. Programs are
//! single-threaded, so the counts are plain cells.
//!
//! Weak references (weak fields) follow std's `Rc`: the strong references together hold
//! one weak count, so the allocation outlives the body's drop (which may release the last
//! weak reference to itself) and is freed when the last weak count goes.

use std::cell::Cell;
use std::marker::PhantomData;
use std::ptr::NonNull;

/// The first words of every heap value.
#[repr(C)]
pub struct Header {
    strong: Cell<usize>,
    class: u32,
    weak: Cell<u32>,
}

/// Where compiled code finds the strong count and the class id, from the address a
/// value's payload holds.
pub const STRONG_OFFSET: i32 = 0;
pub const CLASS_OFFSET: i32 = 8;

#[repr(C)]
struct HeapBox<T> {
    header: Header,
    body: T,
}

/// What a heap value's body does when its last strong reference goes.
pub trait Body: Sized {
    /// Give up everything the body holds. By default, drop it; a body may take a shorter
    /// path for its common kinds, which every release of such a box runs.
    ///
    /// # Safety
    /// `this` is a live body that nothing reaches any more and that is not used again.
    #[inline(always)]
    unsafe fn release(this: *mut Self) {
        std::ptr::drop_in_place(this)
    }
}

/// A counted reference to a heap `T`; the value word's payload is this pointer.
#[repr(transparent)]
pub struct Ref<T: Body> {
    ptr: NonNull<HeapBox<T>>,
    owns: PhantomData<HeapBox<T>>,
}

/// A weak reference: it keeps the allocation, not the body.
pub struct WeakRef<T> {
    ptr: NonNull<HeapBox<T>>,
}

impl<T: Body> Ref<T> {
    pub fn new(class: u32, body: T) -> Ref<T> {
        Ref::with_tail(class, 0, |_| body)
    }

    /// A box whose block has `tail` more bytes after the body, for the body to keep its
    /// parts in (an instance's fields): `body` is made knowing their address, which is
    /// 8-aligned. The block is freed whole, whatever its size.
    pub fn with_tail(class: u32, tail: usize, body: impl FnOnce(*mut u8) -> T) -> Ref<T> {
        const { assert!(std::mem::align_of::<HeapBox<T>>() <= 16 && std::mem::size_of::<HeapBox<T>>() % 8 == 0) };
        let header = Header { strong: Cell::new(1), class, weak: Cell::new(1) };
        // SAFETY: the block is large enough for the box and the tail, aligned for the box
        // (the allocator aligns blocks of 16 bytes and more to 16), and written before use.
        unsafe {
            let block = crate::block(std::mem::size_of::<HeapBox<T>>() + tail) as *mut HeapBox<T>;
            block.write(HeapBox { header, body: body(block.add(1) as *mut u8) });
            Ref { ptr: NonNull::new_unchecked(block), owns: PhantomData }
        }
    }

    fn header(&self) -> &Header {
        // SAFETY: a `Ref` keeps its allocation alive.
        unsafe { &self.ptr.as_ref().header }
    }

    pub fn class(&self) -> u32 {
        self.header().class
    }

    pub fn ptr_eq(a: &Ref<T>, b: &Ref<T>) -> bool {
        a.ptr == b.ptr
    }

    /// Is this the only strong reference (so that dropping it frees the body)?
    pub fn is_last(&self) -> bool {
        self.header().strong.get() == 1
    }

    /// The address, for identity (map keys).
    pub fn addr(&self) -> usize {
        self.ptr.as_ptr() as usize
    }

    pub fn downgrade(this: &Ref<T>) -> WeakRef<T> {
        let weak = &this.header().weak;
        weak.set(weak.get() + 1);
        WeakRef { ptr: this.ptr }
    }
}

impl<T: Body> std::ops::Deref for Ref<T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the body lives while a strong reference does.
        unsafe { &self.ptr.as_ref().body }
    }
}

impl<T: Body> Clone for Ref<T> {
    fn clone(&self) -> Ref<T> {
        let strong = &self.header().strong;
        strong.set(strong.get() + 1);
        Ref { ptr: self.ptr, owns: PhantomData }
    }
}

impl<T: Body> Drop for Ref<T> {
    /// Inline: most releases only count down. The last one calls out, so that no caller
    /// carries the body's destructor (and its stack frame) on the common path.
    #[inline(always)]
    fn drop(&mut self) {
        let strong = &self.header().strong;
        strong.set(strong.get() - 1);
        if strong.get() == 0 {
            // SAFETY: this was the last strong reference.
            unsafe { drop_last(self.ptr) }
        }
    }
}

/// Release the body and give up the strong references' weak count.
///
/// # Safety
/// The last strong reference to `ptr` just went away: nobody reaches the body any more
/// (weak references see a zero count), and the allocation stays until the weak count
/// goes below.
#[inline(never)]
unsafe fn drop_last<T: Body>(ptr: NonNull<HeapBox<T>>) {
    T::release(&mut (*ptr.as_ptr()).body);
    release_weak(ptr);
}

/// Give up one weak count; the last one frees the allocation.
///
/// # Safety
/// `ptr` must be a live allocation on which the caller holds a weak count.
unsafe fn release_weak<T>(ptr: NonNull<HeapBox<T>>) {
    let weak = &ptr.as_ref().header.weak;
    weak.set(weak.get() - 1);
    if weak.get() == 0 {
        crate::free_block(ptr.as_ptr() as *mut u8);
    }
}

impl<T: Body> WeakRef<T> {
    /// The box, if a strong reference still holds it.
    pub fn upgrade(&self) -> Option<Ref<T>> {
        // SAFETY: a weak reference keeps the allocation (and so the header) alive.
        let strong = unsafe { &self.ptr.as_ref().header.strong };
        if strong.get() == 0 {
            return None;
        }
        strong.set(strong.get() + 1);
        Some(Ref { ptr: self.ptr, owns: PhantomData })
    }
}

impl<T> Drop for WeakRef<T> {
    fn drop(&mut self) {
        // SAFETY: this weak reference holds a weak count.
        unsafe { release_weak(self.ptr) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn header_offsets_are_what_compiled_code_reads() {
        impl Body for u64 {}
        let r = Ref::new(77, 5u64);
        let base = r.ptr.as_ptr() as *const u8;
        unsafe {
            assert_eq!(*(base.add(STRONG_OFFSET as usize) as *const usize), 1);
            assert_eq!(*(base.add(CLASS_OFFSET as usize) as *const u32), 77);
        }
        let copy = r.clone();
        assert_eq!(unsafe { *(base as *const usize) }, 2);
        drop(copy);
        assert_eq!(r.header().strong.get(), 1);
    }

    #[test]
    fn weak_references_outlive_the_body_and_free_the_allocation() {
        let dropped = Rc::new(Cell::new(0));
        struct Counted(Rc<Cell<i32>>);
        impl Body for Counted {}
        impl Drop for Counted {
            fn drop(&mut self) {
                self.0.set(self.0.get() + 1);
            }
        }
        let r = Ref::new(0, Counted(dropped.clone()));
        let w = Ref::downgrade(&r);
        assert!(w.upgrade().is_some());
        drop(r);
        assert_eq!(dropped.get(), 1);
        assert!(w.upgrade().is_none());
        drop(w);
    }
}
