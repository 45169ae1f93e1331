//! Lambda extension shipping invocation records to the Cequence AI Gateway as OTLP logs.

fn main() {}
