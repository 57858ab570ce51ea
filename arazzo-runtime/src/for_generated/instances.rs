//! The generic runtime functions that generated code calls, instantiated here once for the
//! types generated code uses most.
//!
//! A crate of generated code is built at opt-level 0 in dev, where rustc links to a
//! dependency's instances of a generic function instead of compiling its own (generic sharing,
//! on by default when not optimising). Without these, every crate of workflows compiled the
//! JSON decoding behind `body_pointer::<String>` and the like again, on every rebuild: at one
//! workflow, nine tenths of the crate's LLVM IR (issue 11, item 4). The runtime compiles them
//! once (about half a second more in a dev build of it). Optimised builds do not share
//! instances and lose nothing. Inputs' `Deserialize` is left out: generated crates rarely
//! decode their inputs themselves.

use serde_json::Value;

use super::param;
use crate::{Request, Response};

/// Never called: naming each instance here is what compiles it into this crate.
#[doc(hidden)]
pub fn common(response: &Response, request: Request<'_>, text: &String) {
    macro_rules! decode {
        ($($t:ty),*) => {
            $(let _ = response.body_pointer::<$t>("");)*
        };
    }
    decode!(String, i64, f64, bool, Value);
    decode!(
        Option<String>,
        Option<i64>,
        Option<f64>,
        Option<bool>,
        Option<Value>
    );
    let _ = response.pointer_eq("", "");
    let _ = response.pointer_eq("", 0i64);
    let _ = response.pointer_eq("", 0.0f64);
    let _ = response.pointer_eq("", false);
    let _ = param::to_json(text);
    let _ = param::to_json(&0i64);
    let _ = param::to_json(&0.0f64);
    let _ = param::to_json(&false);
    let _ = param::to_json(&Value::Null);
    let _ = param::path_segment(text);
    let _ = param::path_segment(0i64);
    let _ = param::path_segment("");
    // Request bodies built member by member: one instance per member count.
    macro_rules! objects {
        ($($n:literal),*) => {
            $(let _ = param::object(std::array::from_fn::<_, $n, _>(|_| ("", Value::Null)));)*
        };
    }
    objects!(1, 2, 3, 4, 5, 6, 7, 8);
    // Generated code passes inputs by reference (`&inputs.limit`), step outputs by value.
    let (integer, number, flag): (&i64, &f64, &bool) = (&0, &0.0, &false);
    let _ = request
        .query("", text)
        .query("", "")
        .query("", integer)
        .query("", number)
        .query("", flag)
        .query("", 0i64)
        .json_body("", &Value::Null);
}
