//! Extracting the token from `Authorization: Bearer <token>`.

use crate::AuthError;

/// Tokens larger than this are rejected before any parsing: a real access token is a few hundred
/// bytes to a few KiB, and refusing big inputs early bounds the work an anonymous caller can cause.
pub const MAX_TOKEN_BYTES: usize = 8 * 1024;

/// Returns the token of an `Authorization` header value using the Bearer scheme (RFC 6750; the
/// scheme name is case-insensitive). Anything else is an [`AuthError`].
pub fn bearer_token(header: Option<&[u8]>) -> Result<&str, AuthError> {
    let raw = header.ok_or(AuthError::MissingCredentials)?;
    let value =
        std::str::from_utf8(raw).map_err(|_| AuthError::Malformed("header is not UTF-8"))?;
    let (scheme, token) = value
        .trim()
        .split_once(' ')
        .ok_or(AuthError::UnsupportedScheme)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::UnsupportedScheme);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Malformed("empty bearer token"));
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(AuthError::TokenTooLarge);
    }
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'=' | b'+' | b'/'))
    {
        return Err(AuthError::Malformed(
            "token has characters outside the JWT alphabet",
        ));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_any_case_of_the_scheme() {
        for header in [
            "Bearer abc.def.ghi",
            "bearer abc.def.ghi",
            "BEARER  abc.def.ghi ",
        ] {
            assert_eq!(bearer_token(Some(header.as_bytes())), Ok("abc.def.ghi"));
        }
    }

    #[test]
    fn rejects_everything_else() {
        assert_eq!(bearer_token(None), Err(AuthError::MissingCredentials));
        assert_eq!(
            bearer_token(Some(b"Basic dXNlcjpwYXNz")),
            Err(AuthError::UnsupportedScheme)
        );
        assert_eq!(
            bearer_token(Some(b"Bearer")),
            Err(AuthError::UnsupportedScheme)
        );
        assert!(matches!(
            bearer_token(Some(b"Bearer   ")),
            Err(AuthError::UnsupportedScheme | AuthError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token(Some(b"Bearer a b")),
            Err(AuthError::Malformed(_))
        ));
        assert!(matches!(
            bearer_token(Some(&[0x42, 0xff, 0x20, 0x41])),
            Err(AuthError::Malformed(_))
        ));
    }

    #[test]
    fn rejects_oversized_tokens() {
        let header = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES + 1));
        assert_eq!(
            bearer_token(Some(header.as_bytes())),
            Err(AuthError::TokenTooLarge)
        );
        let header = format!("Bearer {}", "a".repeat(MAX_TOKEN_BYTES));
        assert!(bearer_token(Some(header.as_bytes())).is_ok());
    }
}
