//! Tells the build scripts of crates that depend on arazzo-runtime which criteria engines it
//! is built with (`DEP_ARAZZO_RUNTIME_FEATURES`, comma-separated), so that
//! `arazzo_codegen::Builder` can name a missing feature before anything compiles.

fn main() {
    let features: Vec<&str> = [
        ("regex", "CARGO_FEATURE_REGEX"),
        ("jsonpath", "CARGO_FEATURE_JSONPATH"),
        ("xpath", "CARGO_FEATURE_XPATH"),
        ("xpath31", "CARGO_FEATURE_XPATH31"),
    ]
    .into_iter()
    .filter(|(_, var)| std::env::var_os(var).is_some())
    .map(|(name, _)| name)
    .collect();
    println!("cargo::metadata=features={}", features.join(","));
    println!("cargo::rerun-if-changed=build.rs");
}
