//! Reading Telemetry API batches: the parser lives in `workplace-wire` (so it can be fuzzed without
//! building this extension's dependencies).

pub(crate) use workplace_wire::telemetry::{Parsed, Report, parse};
