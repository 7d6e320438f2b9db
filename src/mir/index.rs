//! Declarations before bodies: every box, function and global of the program, numbered
//! and flattened, with the declaration-level checks of docs/LANGUAGE.md section 6 (duplicate
//! definitions, unknown parents, delegation cycles, `override` rules, interfaces).

use super::known::KnownBoxes;
use super::{BoxId, FieldDef, FuncId, MethodDef};
use crate::diag::Diagnostic;
use crate::syntax::ast::{self, BoxDecl, Item, StmtKind};
use nyash_runtime::boxes::{is_builtin_box, signatures, Signature};
use rustc_hash::FxHashMap;

/// A function body waiting to be lowered.
pub struct Body<'a> {
    pub name: String,
    pub owner: Option<BoxId>,
    pub function: &'a ast::Function,
    pub is_constructor: bool,
}

pub struct BoxInfo<'a> {
    pub decl: &'a BoxDecl,
    pub parents: Vec<BoxId>,
    pub builtin_parent: Option<String>,
    pub fields: Vec<FieldDef>,
    /// Flattened: own methods first, then inherited ones.
    pub methods: FxHashMap<String, MethodDef>,
    pub method_order: Vec<String>,
    pub constructors: Vec<MethodDef>,
    pub static_init: Option<FuncId>,
    pub ancestors: Vec<BoxId>,
}

pub struct Index<'a> {
    pub boxes: Vec<BoxInfo<'a>>,
    pub box_ids: FxHashMap<String, BoxId>,
    pub functions: FxHashMap<String, (FuncId, u32)>,
    /// `static function Box.name`, keyed by box and function name.
    pub static_functions: FxHashMap<(String, String), (FuncId, u32)>,
    pub bodies: Vec<Body<'a>>,
    pub globals: Vec<String>,
    pub global_ids: FxHashMap<String, u32>,
    /// The boxes globals are known to hold, from their bindings anywhere in the program:
    /// worked out when first asked (see [`Index::known_globals`]).
    known_globals: std::cell::OnceCell<KnownBoxes<'a>>,
    items: &'a [Item],
    pub uses_std: bool,
    pub diags: Vec<Diagnostic>,
}

