//! How [`Builder`](crate::Builder) hands its settings to `arazzo-codegen build-script`: one
//! argument list, encoded here and decoded here, so the two ends cannot disagree. Not public
//! API: `arazzo-codegen-cli` is its only other user.

use std::ffi::OsString;
use std::path::PathBuf;

/// Bumped when the argument list changes; the binary refuses another.
pub const PROTOCOL: &str = "1";

/// The binary's exit status when documents have errors (its standard error holds them,
/// rendered).
pub const EXIT_INVALID: u8 = 1;
/// The binary's exit status when the arguments do not decode (another `arazzo-build`).
pub const EXIT_PROTOCOL: u8 = 2;
/// The binary's exit status when a file cannot be written (its standard error says which).
pub const EXIT_IO: u8 = 3;

/// One `Builder` call, in the order the build script made it (`allow` then `deny` of the same
/// code is not `deny` then `allow`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `map(from, to)`.
    Map(String, PathBuf),
    /// `strict(on)`.
    Strict(bool),
    /// `step_budget(steps)`.
    StepBudget(usize),
    /// `serde(inputs, outputs)`.
    Serde(bool, bool),
    /// `allow(code)`.
    Allow(String),
    /// `deny(code)`.
    Deny(String),
    /// `type_attribute(path, attribute)`.
    TypeAttribute(String, String),
    /// `derive(path, derives)`.
    Derive(String, Vec<String>),
    /// `runtime_path(path)`.
    RuntimePath(String),
}

/// Everything one `compile` or `check` call asks of the generator process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// The settings, in call order.
    pub ops: Vec<Op>,
    /// `out_dir(dir)`, when set.
    pub out_dir: Option<PathBuf>,
    /// Documents generated into the same directory by earlier calls of the same build
    /// script: each call is a process of its own, and the module index must list them all.
    pub earlier: Vec<PathBuf>,
    /// `compile` (true) or `check` (false).
    pub write: bool,
    /// The Arazzo documents.
    pub documents: Vec<PathBuf>,
}

impl Request {
    /// The arguments after `arazzo-codegen build-script`.
    pub fn encode(&self) -> Vec<OsString> {
        let mut args: Vec<OsString> = vec!["--protocol".into(), PROTOCOL.into()];
        let flag = |args: &mut Vec<OsString>, name: &str, values: &[OsString]| {
            args.push(name.into());
            args.extend(values.iter().cloned());
        };
        for op in &self.ops {
            match op {
                Op::Map(from, to) => flag(&mut args, "--map", &[from.into(), to.into()]),
                Op::Strict(on) => flag(&mut args, "--strict", &[on.to_string().into()]),
                Op::StepBudget(n) => flag(&mut args, "--step-budget", &[n.to_string().into()]),
                Op::Serde(i, o) => flag(
                    &mut args,
                    "--serde",
                    &[i.to_string().into(), o.to_string().into()],
                ),
                Op::Allow(code) => flag(&mut args, "--allow", &[code.into()]),
                Op::Deny(code) => flag(&mut args, "--deny", &[code.into()]),
                Op::TypeAttribute(path, attribute) => {
                    flag(
                        &mut args,
                        "--type-attribute",
                        &[path.into(), attribute.into()],
                    );
                }
                Op::Derive(path, derives) => {
                    let mut values = vec![path.into(), derives.len().to_string().into()];
                    values.extend(derives.iter().map(OsString::from));
                    flag(&mut args, "--derive", &values);
                }
                Op::RuntimePath(path) => flag(&mut args, "--runtime-path", &[path.into()]),
            }
        }
        if let Some(dir) = &self.out_dir {
            flag(&mut args, "--out-dir", &[dir.into()]);
        }
        for document in &self.earlier {
            flag(&mut args, "--earlier", &[document.into()]);
        }
        if !self.write {
            args.push("--check".into());
        }
        args.push("--".into());
        args.extend(self.documents.iter().map(OsString::from));
        args
    }

