//! Regex, JSONPath and XPath success criteria, for the generated code to evaluate against a
//! response at run time.
//!
//! The generator has already checked each pattern with the same crates, so these functions
//! only evaluate. Should one still fail to compile, the criterion fails (`false`), as the
//! Arazzo specification asks for an expression that cannot be evaluated; nothing here panics.
//! Patterns are `'static` literals in generated code, so each is compiled once and kept. Each
//! engine is behind the cargo feature of its name.

use std::collections::HashMap;
#[cfg(any(feature = "regex", feature = "jsonpath"))]
use std::hash::Hash;
#[cfg(feature = "xpath")]
use std::rc::Rc;
#[cfg(any(feature = "regex", feature = "jsonpath"))]
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

#[cfg(feature = "jsonpath")]
use serde_json::Value;
#[cfg(feature = "jsonpath")]
use serde_json_path::JsonPath;
#[cfg(feature = "xpath")]
use sxd_xpath::{Context, Factory, XPath};

#[cfg(any(feature = "regex", feature = "jsonpath"))]
/// Compiled forms by source text, shared by all threads; `None` for text that does not compile.
type Cache<V> = LazyLock<Mutex<HashMap<&'static str, Option<V>>>>;

#[cfg(feature = "regex")]
/// Compiled regexes by pattern. In an `Arc`: cloning a `Regex` itself would give each call a
/// fresh matching cache instead of reusing the pooled ones.
static REGEXES: Cache<Arc<regex::Regex>> = LazyLock::new(Default::default);

#[cfg(feature = "jsonpath")]
/// Parsed JSONPath queries by text.
static QUERIES: Cache<Arc<JsonPath>> = LazyLock::new(Default::default);

#[cfg(feature = "xpath")]
/// A parsed XPath expression and the prefixes it might use.
struct CompiledXPath {
    xpath: XPath,
    prefixes: Vec<String>,
}

#[cfg(feature = "xpath")]
thread_local! {
    /// Parsed XPath expressions: `sxd-xpath`'s are not `Send`, so each thread keeps its own.
    static XPATHS: std::cell::RefCell<HashMap<&'static str, Option<Rc<CompiledXPath>>>> =
        Default::default();
}

#[cfg(feature = "xpath")]
/// The namespace that prefixes the expression uses but nothing declares are bound to.
const UNDECLARED: &str = "urn:arazzo-runtime:undeclared-prefix";

#[cfg(feature = "regex")]
/// Whether `pattern` (the `regex` crate's syntax) matches anywhere in `text`.
///
/// Anchor the pattern (`^...$`) to match the whole text.
pub fn regex(pattern: &'static str, text: &str) -> bool {
    cached(&REGEXES, pattern, |p| {
        regex::Regex::new(p).ok().map(Arc::new)
    })
    .is_some_and(|re| re.is_match(text))
}

#[cfg(feature = "jsonpath")]
/// Whether the RFC 9535 JSONPath `query`, with `value` as its root `$`, selects at least one
/// node. A `null` context fails, as the Arazzo specification asks.
pub fn jsonpath(query: &'static str, value: &Value) -> bool {
    if value.is_null() || !super::bounds::json_within_bounds(value) {
        return false;
    }
    parsed_query(query).is_some_and(|path| !path.query(value).is_empty())
}

#[cfg(feature = "jsonpath")]
/// The parsed RFC 9535 JSONPath `query`, parsed once per text; `None` when it does not parse
/// (the generator checked it, so only hand-written calls get here).
pub(crate) fn parsed_query(query: &'static str) -> Option<Arc<JsonPath>> {
    cached(&QUERIES, query, |q| JsonPath::parse(q).ok().map(Arc::new))
}

#[cfg(feature = "jsonpath")]
/// [`parsed_query`] for a query not known to be `'static` (parsed each time).
pub(crate) fn parsed_query_text(query: &str) -> Option<JsonPath> {
    JsonPath::parse(query).ok()
}