impl<'a> Index<'a> {
    pub fn build(items: &'a [Item]) -> Index<'a> {
        let mut index = Index {
            boxes: Vec::new(),
            box_ids: FxHashMap::default(),
            functions: FxHashMap::default(),
            static_functions: FxHashMap::default(),
            // Function 0 is the script body, lowered separately.
            bodies: Vec::new(),
            globals: Vec::new(),
            global_ids: FxHashMap::default(),
            known_globals: std::cell::OnceCell::new(),
            items,
            uses_std: false,
            diags: Vec::new(),
        };
        index.declare_boxes(items);
        index.declare_functions(items);
        index.resolve_parents();
        let order = index.delegation_order();
        for id in order {
            index.flatten(id);
        }
        index.add_static_functions(items);
        index.check_interfaces(items);
        index.collect_globals(items);
        index
    }

    fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Number a function body; id 0 is the script body, lowered separately.
    fn add_body(
        &mut self,
        name: String,
        owner: Option<BoxId>,
        function: &'a ast::Function,
        is_constructor: bool,
    ) -> FuncId {
        self.bodies.push(Body { name, owner, function, is_constructor });
        self.bodies.len() as FuncId
    }

    fn declare_boxes(&mut self, items: &'a [Item]) {
        for item in items {
            let Item::Box(decl) = item else { continue };
            let name = &decl.name.name;
            if self.box_ids.contains_key(name) || is_builtin_box(name) {
                self.error(
                    Diagnostic::error(decl.name.span, format!("box `{name}` is defined more than once"))
                        .label("redefined here"),
                );
                continue;
            }
            self.box_ids.insert(name.clone(), self.boxes.len() as BoxId);
            self.boxes.push(BoxInfo {
                decl,
                parents: Vec::new(),
                builtin_parent: None,
                fields: Vec::new(),
                methods: FxHashMap::default(),
                method_order: Vec::new(),
                constructors: Vec::new(),
                static_init: None,
                ancestors: Vec::new(),
            });
        }
    }

    fn declare_functions(&mut self, items: &'a [Item]) {
        for item in items {
            let Item::Function(f) = item else { continue };
            if self.functions.contains_key(&f.name.name) {
                self.error(Diagnostic::error(
                    f.name.span,
                    format!("function `{}` is defined more than once", f.name.name),
                ));
                continue;
            }
            let id = self.add_body(format!("{}/{}", f.name.name, f.params.len()), None, f, false);
            self.functions.insert(f.name.name.clone(), (id, f.params.len() as u32));
        }
    }

    fn resolve_parents(&mut self) {
        for id in 0..self.boxes.len() {
            let decl = self.boxes[id].decl;
            for parent in &decl.parents {
                if let Some(&p) = self.box_ids.get(&parent.name) {
                    self.boxes[id].parents.push(p);
                } else if is_builtin_box(&parent.name) && self.boxes[id].builtin_parent.is_none() {
                    self.boxes[id].builtin_parent = Some(parent.name.clone());
                } else if is_builtin_box(&parent.name) {
                    self.error(
                        Diagnostic::error(parent.span, "a box can delegate to one builtin box only")
                            .label("a second builtin parent")
                            .help("hold the other builtin box in a field"),
                    );
                } else {
                    self.error(
                        Diagnostic::error(parent.span, format!("unknown box `{}`", parent.name))
                            .label("no such box to delegate to"),
                    );
                }
            }
        }
    }

    /// Boxes ordered parents first; a box in a delegation cycle is reported and left out.
    fn delegation_order(&mut self) -> Vec<BoxId> {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            New,
            Active,
            Done,
        }
        fn visit(index: &Index, id: BoxId, marks: &mut [Mark], order: &mut Vec<BoxId>, cyclic: &mut Vec<BoxId>) {
            match marks[id as usize] {
                Mark::Done => return,
                Mark::Active => {
                    cyclic.push(id);
                    return;
                }
                Mark::New => {}
            }
            marks[id as usize] = Mark::Active;
            for &p in &index.boxes[id as usize].parents {
                visit(index, p, marks, order, cyclic);
            }
            marks[id as usize] = Mark::Done;
            order.push(id);
        }
        let mut marks = vec![Mark::New; self.boxes.len()];
        let (mut order, mut cyclic) = (Vec::new(), Vec::new());
        for id in 0..self.boxes.len() as BoxId {
            visit(self, id, &mut marks, &mut order, &mut cyclic);
        }
        for id in cyclic {
            let name = &self.boxes[id as usize].decl.name;
            let d = Diagnostic::error(name.span, format!("box `{}` delegates to itself", name.name))
                .label("delegation cycle");
            self.error(d);
            self.boxes[id as usize].parents.clear();
        }
        order
    }

    fn flatten(&mut self, id: BoxId) {
        let decl = self.boxes[id as usize].decl;
        let parents = self.boxes[id as usize].parents.clone();
        let mut fields: Vec<FieldDef> = Vec::new();
        let mut ancestors = Vec::new();
        let add_field = |fields: &mut Vec<FieldDef>, f: FieldDef| {
            if !fields.iter().any(|g| g.name == f.name) {
                fields.push(f);
            }
        };
        for &p in &parents {
            let parent = &self.boxes[p as usize];
            for f in &parent.fields {
                add_field(&mut fields, f.clone());
            }
            for a in std::iter::once(p).chain(parent.ancestors.iter().copied()) {
                if !ancestors.contains(&a) {
                    ancestors.push(a);
                }
            }
        }
        for f in &decl.fields {
            add_field(&mut fields, FieldDef { name: f.name.name.clone(), weak: f.weak, private: f.private });
        }
        for name in assigned_me_fields(decl) {
            add_field(&mut fields, FieldDef { name, weak: false, private: false });
        }

        let inherited_builtin = parents.iter().find_map(|&p| self.boxes[p as usize].builtin_parent.clone());
        let builtin = self.boxes[id as usize].builtin_parent.clone().or(inherited_builtin);
        let builtin_methods = builtin.as_deref().and_then(signatures);
        let mut methods = FxHashMap::default();
        let mut order = Vec::new();
        for m in &decl.methods {
            let name = &m.name.name;
            if methods.contains_key(name) {
                self.error(Diagnostic::error(
                    m.name.span,
                    format!("method `{name}` is defined more than once in `{}`", decl.name.name),
                ));
                continue;
            }
            self.check_redefinition(decl, m, &parents, builtin_methods.as_deref());
            let func = self.add_body(format!("{}.{}/{}", decl.name.name, name, m.params.len()), Some(id), m, false);
            methods.insert(name.clone(), MethodDef { name: name.clone(), func, arity: m.params.len() as u32 });
            order.push(name.clone());
        }
        for &p in &parents {
            let parent = &self.boxes[p as usize];
            for name in &parent.method_order {
                if !methods.contains_key(name) {
                    methods.insert(name.clone(), parent.methods[name].clone());
                    order.push(name.clone());
                }
            }
        }
        let mut constructors: Vec<MethodDef> = Vec::new();
        for c in &decl.constructors {
            if constructors.iter().any(|d| d.arity == c.params.len() as u32) {
                self.error(Diagnostic::error(
                    c.name.span,
                    format!("`{}` already has a constructor taking {} arguments", decl.name.name, c.params.len()),
                ));
                continue;
            }
            let func =
                self.add_body(format!("{}.{}/{}", decl.name.name, c.name.name, c.params.len()), Some(id), c, true);
            constructors.push(MethodDef { name: c.name.name.clone(), func, arity: c.params.len() as u32 });
        }
        let info = &mut self.boxes[id as usize];
        info.fields = fields;
        info.methods = methods;
        info.method_order = order;
        info.constructors = constructors;
        info.ancestors = ancestors;
        info.builtin_parent = builtin;
    }

