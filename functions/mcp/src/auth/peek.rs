//! A bounded, single parse of the JSON-RPC body, done before rmcp sees it.
//!
//! The parsing itself lives in `workplace-wire` (so it can be fuzzed without building this
//! function's dependencies); this module fixes the bound.

pub use workplace_wire::peek::Peeked;

/// Largest body peeked at (and accepted: rmcp is given the same limit, so it answers 413).
pub const MAX_BODY_BYTES: usize = workplace_service::http::MAX_BODY_BYTES;

/// Reads `body` with [`Peeked::from_body`] under [`MAX_BODY_BYTES`].
pub fn peek(body: &[u8]) -> Peeked {
    Peeked::from_body(body, MAX_BODY_BYTES)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_over_the_shared_limit_are_not_read() {
        let mut big = br#"{"method":"tools/list","pad":""#.to_vec();
        big.extend(std::iter::repeat_n(b'x', MAX_BODY_BYTES));
        big.extend(br#""}"#);
        assert_eq!(peek(&big), Peeked::default());
        assert_eq!(
            peek(br#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).action(),
            "tools/list"
        );
    }
}