#[cfg(feature = "xpath")]
/// Whether the XPath 1.0 expression `expr`, evaluated at the root of the XML document `xml`,
/// is true: `true`, a non-empty node-set, a number other than zero and NaN, a non-empty
/// string (XPath 1.0's `boolean()`).
///
/// XML that does not parse fails. Only the five predefined entities are expanded (a DTD is
/// skipped), so a document cannot make this read files or expand without bound. Names match
/// with their namespace: in a document with a default namespace, `/root` matches nothing, and
/// `/*[local-name()='root']` does. A document nested deeper than 256 elements or with more
/// than 200,000 elements fails without being parsed (its evaluation cost would be unbounded).
pub fn xpath(expr: &'static str, xml: &str) -> bool {
    if !super::bounds::xml_within_bounds(xml) {
        return false;
    }
    // `try_with`: the cache is gone while the thread is being torn down; then fail, not panic.
    let compiled = XPATHS.try_with(|cache| {
        cache
            .borrow_mut()
            .entry(expr)
            .or_insert_with(|| {
                let xpath = Factory::new().build(expr).ok().flatten()?;
                let prefixes = prefixes(expr);
                Some(Rc::new(CompiledXPath { xpath, prefixes }))
            })
            .clone()
    });
    let Ok(Some(compiled)) = compiled else {
        return false;
    };
    let Ok(package) = sxd_document::parser::parse(xml) else {
        return false;
    };
    let document = package.as_document();
    let mut context = Context::new();
    for prefix in &compiled.prefixes {
        context.set_namespace(prefix, UNDECLARED);
    }
    match compiled.xpath.evaluate(&context, document.root()) {
        Ok(sxd_xpath::Value::Boolean(b)) => b,
        Ok(sxd_xpath::Value::Number(n)) => n != 0.0 && !n.is_nan(),
        Ok(sxd_xpath::Value::String(s)) => !s.is_empty(),
        Ok(sxd_xpath::Value::Nodeset(nodes)) => nodes.size() > 0,
        Err(_) => false,
    }
}

#[cfg(feature = "xpath")]
/// Every candidate namespace prefix in `expr`: each suffix of each run of characters that ends
/// in a single `:` outside string literals. `sxd-xpath` panics on a prefix its context does not
/// declare, and Arazzo cannot declare any (the generator rejects them), so each candidate is
/// bound to a namespace no document uses and such names match nothing. Candidates that are not
/// really prefixes are bound harmlessly.
fn prefixes(expr: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut run_start = 0;
    let mut quote: Option<char> = None;
    let mut chars = expr.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match (quote, c) {
            (Some(q), _) if c == q => {
                quote = None;
                run_start = at + 1;
            }
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, ':') if chars.peek().is_some_and(|&(_, next)| next == ':') => {
                chars.next();
                run_start = at + 2;
                continue;
            }
            (None, ':') => {
                let run = &expr[run_start..at];
                found.extend(run.char_indices().map(|(i, _)| run[i..].to_owned()));
            }
            _ => {}
        }
        if quote.is_none() && !is_name_char(c) {
            run_start = at + c.len_utf8();
        }
    }
    found.sort();
    found.dedup();
    found
}

#[cfg(feature = "xpath")]
/// Characters that can be part of a name token (anything but XPath 1.0's delimiters).
fn is_name_char(c: char) -> bool {
    !c.is_whitespace() && !"/[]()@,|=!<>+*$:'\"".contains(c)
}