    /// The `override` rules for method `m` of `decl`: `override` needs a parent (a user
    /// box or the builtin box delegated to) that has the method, and redefining a parent's
    /// method needs `override`. `fini` and a builtin's `toString` are exempt: every box
    /// has them, and defining them is how a box takes part. So are a builtin's aliases
    /// (`add` beside ArrayBox's `push`): `override` may name them, but a box defining one
    /// is most likely not thinking of the builtin's spelling.
    fn check_redefinition(
        &mut self,
        decl: &BoxDecl,
        m: &ast::Function,
        parents: &[BoxId],
        builtin: Option<&[Signature]>,
    ) {
        let name = &m.name.name;
        let in_user = parents.iter().any(|&p| self.boxes[p as usize].methods.contains_key(name));
        let in_builtin = builtin.is_some_and(|b| b.iter().any(|s| s.answers_to(name)));
        let builtin_own = builtin.is_some_and(|b| b.iter().any(|s| s.name == name));
        if m.is_override && !in_user && !in_builtin {
            self.error(
                Diagnostic::error(
                    m.name.span,
                    format!("`override` of `{name}`, which no parent of `{}` has", decl.name.name),
                )
                .help("remove `override`, or delegate to a box that defines this method"),
            );
        } else if !m.is_override && name != "fini" && (in_user || builtin_own && name != "toString") {
            self.error(
                Diagnostic::error(m.name.span, format!("method `{name}` redefines a parent's method"))
                    .help(format!("write `override {name}(...)` to replace it")),
            );
        }
    }

    /// `static function Box.name(...)`: a function without `me`, called as `Box.name(...)`.
    fn add_static_functions(&mut self, items: &'a [Item]) {
        for item in items {
            let Item::StaticFunction { owner, function } = item else { continue };
            if !self.box_ids.contains_key(&owner.name) {
                self.error(Diagnostic::error(owner.span, format!("unknown box `{}`", owner.name)));
                continue;
            }
            let key = (owner.name.clone(), function.name.name.clone());
            if self.static_functions.contains_key(&key) {
                self.error(Diagnostic::error(
                    function.name.span,
                    format!("`{}.{}` is defined more than once", key.0, key.1),
                ));
                continue;
            }
            let func = self.add_body(format!("{}.{}/{}", key.0, key.1, function.params.len()), None, function, false);
            self.static_functions.insert(key, (func, function.params.len() as u32));
        }
    }

