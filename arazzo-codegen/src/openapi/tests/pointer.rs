//! JSON pointer escaping round-trips for any token.

use proptest::prelude::*;

use crate::openapi::pointer::{escape, join, tokens, unescape};

proptest! {
    #[test]
    fn escaped_tokens_round_trip(parts in prop::collection::vec(".*", 0..5)) {
        let mut pointer = String::new();
        for part in &parts {
            pointer = join(&pointer, part);
        }
        prop_assert_eq!(tokens(&pointer), parts.clone());
        for part in &parts {
            prop_assert!(!escape(part).contains('/'));
            prop_assert_eq!(unescape(&escape(part)), part.clone());
        }
    }
}

#[test]
fn escapes_tilde_before_slash() {
    assert_eq!(escape("~1/"), "~01~1");
    assert_eq!(unescape("~01"), "~1");
    assert_eq!(
        tokens("/paths/~1pets~1{petId}/get"),
        vec!["paths", "/pets/{petId}", "get"]
    );
    assert!(tokens("").is_empty());
    assert_eq!(tokens("/"), vec![""]);
}