    /// Reads what [`encode`](Self::encode) wrote; an error says what did not fit (another
    /// protocol, a missing value, text that is not UTF-8 where a string is expected).
    pub fn decode(args: impl IntoIterator<Item = OsString>) -> Result<Request, String> {
        let mut args = args.into_iter();
        let mut next = |what: &str| args.next().ok_or_else(|| format!("`{what}` needs a value"));
        let text = |value: OsString, what: &str| {
            value
                .into_string()
                .map_err(|v| format!("`{what}` {v:?} is not UTF-8"))
        };
        let boolean = |value: String, what: &str| match value.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(format!("`{what}` takes true or false, not `{value}`")),
        };
        let protocol = match next("--protocol")?.to_str() {
            Some("--protocol") => text(next("--protocol")?, "--protocol")?,
            _ => return Err("the arguments do not start with `--protocol`".into()),
        };
        if protocol != PROTOCOL {
            return Err(format!(
                "arazzo-build speaks protocol {protocol}, this binary {PROTOCOL}: install the \
                 arazzo-codegen-cli version that matches arazzo-build"
            ));
        }
        let mut request = Request {
            ops: Vec::new(),
            out_dir: None,
            earlier: Vec::new(),
            write: true,
            documents: Vec::new(),
        };
        loop {
            let name = next("--")?;
            let name = text(name, "an option")?;
            let op = match name.as_str() {
                "--" => break,
                "--map" => Op::Map(text(next(&name)?, &name)?, next(&name)?.into()),
                "--strict" => Op::Strict(boolean(text(next(&name)?, &name)?, &name)?),
                "--step-budget" => {
                    let n = text(next(&name)?, &name)?;
                    Op::StepBudget(
                        n.parse()
                            .map_err(|_| format!("`--step-budget` takes a count, not `{n}`"))?,
                    )
                }
                "--serde" => Op::Serde(
                    boolean(text(next(&name)?, &name)?, &name)?,
                    boolean(text(next(&name)?, &name)?, &name)?,
                ),
                "--allow" => Op::Allow(text(next(&name)?, &name)?),
                "--deny" => Op::Deny(text(next(&name)?, &name)?),
                "--type-attribute" => {
                    Op::TypeAttribute(text(next(&name)?, &name)?, text(next(&name)?, &name)?)
                }
                "--derive" => {
                    let path = text(next(&name)?, &name)?;
                    let n = text(next(&name)?, &name)?;
                    let n: usize = n
                        .parse()
                        .map_err(|_| format!("`--derive` takes a count, not `{n}`"))?;
                    // Each derive is one more argument: the count cannot exceed what is left.
                    let derives = (0..n)
                        .map(|_| text(next(&name)?, &name))
                        .collect::<Result<Vec<_>, _>>()?;
                    Op::Derive(path, derives)
                }
                "--runtime-path" => Op::RuntimePath(text(next(&name)?, &name)?),
                "--out-dir" => {
                    request.out_dir = Some(next(&name)?.into());
                    continue;
                }
                "--earlier" => {
                    request.earlier.push(next(&name)?.into());
                    continue;
                }
                "--check" => {
                    request.write = false;
                    continue;
                }
                other => return Err(format!("unknown option `{other}`")),
            };
            request.ops.push(op);
        }
        request.documents = args.map(PathBuf::from).collect();
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Request {
        Request {
            ops: vec![
                Op::Map("https://example.com/a=b".into(), "specs/a b.yml".into()),
                Op::Strict(true),
                Op::StepBudget(7),
                Op::Serde(false, true),
                Op::Allow("unbraced-expression".into()),
                Op::Deny("unbraced-expression".into()),
                Op::TypeAttribute(".".into(), "#[doc = \"--\"]".into()),
                Op::Derive("buy-pet".into(), vec!["Eq".into(), "--".into()]),
                Op::Derive("x".into(), Vec::new()),
                Op::RuntimePath("::my_sdk::runtime".into()),
            ],
            out_dir: Some("out dir".into()),
            earlier: vec!["first.arazzo.yml".into()],
            write: false,
            documents: vec!["--".into(), "x.arazzo.yml".into()],
        }
    }

    #[test]
    fn what_is_encoded_decodes_to_the_same_request() {
        let request = full();
        assert_eq!(Request::decode(request.encode()), Ok(request));
        let empty = Request {
            ops: Vec::new(),
            out_dir: None,
            earlier: Vec::new(),
            write: true,
            documents: Vec::new(),
        };
        assert_eq!(Request::decode(empty.encode()), Ok(empty));
    }

    #[test]
    fn another_protocol_a_missing_value_or_an_unknown_option_is_refused_by_name() {
        let decode = |args: &[&str]| Request::decode(args.iter().map(OsString::from));
        let err = |args: &[&str]| decode(args).err().unwrap_or_default();
        assert!(err(&["--protocol", "2", "--"]).contains("protocol 2, this binary 1"));
        assert!(err(&["--protocol", "1", "--map", "a"]).contains("`--map` needs a value"));
        assert!(err(&["--protocol", "1", "--frob", "--"]).contains("unknown option `--frob`"));
        assert!(err(&["--protocol", "1", "--strict", "yes", "--"]).contains("true or false"));
        assert!(err(&["--protocol", "1", "--step-budget", "-1", "--"]).contains("a count"));
        assert!(
            err(&["--protocol", "1", "--derive", "x", "9", "Eq", "--"]).contains("needs a value")
        );
        assert!(err(&["x.yml"]).contains("do not start with `--protocol`"));
        // Every option ends at `--`: without it the list is cut short.
        assert!(err(&["--protocol", "1"]).contains("needs a value"));
    }
}
