//! Operators and string forms (docs/LANGUAGE.md sections 3 and 4).

use crate::error::{err, Exception, RtResult};
use crate::object::Obj;
use crate::value::{format_float, Value};
use std::cell::RefCell;
use std::cmp::Ordering;

/// The arithmetic operators. The discriminants are the codes compiled code passes to
/// `nyrt_arith`; [`Arith::from_code`] checks them on the way back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Arith {
    Add = 0,
    Sub = 1,
    Mul = 2,
    Div = 3,
    Mod = 4,
}

impl Arith {
    const ALL: [Arith; 5] = [Arith::Add, Arith::Sub, Arith::Mul, Arith::Div, Arith::Mod];

    pub fn code(self) -> u32 {
        self as u32
    }

    pub fn from_code(code: u32) -> Option<Arith> {
        Self::ALL.get(code as usize).copied()
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Arith::Add => "+",
            Arith::Sub => "-",
            Arith::Mul => "*",
            Arith::Div => "/",
            Arith::Mod => "%",
        }
    }
}

/// The comparison operators; the discriminants are the codes of `nyrt_compare`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Cmp {
    Eq = 0,
    Ne = 1,
    Lt = 2,
    Le = 3,
    Gt = 4,
    Ge = 5,
}

impl Cmp {
    const ALL: [Cmp; 6] = [Cmp::Eq, Cmp::Ne, Cmp::Lt, Cmp::Le, Cmp::Gt, Cmp::Ge];

    pub fn code(self) -> u32 {
        self as u32
    }

    pub fn from_code(code: u32) -> Option<Cmp> {
        Self::ALL.get(code as usize).copied()
    }

    /// Whether an ordering satisfies the operator (`None`: unordered, as NaN is).
    fn holds(self, ordering: Option<Ordering>) -> bool {
        match self {
            Cmp::Eq => ordering == Some(Ordering::Equal),
            Cmp::Ne => ordering != Some(Ordering::Equal),
            Cmp::Lt => ordering == Some(Ordering::Less),
            Cmp::Le => matches!(ordering, Some(Ordering::Less | Ordering::Equal)),
            Cmp::Gt => ordering == Some(Ordering::Greater),
            Cmp::Ge => matches!(ordering, Some(Ordering::Greater | Ordering::Equal)),
        }
    }

    /// The operator on two Integers.
    #[inline]
    pub fn on_ints(self, a: i64, b: i64) -> bool {
        self.holds(Some(a.cmp(&b)))
    }

