//! Differential testing: random programs, each run on every backend, must behave
//! byte-identically (stdout, stderr, exit status). The programs mix value types in
//! arithmetic and comparisons (so that fast and slow paths both run), with Integers at
//! the wrapping edges, NaN and infinities and non-ASCII strings; raise and catch errors,
//! also through several frames with `finally`; overwrite variables holding boxes with
//! `fini` (so that release order shows in the output); call overridden methods through
//! `from P.m()` over three levels of delegation, a static box, weak fields whose target
//! goes away, ArrayBox and MapBox with mixed elements; and loop long enough for the JIT
//! to move a running loop to machine code.
//!
//! Seeds are fixed: a failure names its seed, and `NYASH_DIFF_SEED=N` reruns one program
//! (printing it); `NYASH_DIFF_PROGRAMS=N` tries more programs than the default (`make
//! differential` runs 10,000).

use std::fmt::Write;
use std::process::Command;

const PROGRAMS: u64 = 40;

const CATCH: &str = "} catch (e) {";
const REPORT: &str = "print(\"caught \" + e.message())";

const BACKENDS: &[&[&str]] = &[
    &["run", "--emit", "vm"],
    &["run", "--emit", "jit", "--jit-threshold", "0"],
    &["run", "--emit", "jit", "--jit-threshold", "3"],
    &["run", "--emit", "exe"],
];

/// xorshift64*: small, deterministic, good enough to pick program shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

struct Generator {
    rng: Rng,
    out: String,
    indent: usize,
    /// Variables in scope that statements may assign (loop counters excluded).
    vars: Vec<String>,
    fresh: usize,
    /// Inside a loop long enough for the JIT: only statements that cannot make values
    /// grow (a string doubled 1,200 times would need more memory than there is).
    hot: bool,
}

