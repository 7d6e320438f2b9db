//! `-g`: DWARF for an object file, so that `gdb`, `perf annotate` and `addr2line` map
//! machine code to `.nyash` lines: a line table (one sequence per function, a row at each
//! change of source position that Cranelift reports) and a subprogram per function, under
//! one compilation unit. Written with gimli's writer; the addresses and the references
//! between sections are relocations, which the linker resolves like any C object's.

use crate::mir::Loc;
use cranelift_object::object::write::{Object, Relocation as ObjRelocation, SectionId, SymbolId};
use cranelift_object::object::{RelocationEncoding, RelocationFlags, RelocationKind, SectionKind};
use gimli::write::{
    Address, AttributeValue, DwarfUnit, EndianVec, LineProgram, LineString, Range, RangeList, RelocateWriter,
    Relocation, RelocationTarget, Sections,
};
use gimli::{Encoding, Format, LineEncoding, RunTimeEndian};

/// One compiled function: its symbol, the name debuggers show, and where its code comes from.
pub struct FunctionLines {
    pub symbol: SymbolId,
    pub name: String,
    pub size: u32,
    /// (offset in the function, source position) at each change.
    pub lines: Vec<(u32, Loc)>,
}

/// Add the `.debug_*` sections describing `functions` (compiled from `files`) to `object`.
pub fn write(object: &mut Object, files: &[String], functions: &[FunctionLines]) -> Result<(), String> {
    let encoding = Encoding { format: Format::Dwarf32, version: 4, address_size: 8 };
    let mut dwarf = DwarfUnit::new(encoding);
    let working_dir = std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default();
    let main_file = files.first().cloned().unwrap_or_else(|| "program.nyash".into());
    let mut program = LineProgram::new(
        encoding,
        LineEncoding::default(),
        LineString::String(working_dir.clone().into_bytes()),
        None,
        LineString::String(main_file.clone().into_bytes()),
        None,
    );
    let directory = program.default_directory();
    let file_ids: Vec<_> =
        files.iter().map(|f| program.add_file(LineString::String(f.clone().into_bytes()), directory, None)).collect();
    let mut ranges = Vec::new();
    let root = dwarf.unit.root();
    for (index, f) in functions.iter().enumerate() {
        let start = Address::Symbol { symbol: index, addend: 0 };
        ranges.push(Range::StartLength { begin: start, length: f.size as u64 });
        if !f.lines.is_empty() {
            program.begin_sequence(Some(start));
            for &(offset, loc) in &f.lines {
                let row = program.row();
                row.address_offset = offset as u64;
                row.file = file_ids[loc.file as usize];
                row.line = loc.line as u64;
                row.column = loc.col as u64;
                program.generate_row();
            }
            program.end_sequence(f.size as u64);
        }
        let sub = dwarf.unit.add(root, gimli::DW_TAG_subprogram);
        let entry = dwarf.unit.get_mut(sub);
        entry.set(gimli::DW_AT_name, AttributeValue::String(f.name.clone().into_bytes()));
        entry.set(gimli::DW_AT_low_pc, AttributeValue::Address(start));
        entry.set(gimli::DW_AT_high_pc, AttributeValue::Udata(f.size as u64));
    }
    dwarf.unit.line_program = program;
    let range_list = dwarf.unit.ranges.add(RangeList(ranges));
    let unit = dwarf.unit.get_mut(root);
    unit.set(
        gimli::DW_AT_producer,
        AttributeValue::String(format!("nyashc {}", env!("CARGO_PKG_VERSION")).into_bytes()),
    );
    unit.set(gimli::DW_AT_name, AttributeValue::String(main_file.into_bytes()));
    unit.set(gimli::DW_AT_comp_dir, AttributeValue::String(working_dir.into_bytes()));
    unit.set(gimli::DW_AT_low_pc, AttributeValue::Address(Address::Constant(0)));
    unit.set(gimli::DW_AT_ranges, AttributeValue::RangeListRef(range_list));

    let mut sections = Sections::new(SectionWriter::default());
    dwarf.write(&mut sections).map_err(|e| format!("cannot write debug information: {e}"))?;
    add_sections(object, &sections, functions)
}

/// The bytes of one debug section and the relocations they need.
#[derive(Clone)]
struct SectionWriter {
    data: EndianVec<RunTimeEndian>,
    relocations: Vec<Relocation>,
}

impl Default for SectionWriter {
    /// Little-endian, as every supported target is.
    fn default() -> Self {
        SectionWriter { data: EndianVec::new(RunTimeEndian::Little), relocations: Vec::new() }
    }
}

impl RelocateWriter for SectionWriter {
    type Writer = EndianVec<RunTimeEndian>;
    fn writer(&self) -> &Self::Writer {
        &self.data
    }
    fn writer_mut(&mut self) -> &mut Self::Writer {
        &mut self.data
    }
    fn relocate(&mut self, relocation: Relocation) {
        self.relocations.push(relocation);
    }
}

fn add_sections(
    object: &mut Object,
    sections: &Sections<SectionWriter>,
    functions: &[FunctionLines],
) -> Result<(), String> {
    let mut ids: Vec<(gimli::SectionId, SectionId)> = Vec::new();
    sections.for_each(|id, w| {
        if !w.data.slice().is_empty() {
            let section = object.add_section(Vec::new(), id.name().as_bytes().to_vec(), SectionKind::Debug);
            object.append_section_data(section, w.data.slice(), 1);
            ids.push((id, section));
        }
        Ok::<(), String>(())
    })?;
    let section_of = |id: gimli::SectionId| ids.iter().find(|(g, _)| *g == id).map(|(_, s)| *s);
    sections.for_each(|id, w| {
        let Some(section) = section_of(id) else { return Ok(()) };
        for r in &w.relocations {
            let symbol = match r.target {
                RelocationTarget::Symbol(index) => functions[index].symbol,
                RelocationTarget::Section(target) => {
                    let target = section_of(target).ok_or("a debug section refers to a missing one")?;
                    object.section_symbol(target)
                }
            };
            let flags = RelocationFlags::Generic {
                kind: RelocationKind::Absolute,
                encoding: RelocationEncoding::Generic,
                size: r.size * 8,
            };
            object
                .add_relocation(section, ObjRelocation { offset: r.offset as u64, symbol, addend: r.addend, flags })
                .map_err(|e| e.to_string())?;
        }
        Ok::<(), String>(())
    })
}
