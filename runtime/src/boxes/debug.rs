//! DebugBox: the live-box accounting of `crate::heap`.

use super::Method;
use crate::value::Value;

pub static METHODS: &[Method<()>] = &[
    Method {
        name: "startMemoryTracking",
        aliases: &[],
        arity: 0,
        run: |_| {
            crate::heap::reset_peak();
            Ok(Value::Void)
        },
    },
    Method { name: "stopMemoryTracking", aliases: &[], arity: 0, run: |_| Ok(Value::Void) },
    Method { name: "memoryReport", aliases: &[], arity: 0, run: |_| Ok(Value::str(crate::heap::report())) },
    Method { name: "trackBox", aliases: &[], arity: 2, run: |_| Ok(Value::Void) },
];