impl Generator {
    fn new(seed: u64) -> Generator {
        Generator {
            rng: Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1),
            out: String::new(),
            indent: 0,
            vars: vec![],
            fresh: 0,
            hot: false,
        }
    }

    fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("{prefix}{}", self.fresh)
    }

    fn line(&mut self, text: &str) {
        let _ = writeln!(self.out, "{}{}", "    ".repeat(self.indent), text);
    }

    fn literal(&mut self) -> String {
        match self.rng.below(16) {
            0..=8 => format!("{}", self.rng.below(40) as i64 - 8),
            9 | 10 => format!("{}.5", self.rng.below(9)),
            11 | 12 => format!("\"s{}\"", self.rng.below(5)),
            13 => ["true", "false"][self.rng.below(2) as usize].to_string(),
            14 => "null".to_string(),
            _ => {
                const EDGES: &[&str] = &[
                    "9223372036854775807",
                    "(-9223372036854775807 - 1)",
                    "(0.0 / 0.0)",
                    "(1.0 / 0.0)",
                    "(-1.0 / 0.0)",
                    "1e308",
                    "\"héllo\"",
                    "\"日本\"",
                    "\"\"",
                ];
                EDGES[self.rng.below(EDGES.len() as u64) as usize].to_string()
            }
        }
    }

    fn expr(&mut self, depth: u32) -> String {
        if depth == 0 || self.rng.chance(25) {
            return if !self.vars.is_empty() && self.rng.chance(60) {
                self.vars[self.rng.below(self.vars.len() as u64) as usize].clone()
            } else {
                self.literal()
            };
        }
        match self.rng.below(24) {
            0..=4 => {
                const OPS: &[&str] = &["+", "-", "*", "/", "%", "==", "!=", "<", ">", "<=", ">=", "and", "or"];
                let op = OPS[self.rng.below(OPS.len() as u64) as usize];
                format!("({} {op} {})", self.expr(depth - 1), self.expr(depth - 1))
            }
            5 => format!("not {}", self.expr(depth - 1)),
            6 => format!("-{}", self.expr(depth - 1)),
            7 => format!("mix({}, {})", self.expr(depth - 1), self.expr(depth - 1)),
            8 => format!("maybe({})", self.expr(depth - 1)),
            // In a hot loop, `counter.add(counter.add(s))` would double a string 1,200 times:
            // a constant argument makes it grow by one piece an iteration instead.
            9 if self.hot => format!("counter.add({})", self.literal()),
            9 => format!("counter.add({})", self.expr(depth - 1)),
            10 => format!("items.get({})", self.expr(depth - 1)),
            11 => "items.length()".to_string(),
            12 => format!("new Tracker(\"f{}\").name", self.rng.below(9)),
            13 => format!("mix(new Quiet(), {})", self.expr(depth - 1)),
            14 => format!("new Square(\"q{}\").describe()", self.rng.below(9)),
            15 => format!("new Tiny({}).describe()", self.expr(depth - 1)),
            16 => format!("Registry.note({}, {})", self.expr(depth - 1), self.expr(depth - 1)),
            17 => format!("names.get({})", self.expr(depth - 1)),
            18 => format!("(\"été\" + {}).length()", self.expr(depth - 1)),
            19 => format!("deep({})", self.rng.below(4)),
            20 => "items".to_string(),
            21 => "names".to_string(),
            22 => "Registry.count".to_string(),
            _ => format!("new Tracker(\"x{}\").get()", self.rng.below(9)),
        }
    }

    fn block(&mut self, statements: u64, depth: u32) {
        self.indent += 1;
        for _ in 0..statements {
            self.statement(depth);
        }
        self.indent -= 1;
    }

    fn statement(&mut self, depth: u32) {
        let choice = match (self.hot, depth) {
            (true, _) => [0, 2, 3][self.rng.below(3) as usize],
            (false, 0) => self.rng.below(4),
            (false, _) => self.rng.below(13),
        };
        match choice {
            0 => {
                let v = self.name("v");
                let e = self.expr(3);
                self.line(&format!("local {v} = {e}"));
                self.vars.push(v);
            }
            1 if !self.vars.is_empty() => {
                let v = self.vars[self.rng.below(self.vars.len() as u64) as usize].clone();
                let e = if self.rng.chance(30) { format!("new Tracker(\"{v}\")") } else { self.expr(3) };
                self.line(&format!("{v} = {e}"));
            }
            2 | 1 => {
                let e = self.expr(3);
                self.line(&format!("print({e})"));
            }
            3 => {
                let v = self.name("t");
                self.line(&format!("local {v} = new Tracker(\"{v}\")"));
                self.vars.push(v);
            }
            4 => {
                let e = self.expr(2);
                self.line(&format!("if {e} {{"));
                self.block(2, depth - 1);
                self.line("} else {");
                self.block(1, depth - 1);
                self.line("}");
            }
            5 => {
                let (i, n) = (self.name("i"), if self.rng.chance(20) { 1200 } else { self.rng.below(4) });
                self.line(&format!("local {i} = 0"));
                self.line(&format!("loop({i} < {n}) {{"));
                self.indent += 1;
                self.line(&format!("{i} = {i} + 1"));
                if self.rng.chance(40) {
                    let (e, jump) = (self.expr(1), ["break", "continue"][self.rng.below(2) as usize]);
                    self.line(&format!("if {e} {{ {jump} }}"));
                }
                self.indent -= 1;
                let was_hot = self.hot;
                self.hot |= n > 100;
                self.block(2, depth - 1);
                self.hot = was_hot;
                self.line("}");
            }
            6 => {
                let e = self.expr(2);
                self.line(&format!("items.push({e})"));
            }
            7 => self.try_block(2, depth - 1, "} finally {", "print(\"finally\")"),
            8 => {
                let (k, v) = (self.expr(2), self.expr(2));
                self.line(&format!("names.set({k}, {v})"));
            }
            9 if !self.vars.is_empty() => {
                // A weak field whose target may go away while the holder lives on.
                let (w, target) = (self.name("w"), self.vars[self.rng.below(self.vars.len() as u64) as usize].clone());
                self.line(&format!("local {w} = new Tiny(\"{w}\")"));
                self.line(&format!("{w}.owner = {target}"));
                self.line(&format!("{target} = null"));
                self.line(&format!("print({w}.describe())"));
                self.vars.push(w);
            }
            10 => {
                let e = self.expr(2);
                self.line(&format!("items.push(new Square({e}))"));
            }
            _ => self.try_block(3, depth - 1, CATCH, REPORT),
        }
    }

    /// `try { statements } <clause> <handler statement> }`.
    fn try_block(&mut self, statements: u64, depth: u32, clause: &str, handler: &str) {
        self.line("try {");
        self.block(statements, depth);
        self.line(clause);
        self.indent += 1;
        self.line(handler);
        self.indent -= 1;
        self.line("}");
    }

    fn program(mut self) -> String {
        self.out.push_str(
            "box Tracker {\n    init { name }\n    birth(name) { me.name = name }\n    \
             fini() { print(\"fini \" + me.name) }\n    get() { return me.name }\n}\n\n\
             function mix(a, b) {\n    if a == b { return a }\n    return b\n}\n\n\
             function maybe(x) {\n    if x == 3 { throw \"three\" }\n    return x\n}\n\n\
             box Quiet {\n    fini() {\n        try {\n            throw \"quiet\"\n        } catch (e) {\n            \
             print(\"fini caught \" + e.message())\n        }\n    }\n}\n\n\
             box Counter {\n    init { n }\n    birth() { me.n = 0 }\n    \
             add(x) {\n        me.n = me.n + x\n        return me.n\n    }\n}\n\n\
             box Shape {\n    init { tag }\n    birth(t) { me.tag = t }\n    \
             describe() { return \"shape \" + me.tag }\n    fini() { print(\"fini shape \" + me.tag) }\n}\n\n\
             box Square from Shape {\n    override describe() { return \"square>\" + from Shape.describe() }\n}\n\n\
             box Tiny from Square {\n    init { weak owner }\n    \
             override describe() { return \"tiny>\" + from Square.describe() + \" of \" + me.owner }\n}\n\n\
             static box Registry {\n    init { count, seen }\n    static {\n        me.count = 0\n        \
             me.seen = new MapBox()\n    }\n    \
             note(k, v) {\n        me.count = me.count + 1\n        me.seen.set(k, v)\n        return me.seen.size()\n    }\n}\n\n\
             function deep(n) {\n    if n <= 0 { throw \"deep\" }\n    try {\n        return deep(n - 1)\n    } \
             finally {\n        print(\"unwind \" + n)\n    }\n}\n\n\
             static box Main {\n    main() {\n        local counter = new Counter()\n        \
             local items = new ArrayBox()\n        local names = new MapBox()\n",
        );
        self.indent = 2;
        for _ in 0..12 {
            // Most statements are guarded, so that one error does not end the program.
            if self.rng.chance(60) {
                self.try_block(1, 2, CATCH, REPORT);
            } else {
                self.statement(2);
            }
        }
        self.out.push_str("        return 0\n    }\n}\n");
        self.out
    }
}

