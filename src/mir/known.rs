//! What box a variable is known to hold, so that a method call on it is checked when
//! compiling (docs/LANGUAGE.md section 6.3): a variable is known to hold a `X` when every
//! binding of its name in the code that can bind it is `new X(...)`, of one box X.
//!
//! The test is by name and ignores order and scope: a second binding of the name to
//! anything else (another box, a parameter, a `catch` variable, a call's result), or a
//! declaration without a value, makes it unknown. That is conservative, so a program it
//! rejects calls a method its receiver cannot have on every path that reaches the call.

use crate::mir::index::for_each_stmt;
use crate::syntax::ast::{Expr, ExprKind, Ident, Stmt, StmtKind};
use rustc_hash::FxHashMap;

#[derive(Default)]
pub struct KnownBoxes<'a> {
    /// Each name bound, and the box of its bindings while they all agree.
    bindings: FxHashMap<&'a str, Option<&'a str>>,
}

impl<'a> KnownBoxes<'a> {
    /// The names bound by `params` and by the statements of `blocks`, at any depth.
    pub fn of(params: &'a [Ident], blocks: impl IntoIterator<Item = &'a [Stmt]>) -> Self {
        let mut known = KnownBoxes::default();
        for p in params {
            known.bind(&p.name, None);
        }
        for block in blocks {
            for_each_stmt(block, &mut |s| known.statement(s));
        }
        known
    }

    /// The box that `name` holds, if it is known.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.bindings.get(name).copied().flatten()
    }

    fn statement(&mut self, s: &'a Stmt) {
        match &s.kind {
            StmtKind::Local(decls) => decls.iter().for_each(|(name, value)| self.bind(&name.name, value.as_ref())),
            StmtKind::Global(name, value) => self.bind(&name.name, value.as_ref()),
            StmtKind::Assign(Expr { kind: ExprKind::Var(name), .. }, value) => self.bind(name, Some(value)),
            StmtKind::Nowait(name, _) => self.bind(&name.name, None),
            StmtKind::Try { catches, .. } => {
                catches.iter().filter_map(|c| c.var.as_ref()).for_each(|v| self.bind(&v.name, None))
            }
            _ => {}
        }
    }

    fn bind(&mut self, name: &'a str, value: Option<&'a Expr>) {
        let made = match value {
            Some(Expr { kind: ExprKind::New(class, _), .. }) => Some(class.name.as_str()),
            _ => None,
        };
        let entry = self.bindings.entry(name).or_insert(made);
        if *entry != made {
            *entry = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::{lexer::lex, parser::parse};

    fn known_in(src: &str, names: &[&str]) -> Vec<Option<String>> {
        let (tokens, _) = lex(0, src);
        let (program, errors) = parse(0, src.len(), &tokens);
        assert!(errors.is_empty(), "{errors:?}");
        let stmts: Vec<Stmt> = program
            .items
            .into_iter()
            .filter_map(|i| match i {
                crate::syntax::ast::Item::Stmt(s) => Some(s),
                _ => None,
            })
            .collect();
        let known = KnownBoxes::of(&[], [&stmts[..]]);
        names.iter().map(|n| known.get(n).map(str::to_string)).collect()
    }

    #[test]
    fn a_name_is_known_while_every_binding_makes_the_same_box() {
        let src = "local a = new ArrayBox()\nlocal b = new A()\nb = new A(1)\nlocal c = new A()\nc = new B()\n\
                   local d\nd = new A()\nlocal e = new A()\ne = f()\nif x { local g = new MapBox() }";
        let got = known_in(src, &["a", "b", "c", "d", "e", "g", "nobody"]);
        let want = [Some("ArrayBox"), Some("A"), None, None, None, Some("MapBox"), None];
        assert_eq!(got, want.map(|w| w.map(str::to_string)));
    }

    #[test]
    fn catch_variables_and_nowait_results_are_unknown() {
        let src = "local e = new A()\ntry { e = new A() } catch (e) { }\nlocal f = new A()\nnowait f = g()";
        assert_eq!(known_in(src, &["e", "f"]), [None, None]);
    }
}