    fn check_interfaces(&mut self, items: &'a [Item]) {
        let interfaces: FxHashMap<&str, &ast::InterfaceDecl> = items
            .iter()
            .filter_map(|i| if let Item::Interface(d) = i { Some((d.name.name.as_str(), d)) } else { None })
            .collect();
        for id in 0..self.boxes.len() {
            let decl = self.boxes[id].decl;
            for iface in &decl.interfaces {
                let Some(d) = interfaces.get(iface.name.as_str()) else {
                    self.error(Diagnostic::error(iface.span, format!("unknown interface `{}`", iface.name)));
                    continue;
                };
                for m in &d.methods {
                    if !self.boxes[id].methods.contains_key(&m.name) {
                        self.error(
                            Diagnostic::error(
                                decl.name.span,
                                format!(
                                    "`{}` does not define `{}`, required by interface `{}`",
                                    decl.name.name, m.name, iface.name
                                ),
                            )
                            .label(format!("missing `{}`", m.name)),
                        );
                    }
                }
            }
        }
    }

    /// Top-level variables and every `global` declaration anywhere are globals.
    fn collect_globals(&mut self, items: &'a [Item]) {
        for item in items {
            match item {
                Item::Stmt(s) => self.top_level_globals(std::slice::from_ref(s)),
                Item::Using(name) if name.name == "nyashstd" => self.uses_std = true,
                Item::Using(name) => self.error(
                    Diagnostic::error(name.span, format!("unknown namespace `{}`", name.name))
                        .label("no such library")
                        .help("the one library is `nyashstd`"),
                ),
                _ => {}
            }
        }
        let bodies: Vec<&ast::Function> = self.bodies.iter().map(|b| b.function).collect();
        for f in bodies {
            for_each_stmt(&f.body, &mut |s| {
                if let StmtKind::Global(name, _) = &s.kind {
                    self.add_global(&name.name);
                }
            });
        }
    }

    /// The boxes globals are known to hold: every block that can bind a global (and,
    /// conservatively, a local of the same name) is looked at.
    pub fn known_globals(&self) -> &KnownBoxes<'a> {
        self.known_globals.get_or_init(|| {
            let script = self.items.iter().filter_map(|i| match i {
                Item::Stmt(s) => Some(std::slice::from_ref(s)),
                _ => None,
            });
            let bodies = self.bodies.iter().map(|b| &b.function.body[..]);
            let static_inits = self.boxes.iter().filter_map(|b| b.decl.static_init.as_deref());
            KnownBoxes::of(&[], script.chain(bodies).chain(static_inits))
        })
    }

    fn top_level_globals(&mut self, block: &[ast::Stmt]) {
        for_each_stmt(block, &mut |s| match &s.kind {
            StmtKind::Local(decls) => decls.iter().for_each(|(n, _)| self.add_global(&n.name)),
            StmtKind::Global(n, _) | StmtKind::Nowait(n, _) => self.add_global(&n.name),
            StmtKind::Assign(ast::Expr { kind: ast::ExprKind::Var(n), .. }, _) => self.add_global(n),
            StmtKind::Try { catches, .. } => {
                catches.iter().filter_map(|c| c.var.as_ref()).for_each(|v| self.add_global(&v.name))
            }
            _ => {}
        });
    }

    fn add_global(&mut self, name: &str) {
        if !self.global_ids.contains_key(name) {
            self.global_ids.insert(name.to_string(), self.globals.len() as u32);
            self.globals.push(name.to_string());
        }
    }
}

/// Visit every statement of a block, nested ones included.
pub fn for_each_stmt<'s>(block: &'s [ast::Stmt], f: &mut impl FnMut(&'s ast::Stmt)) {
    for s in block {
        f(s);
        for nested in s.kind.blocks() {
            for_each_stmt(nested, f);
        }
    }
}

/// Field names a box assigns as `me.name = ...` in its own methods and constructors.
fn assigned_me_fields(decl: &BoxDecl) -> Vec<String> {
    let mut names = Vec::new();
    let bodies = decl.methods.iter().chain(&decl.constructors).map(|f| &f.body).chain(decl.static_init.iter());
    for body in bodies {
        for_each_stmt(body, &mut |s| {
            if let StmtKind::Assign(ast::Expr { kind: ast::ExprKind::Field(recv, name), .. }, _) = &s.kind {
                if matches!(recv.kind, ast::ExprKind::Me) && !names.contains(&name.name) {
                    names.push(name.name.clone());
                }
            }
        });
    }
    names
}