struct Outcome {
    stdout: String,
    stderr: String,
    status: Option<i32>,
}

fn run(path: &std::path::Path, backend: &[&str]) -> Outcome {
    let out = Command::new(env!("CARGO_BIN_EXE_nyashc")).args(backend).arg(path).output().expect("nyashc runs");
    Outcome {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        status: out.status.code(),
    }
}

fn check(seed: u64) -> Result<(), String> {
    let source = Generator::new(seed).program();
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join(format!("random{seed}.nyash"));
    std::fs::write(&path, &source).map_err(|e| e.to_string())?;
    let reference = run(&path, BACKENDS[0]);
    if reference.stderr.contains("panicked") || reference.stderr.contains("internal compiler error") {
        return Err(format!("seed {seed}: the VM crashed:\n{}\n{source}", reference.stderr));
    }
    for backend in &BACKENDS[1..] {
        let other = run(&path, backend);
        if (&other.stdout, &other.stderr, other.status) != (&reference.stdout, &reference.stderr, reference.status) {
            return Err(format!(
                "seed {seed}: `{}` differs from `{}`\n--- program\n{source}--- vm\n{}{}{:?}\n--- other\n{}{}{:?}",
                backend.join(" "),
                BACKENDS[0].join(" "),
                reference.stdout,
                reference.stderr,
                reference.status,
                other.stdout,
                other.stderr,
                other.status
            ));
        }
    }
    Ok(())
}

#[test]
fn random_programs_behave_alike_on_every_backend() {
    if let Some(seed) = std::env::var("NYASH_DIFF_SEED").ok().and_then(|s| s.parse().ok()) {
        println!("{}", Generator::new(seed).program());
        check(seed).unwrap();
        return;
    }
    let programs = std::env::var("NYASH_DIFF_PROGRAMS").ok().and_then(|s| s.parse().ok()).unwrap_or(PROGRAMS);
    // One worker per core, each taking every `workers`th seed.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get() as u64);
    let failures: Vec<String> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..workers)
            .map(|w| {
                scope.spawn(move || {
                    (w..programs).step_by(workers as usize).filter_map(|seed| check(seed).err()).collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("a worker finished")).collect()
    });
    assert!(failures.is_empty(), "{} of {programs} programs differ:\n{}", failures.len(), failures.join("\n\n"));
}