#[cfg(any(feature = "regex", feature = "jsonpath"))]
/// The compiled form of `key`, compiling it on first use. A poisoned lock is still usable:
/// the map only ever holds finished entries.
fn cached<K, V>(
    cache: &Mutex<HashMap<K, Option<V>>>,
    key: K,
    compile: impl FnOnce(K) -> Option<V>,
) -> Option<V>
where
    K: Eq + Hash + Copy,
    V: Clone,
{
    let mut map = cache.lock().unwrap_or_else(PoisonError::into_inner);
    map.entry(key).or_insert_with(|| compile(key)).clone()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    #[cfg(feature = "jsonpath")]
    use serde_json::json;

    use super::*;

    #[cfg(feature = "regex")]
    #[test]
    fn regex_matches_anywhere() {
        assert!(regex("^2\\d{2}$", "204"));
        assert!(!regex("^2\\d{2}$", "404"));
        assert!(regex("ok", "status: ok."));
        assert!(regex("(?i)^BEARER ", "bearer abc"));
        assert!(!regex("^ok$", "not ok"));
        assert!(regex("", ""));
    }

    #[cfg(feature = "regex")]
    #[test]
    fn regex_that_does_not_compile_fails() {
        assert!(!regex("(?=a)a", "a"));
        assert!(!regex("a(", "a("));
    }

    #[cfg(any(feature = "regex", feature = "jsonpath"))]
    #[test]
    fn cache_compiles_each_key_once_even_when_it_fails() {
        let cache = Mutex::new(HashMap::new());
        let mut compiles = 0;
        for _ in 0..3 {
            let got = cached(&cache, "good", |k| {
                compiles += 1;
                Some(k.len())
            });
            assert_eq!(got, Some(4));
            assert_eq!(
                cached(&cache, "bad", |_| -> Option<usize> {
                    compiles += 1;
                    None
                }),
                None
            );
        }
        assert_eq!(compiles, 2);
    }

    #[cfg(feature = "regex")]
    #[test]
    fn regexes_compile_once() {
        const PATTERN: &str = "^cache-test-[0-9]+$";
        assert!(regex(PATTERN, "cache-test-1"));
        let first = REGEXES
            .lock()
            .unwrap()
            .get(PATTERN)
            .cloned()
            .flatten()
            .unwrap();
        assert!(!regex(PATTERN, "cache-test-x"));
        let second = REGEXES
            .lock()
            .unwrap()
            .get(PATTERN)
            .cloned()
            .flatten()
            .unwrap();
        assert_eq!(first.as_str(), PATTERN);
        assert!(Arc::ptr_eq(&first, &second));
    }

    #[cfg(feature = "jsonpath")]
    #[test]
    fn jsonpath_selects_nodes() {
        let body = json!({"pets": [{"name": "Rex", "tags": ["a"]}], "empty": [], "n": 0});
        assert!(jsonpath("$.pets[0]", &body));
        assert!(jsonpath("$.pets[*]", &body));
        assert!(jsonpath("$.pets[?@.name == 'Rex']", &body));
        assert!(jsonpath("$.n", &body), "a selected 0 is still a node");
        assert!(!jsonpath("$.empty[0]", &body));
        assert!(!jsonpath("$.pets[?@.name == 'Tom']", &body));
        assert!(!jsonpath("$.missing", &body));
        assert!(jsonpath("$", &json!(false)));
    }

    #[cfg(feature = "jsonpath")]
    #[test]
    fn jsonpath_spec_count_example_means_something_else() {
        // RFC 9535: `@` is each member value of the root; the array has no `pets` member.
        let body = json!({"pets": [{"name": "Rex"}]});
        assert!(!jsonpath("$[?count(@.pets) > 0]", &body));
        assert!(jsonpath(
            "$[?count(@.pets) > 0]",
            &json!({"shop": {"pets": 1}})
        ));
    }

    #[cfg(feature = "jsonpath")]
    #[test]
    fn jsonpath_null_context_and_invalid_queries_fail() {
        assert!(!jsonpath("$", &Value::Null));
        assert!(!jsonpath("$.pets[", &json!({"pets": [1]})));
        assert!(!jsonpath("pets", &json!({"pets": [1]})));
    }

    #[cfg(feature = "jsonpath")]
    #[test]
    fn jsonpath_queries_parse_once() {
        const QUERY: &str = "$.cache_test";
        assert!(jsonpath(QUERY, &json!({"cache_test": 1})));
        let first = QUERIES
            .lock()
            .unwrap()
            .get(QUERY)
            .cloned()
            .flatten()
            .unwrap();
        assert!(!jsonpath(QUERY, &json!({})));
        let second = QUERIES
            .lock()
            .unwrap()
            .get(QUERY)
            .cloned()
            .flatten()
            .unwrap();
        assert!(Arc::ptr_eq(&first, &second));
    }

    #[cfg(feature = "xpath")]
    const PETS: &str = r#"<?xml version="1.0"?>
<!DOCTYPE root>
<root><pets><pet id="1">Rex</pet><pet id="2">Tom &amp; Co</pet></pets><count>0</count><empty/></root>"#;

    #[cfg(feature = "xpath")]
    #[test]
    fn xpath_result_kinds() {
        assert!(xpath("/root/pets", PETS), "non-empty node-set");
        assert!(!xpath("/root/cats", PETS), "empty node-set");
        assert!(xpath("count(/root/pets/*) > 0", PETS), "true");
        assert!(!xpath("count(/root/pets/*) > 5", PETS), "false");
        assert!(xpath("count(/root/pets/*)", PETS), "non-zero number");
        assert!(!xpath("number(/root/count)", PETS), "zero");
        assert!(!xpath("number('x')", PETS), "NaN");
        assert!(
            xpath("string(/root/pets/pet[@id='2'])", PETS),
            "non-empty string"
        );
        assert!(!xpath("string(/root/empty)", PETS), "empty string");
        assert!(xpath("/root/pets/pet[. = 'Tom & Co']", PETS));
    }

    #[cfg(feature = "xpath")]
    #[test]
    fn xpath_namespaces_match_by_local_name() {
        let xml = r#"<root xmlns="urn:x"><a/></root>"#;
        assert!(!xpath("/root/a", xml));
        assert!(xpath("/*[local-name()='root']/*[local-name()='a']", xml));
    }

    #[cfg(feature = "xpath")]
    #[test]
    fn xpath_bad_input_fails() {
        assert!(!xpath("/root", "<root>"), "unclosed element");
        assert!(!xpath("/root", "not xml"));
        assert!(!xpath("/root", ""));
        assert!(!xpath("/root[", PETS), "invalid expression");
        assert!(!xpath("", PETS), "empty expression");
        assert!(!xpath("/root[@a = $x]", PETS), "unbound variable");
        assert!(!xpath("/p:root", PETS), "undeclared prefix");
        assert!(
            !xpath("/root/a-b:pets", PETS),
            "undeclared prefix after a name"
        );
        assert!(
            !xpath("count(/root/pets/*) -x:y", PETS),
            "undeclared prefix after minus"
        );
        assert!(
            xpath("/root[not(p:x)]", PETS),
            "names with a prefix match nothing"
        );
        assert!(!xpath("frobnicate()", PETS), "unknown function");
        let entity = r#"<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>"#;
        assert!(!xpath("/r", entity), "only predefined entities");
    }

    #[cfg(feature = "xpath")]
    #[test]
    fn xpath_refuses_documents_beyond_the_bounds_without_parsing_them() {
        // 50,000 levels: the parser would recurse that deep; the pre-check refuses it in one
        // pass.
        let deep = format!("{}{}", "<a>".repeat(50_000), "</a>".repeat(50_000));
        assert!(!xpath("/a", &deep));
        assert!(!xpath("count(//a) > 0", &deep));
        let ok = format!("{}{}", "<a>".repeat(100), "</a>".repeat(100));
        assert!(xpath("count(//a) = 100", &ok));
    }

    #[cfg(feature = "xpath")]
    #[test]
    fn xpath_expressions_parse_once_per_thread() {
        const EXPR: &str = "/cache-test";
        assert!(xpath(EXPR, "<cache-test/>"));
        let first = XPATHS.with(|c| c.borrow().get(EXPR).cloned().flatten().unwrap());
        assert!(!xpath(EXPR, "<other/>"));
        std::thread::spawn(|| assert!(xpath(EXPR, "<cache-test/>")))
            .join()
            .unwrap();
        let second = XPATHS.with(|c| c.borrow().get(EXPR).cloned().flatten().unwrap());
        assert!(Rc::ptr_eq(&first, &second));
    }

    #[cfg(feature = "xpath")]
    #[test]
    fn prefix_candidates() {
        assert_eq!(prefixes("/a:b[@c:d = 'e:f']/child::g"), ["a", "c"]);
        assert_eq!(prefixes("x -y:z"), ["-y", "y"]);
        assert_eq!(prefixes("\"p:q\" or r:*"), ["r"]);
        assert!(prefixes("/a/b").is_empty());
    }

    #[cfg(any(feature = "regex", feature = "jsonpath", feature = "xpath"))]
    fn leak(s: String) -> &'static str {
        Box::leak(s.into_boxed_str())
    }

    #[cfg(feature = "jsonpath")]
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            any::<f64>().prop_map(|n| json!(n)),
            ".*".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::hash_map("[a-z]{0,3}", inner, 0..6)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Small XML documents over the names `a`, `b`, `c` with an optional `id` attribute.
    #[cfg(feature = "xpath")]
    fn xml_element() -> impl Strategy<Value = String> {
        let leaf = ("[abc]", "[a-z0-9 &<]{0,4}").prop_map(|(name, text)| {
            let text = text.replace('&', "&amp;").replace('<', "&lt;");
            format!("<{name}>{text}</{name}>")
        });
        leaf.prop_recursive(4, 24, 4, |inner| {
            (
                "[abc]",
                prop::option::of("[0-9]"),
                prop::collection::vec(inner, 0..4),
            )
                .prop_map(|(name, id, children)| {
                    let id = id.map(|id| format!(" id='{id}'")).unwrap_or_default();
                    format!("<{name}{id}>{}</{name}>", children.concat())
                })
        })
    }

    proptest! {
            #[cfg(feature = "regex")]
    #[test]
            fn regex_never_panics(pattern in ".{0,20}", text in ".*") {
                let fixed = regex("^(ok|2\\d\\d)$", &text);
                prop_assert_eq!(fixed, text == "ok" || (text.len() == 3 && text.starts_with('2') && text[1..].chars().all(|c| c.is_ascii_digit())));
                regex(leak(pattern), &text);
            }

            #[cfg(feature = "jsonpath")]
    #[test]
            fn jsonpath_never_panics(query in "\\$[.\\[\\]?@*a-z0-9 ='()<>!&|-]{0,20}", value in json_value()) {
                jsonpath(leak(query), &value);
                let selected = jsonpath("$..*", &value);
                let has_children = match &value {
                    Value::Array(a) => !a.is_empty(),
                    Value::Object(o) => !o.is_empty(),
                    _ => false,
                };
                prop_assert_eq!(selected, has_children);
            }

            #[cfg(feature = "xpath")]
    #[test]
            fn xpath_never_panics(expr in "[/a-z@*:\\[\\]()=' 0-9.$-]{0,20}", xml in ".{0,40}") {
                xpath(leak(expr), &xml);
                xpath("/a", &format!("<a>{xml}</a>"));
            }

            #[cfg(feature = "xpath")]
    #[test]
            fn xpath_agrees_with_the_document(expr in "[/a-c@*:\\[\\]()=' 0-9.$|-]{0,16}", xml in xml_element()) {
                xpath(leak(expr), &xml);
                prop_assert!(xpath("/*", &xml));
                prop_assert_eq!(xpath("//b", &xml), xml.contains("<b"));
                prop_assert_eq!(xpath("//@id", &xml), xml.contains(" id="));
            }
        }
}