    /// The operator on two numbers as Floats (IEEE: NaN is unordered, so only `!=` holds).
    #[inline]
    pub fn on_floats(self, a: f64, b: f64) -> bool {
        self.holds(a.partial_cmp(&b))
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// The string form of a value; an instance's `toString()` may run user code and fail.
pub fn display(v: &Value) -> RtResult<String> {
    let mut out = String::new();
    write_display(v, &mut out)?;
    Ok(out)
}

/// `print(v)`: the string form and a newline on stdout.
pub fn print_line(v: &Value) -> RtResult<()> {
    let mut line = display(v)?;
    line.push('\n');
    crate::io::write_stdout(&line);
    Ok(())
}

/// The string form, for error messages: a failing `toString` falls back to the default.
pub fn display_lossy(v: &Value) -> String {
    display(v).unwrap_or_else(|_| format!("<{} instance>", v.type_name()))
}

fn write_display(v: &Value, out: &mut String) -> RtResult<()> {
    match v {
        Value::Void => out.push_str("void"),
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(n) => out.push_str(itoa::Buffer::new().format(*n)),
        Value::Float(f) => out.push_str(&format_float(*f)),
        Value::Str(s) => out.push_str(s.as_str()),
        Value::Obj(o) => match &**o {
            Obj::Array(_) | Obj::Map(_) if !Printing::enter(o.addr()) => {
                out.push_str(if matches!(&**o, Obj::Array(_)) { "[...]" } else { "{...}" })
            }
            Obj::Array(items) => {
                let _printing = Printing(o.addr());
                out.push('[');
                // A snapshot taken in a statement of its own: a borrow in the loop's head
                // would last through the loop, and an element's `toString` may change the
                // array.
                let snapshot = items.snapshot();
                for (i, item) in snapshot.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_display(item, out)?;
                }
                out.push(']');
            }
            Obj::Map(map) => {
                let _printing = Printing(o.addr());
                out.push('{');
                let entries = map.borrow().entries();
                for (i, (k, val)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_display(&k, out)?;
                    out.push_str(": ");
                    write_display(&val, out)?;
                }
                out.push('}');
            }
            Obj::Instance(inst) => {
                let to_string =
                    crate::class::with(inst.class, |c| c.methods.get(&crate::class::SYM_TO_STRING).copied());
                match (to_string, inst.inner()) {
                    (Some(m), _) if m.arity == 0 => {
                        let s = crate::hooks::call(m.func, vec![v.clone()])?;
                        write_display(&s, out)?;
                    }
                    (_, inner) if !matches!(inner, Value::Void) => write_display(&inner, out)?,
                    _ => {
                        out.push('<');
                        out.push_str(&o.type_name());
                        out.push_str(" instance>");
                    }
                }
            }
            Obj::Error(e) => {
                out.push_str("ErrorBox(");
                out.push_str(&e.message);
                out.push(')');
            }
            Obj::Caught(e) => write_display(&e.value, out)?,
            Obj::Json(doc) => out.push_str(&doc.borrow().to_string()),
            Obj::Regex(re) => out.push_str(&format!("RegexBox({})", re.as_str())),
            Obj::Buffer(bytes) => out.push_str(&format!("BufferBox({} bytes)", bytes.borrow().len())),
            Obj::Stream(s) => {
                let s = s.borrow();
                out.push_str(&format!("StreamBox({} bytes, position {})", s.bytes.len(), s.position));
            }
            other => {
                out.push_str(&other.type_name());
                out.push_str("()");
            }
        },
    }
    Ok(())
}

thread_local! {
    /// The containers whose string form is being written further up this thread's stack,
    /// through user `toString`s too (as Python's `repr` keeps them).
    static PRINTING: RefCell<Vec<usize>> = const { RefCell::new(Vec::new()) };
}

/// A container on [`PRINTING`] while its guard lives (also when an element's `toString`
/// fails): one met again inside itself prints as `[...]` or `{...}`.
struct Printing(usize);

impl Printing {
    /// Mark the container at `addr` as being printed; `false` if it already is. The
    /// guard that takes it off is made by the caller.
    fn enter(addr: usize) -> bool {
        PRINTING.with(|p| {
            let mut p = p.borrow_mut();
            let fresh = !p.contains(&addr);
            if fresh {
                p.push(addr);
            }
            fresh
        })
    }
}

impl Drop for Printing {
    fn drop(&mut self) {
        PRINTING.with(|p| p.borrow_mut().retain(|&a| a != self.0));
    }
}

fn unsupported(op: &str, a: &Value, b: &Value) -> Exception {
    Exception::runtime(format!("Unsupported operand types for '{op}': {} and {}", a.type_name(), b.type_name()))
}

/// `a + b` with a string on either side: one buffer, sized for both when both are
/// strings, written in place (no intermediate string forms).
fn concat(a: &Value, b: &Value) -> RtResult {
    // Room for the digits of a number too, so that the string is not grown on the way.
    let room = |v: &Value| v.as_str().map_or(24, str::len);
    let mut out = String::with_capacity(room(a) + room(b));
    let ascii = append_display(a, &mut out)? & append_display(b, &mut out)?;
    Ok(Value::str_of(out.into_boxed_str(), ascii))
}

/// Append `v` as `print` shows it; whether what was appended is ASCII (known for a
/// string, scanned only for the rest).
fn append_display(v: &Value, out: &mut String) -> RtResult<bool> {
    if let Value::Str(s) = v {
        out.push_str(s.as_str());
        return Ok(s.is_ascii());
    }
    let start = out.len();
    write_display(v, out)?;
    Ok(out[start..].is_ascii())
}

/// Integers and bools as integers (bools count as 0/1 in `+ - *`).
fn as_int_like(v: &Value) -> Option<i64> {
    match v {
        Value::Int(n) => Some(*n),
        Value::Bool(b) => Some(*b as i64),
        _ => None,
    }
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Int(n) => Some(*n as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Largest string a single operation may build: past it, an allocation failure would
/// abort the program instead of raising an error.
const MAX_STRING_BYTES: u64 = 1 << 31;

/// The slow path of every arithmetic operator (the executors inline Integer op Integer).
pub fn arith(op: Arith, a: &Value, b: &Value) -> RtResult {
    if let (Value::Int(x), Value::Int(y)) = (a, b) {
        return int_arith(op, *x, *y);
    }
    if op == Arith::Add && (matches!(a, Value::Str(_)) || matches!(b, Value::Str(_))) {
        return concat(a, b);
    }
    if op == Arith::Mul {
        if let (Value::Str(s), Value::Int(n)) = (a, b) {
            if *n < 0 {
                return err("Negative string repeat count");
            }
            let too_large = (*n as u64).checked_mul(s.as_str().len() as u64).is_none_or(|len| len > MAX_STRING_BYTES);
            if too_large {
                return err(format!("String repeat too large: {n} copies of {} bytes", s.as_str().len()));
            }
            return Ok(Value::str(s.as_str().repeat(*n as usize)));
        }
    }
    if let Some((x, y)) = float_operands(a, b) {
        return Ok(Value::Float(float_op(op, x, y)));
    }
    if matches!(op, Arith::Add | Arith::Sub | Arith::Mul) {
        if let (Some(x), Some(y)) = (as_int_like(a), as_int_like(b)) {
            return int_arith(op, x, y);
        }
    }
    Err(unsupported(op.symbol(), a, b))
}

/// Integer op Integer: the one definition every backend's inline path follows.
#[inline]
pub fn int_arith(op: Arith, x: i64, y: i64) -> RtResult {
    int_op(op, x, y).map(Value::Int)
}

/// Integer op Integer, as the number.
#[inline]
pub fn int_op(op: Arith, x: i64, y: i64) -> RtResult<i64> {
    Ok(match op {
        Arith::Add => x.wrapping_add(y),
        Arith::Sub => x.wrapping_sub(y),
        Arith::Mul => x.wrapping_mul(y),
        Arith::Div if y == 0 => return err("Division by zero"),
        Arith::Div => x.wrapping_div(y),
        Arith::Mod if y == 0 => return err("Modulo by zero"),
        Arith::Mod => x.wrapping_rem(y),
    })
}

/// A Float result (either operand a Float, the other a number): IEEE arithmetic, no
/// error.
#[inline]
pub fn float_op(op: Arith, x: f64, y: f64) -> f64 {
    match op {
        Arith::Add => x + y,
        Arith::Sub => x - y,
        Arith::Mul => x * y,
        Arith::Div => x / y,
        Arith::Mod => x % y,
    }
}

/// The two operands as Floats when the result of an arithmetic operator or comparison
/// on them is a Float one: either is a Float and the other a number.
#[inline]
pub fn float_operands(a: &Value, b: &Value) -> Option<(f64, f64)> {
    match (a, b) {
        (Value::Float(x), Value::Float(y)) => Some((*x, *y)),
        (Value::Float(x), Value::Int(y)) => Some((*x, *y as f64)),
        (Value::Int(x), Value::Float(y)) => Some((*x as f64, *y)),
        _ => None,
    }
}

pub fn negate(v: &Value) -> RtResult {
    match v {
        Value::Int(n) => Ok(Value::Int(n.wrapping_neg())),
        Value::Float(f) => Ok(Value::Float(-f)),
        other => err(format!("Unsupported operand type for unary '-': {}", other.type_name())),
    }
}

/// `== != < <= > >=`; only the ordering ones can fail.
pub fn compare(op: Cmp, a: &Value, b: &Value) -> RtResult {
    let ordering = match op {
        Cmp::Eq => return Ok(Value::Bool(equals(a, b))),
        Cmp::Ne => return Ok(Value::Bool(!equals(a, b))),
        _ => order(a, b).ok_or_else(|| {
            Exception::runtime(format!("Cannot compare {} and {} with '{}'", a.type_name(), b.type_name(), op.symbol()))
        })?,
    };
    Ok(Value::Bool(op.holds(ordering)))
}

/// `Some(None)` for comparable values that are unordered (NaN).
fn order(a: &Value, b: &Value) -> Option<Option<Ordering>> {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => Some(Some(x.cmp(y))),
        (Value::Str(x), Value::Str(y)) => Some(Some(x.as_str().cmp(y.as_str()))),
        _ => Some(as_number(a)?.partial_cmp(&as_number(b)?)),
    }
}

/// `==`: never fails (docs/LANGUAGE.md section 3).
pub fn equals(a: &Value, b: &Value) -> bool {
    equals_within(a, b, &mut Vec::new())
}

/// `==` inside the comparison of the container pairs in `comparing`: a pair met again is
/// taken as equal (whatever else differs shows elsewhere), so self-containing containers
/// compare in finite time.
fn equals_within(a: &Value, b: &Value, comparing: &mut Vec<(usize, usize)>) -> bool {
    match (a, b) {
        (Value::Int(x), Value::Int(y)) => x == y,
        (Value::Str(x), Value::Str(y)) => x.as_str() == y.as_str(),
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null | Value::Void, Value::Null | Value::Void) => true,
        (Value::Int(_) | Value::Float(_), Value::Int(_) | Value::Float(_)) => as_number(a) == as_number(b),
        (Value::Obj(x), Value::Obj(y)) => {
            let pair = (x.addr(), y.addr());
            if crate::rc::Ref::ptr_eq(x, y) || comparing.contains(&pair) {
                return true;
            }
            comparing.push(pair);
            let equal = match (&**x, &**y) {
                (Obj::Array(p), Obj::Array(q)) => {
                    let (p, q) = (p.borrow(), q.borrow());
                    p.len() == q.len() && p.iter().zip(q.iter()).all(|(u, v)| equals_within(u, v, comparing))
                }
                (Obj::Map(p), Obj::Map(q)) => {
                    let (p, q) = (p.borrow(), q.borrow());
                    p.len() == q.len()
                        && p.iter().all(|(k, v)| q.value_like(k).is_some_and(|w| equals_within(v, w, comparing)))
                }
                _ => false,
            };
            comparing.pop();
            equal
        }
        _ => false,
    }
}

/// Ordering for `ArrayBox.sort()`: numbers by value before strings, strings
/// lexicographically, everything else after, in its original order.
pub fn sort_order(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Int(_) | Value::Float(_) => 0,
            Value::Str(_) => 1,
            _ => 2,
        }
    }
    match (rank(a), rank(b)) {
        (0, 0) => as_number(a).unwrap_or(0.0).total_cmp(&as_number(b).unwrap_or(0.0)),
        (1, 1) => a.as_str().cmp(&b.as_str()),
        (x, y) => x.cmp(&y),
    }
}
