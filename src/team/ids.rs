//! Validation of caller-chosen identifiers and emails.
//!
//! Ids are opaque to the sidecar, but they end up in Redis keys, URLs, Cedar
//! entity ids and logs, so they are restricted to printable ASCII without the
//! characters that would make those ambiguous (whitespace, `/`, `?`, `#`, `%`,
//! `{`, `}`, quotes, backslash) and to 1–128 bytes.

use std::fmt;

/// The longest id accepted.
pub const MAX_ID_LEN: usize = 128;

/// The longest email accepted (RFC 5321 path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// Why an id or email was refused; the message names the field.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidInput {
    /// The id is empty, too long, or has a forbidden character.
    #[error("`{field}` must be 1-{MAX_ID_LEN} printable ASCII characters without spaces, quotes, `/ ? # % {{ }}` or `\\`")]
    BadId {
        /// Which field.
        field: &'static str,
    },
    /// The email does not parse.
    #[error("`{0}` is not a valid email address")]
    BadEmail(String),
}

/// Checks an id (account, user, invitation, key, Discord user) given for `field`.
pub fn check_id(field: &'static str, id: &str) -> Result<(), InvalidInput> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.bytes().all(|b| {
            b.is_ascii_graphic()
                && !matches!(b, b'/' | b'?' | b'#' | b'%' | b'{' | b'}' | b'"' | b'\\')
        });
    if ok {
        Ok(())
    } else {
        Err(InvalidInput::BadId { field })
    }
}

/// A trimmed, lower-cased, syntactically valid email address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

impl Email {
    /// Normalises (trim, lower-case) and validates with the `email_address`
    /// crate (RFC 5322 addr-spec), additionally requiring a dot in the domain
    /// so that typos like `alice@example` are caught.
    pub fn parse(raw: &str) -> Result<Email, InvalidInput> {
        let normalised = raw.trim().to_lowercase();
        let bad = || InvalidInput::BadEmail(raw.chars().take(100).collect());
        if normalised.len() > MAX_EMAIL_LEN {
            return Err(bad());
        }
        let parsed = email_address::EmailAddress::parse_with_options(
            &normalised,
            email_address::Options::default()
                .without_display_text()
                .without_domain_literal(),
        )
        .map_err(|_| bad())?;
        let domain = parsed.domain();
        if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
            return Err(bad());
        }
        Ok(Email(normalised))
    }

    /// The normalised address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(check_id("account", "acct_1").is_ok());
        assert!(check_id("user", "auth0|abc:123@x").is_ok());
        for bad in ["", "a b", "a/b", "{a}", "a\"b", "é", &"x".repeat(129)] {
            assert!(check_id("user", bad).is_err(), "{bad:?} must be refused");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse("  Alice@Example.COM ").unwrap().as_str(),
            "alice@example.com"
        );
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a b@example.com",
            "alice@example",
            "Alice <a@b.com>",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad:?} must be refused");
        }
    }
}
