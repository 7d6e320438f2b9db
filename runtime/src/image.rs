//! The description of a program that the runtime needs before running any of its code:
//! its boxes, globals, file names and (for native executables) its interned names. The
//! compiler builds it from MIR; a native executable carries it serialised.

use crate::class::{self, FuncId};
pub use crate::error::FrameDef;
use crate::object::Shape;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FieldDef {
    pub name: String,
    pub weak: bool,
    pub private: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MethodDef {
    pub name: String,
    pub func: FuncId,
    /// Not counting `me`.
    pub arity: u32,
}

/// A user box, flattened: `fields` and `methods` include everything inherited.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BoxDef {
    pub name: String,
    pub is_static: bool,
    pub fields: Vec<FieldDef>,
    pub methods: Vec<MethodDef>,
    pub ancestors: Vec<u32>,
    pub builtin_parent: Option<String>,
    pub fini: Option<FuncId>,
    pub static_init: Option<FuncId>,
}

impl BoxDef {
    pub fn shape(&self) -> Shape {
        let fields = u32::try_from(self.fields.len()).expect("more fields than a box can declare");
        Shape { fields, has_fini: self.fini.is_some() }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ProgramImage {
    pub files: Vec<String>,
    /// Names in interning order, when compiled code refers to names by symbol id; empty
    /// when the program is compiled in this process.
    pub symbols: Vec<String>,
    pub boxes: Vec<BoxDef>,
    pub globals: u32,
    /// Every function, by function id, for tracebacks.
    pub frames: Vec<FrameDef>,
    /// The call depth limit (`program::depth_limit`).
    pub depth_limit: u32,
    /// The stack the program runs on (`program::stack_bytes`).
    pub stack_bytes: u64,
}

impl ProgramImage {
    /// The serialised form a native executable carries.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<ProgramImage, String> {
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    }
}

/// Make a program's boxes and globals known to the runtime. Boxes are registered in
/// order, so a box's index in the image is its class id.
pub fn load(image: &ProgramImage) {
    for name in &image.symbols {
        class::intern(name);
    }
    class::reset();
    crate::error::set_sources(image.files.clone(), image.frames.clone());
    for b in &image.boxes {
        class::define(class::ClassInfo {
            name: b.name.clone(),
            fields: b
                .fields
                .iter()
                .map(|f| class::FieldInfo { name: class::intern(&f.name), weak: f.weak, private: f.private })
                .collect(),
            methods: b
                .methods
                .iter()
                .map(|m| (class::intern(&m.name), class::MethodRef { func: m.func, arity: m.arity }))
                .collect(),
            ancestors: b.ancestors.clone(),
            builtin_parent: b.builtin_parent.clone(),
            fini: b.fini,
            ..Default::default()
        });
    }
    let statics = image.boxes.iter().map(|b| (b.static_init, b.shape())).collect();
    crate::program::start(image.globals as usize, statics, image.depth_limit);
}
