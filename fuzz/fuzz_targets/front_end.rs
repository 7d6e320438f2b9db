//! Any bytes through lexing, parsing, the semantic checks, lowering, the MIR verifier and
//! diagnostic rendering: none of it may panic, and a module it accepts must verify.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let text = text.to_string();
    nyash_runtime::program::on_big_stack(move || {
        if let Ok(module) = nyashc::driver::compile_text("fuzz.nyash", text, std::io::sink()) {
            // The MIR text form must print whatever the front end made.
            let _ = module.to_string();
        }
        0
    });
});
