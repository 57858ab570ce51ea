//! `arazzo-codegen`: check Arazzo documents and print the Rust generated from them.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use arazzo_codegen::Generator;
use arazzo_codegen_cli::output::{self, DocumentResult, colour::When};
use arazzo_codegen_cli::{build_script, conformance, run};
use clap::{Args, Parser, Subcommand, ValueEnum};

/// Generates typed async Rust from Arazzo workflows; checks documents against their OpenAPI
/// descriptions.
#[derive(Parser)]
#[command(name = "arazzo-codegen", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Checks documents: exit 0 when all are valid, 1 with diagnostics (on stderr in the
    /// human format, on stdout in JSON or SARIF).
    Check {
        /// Arazzo documents (YAML or JSON).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Prints (or writes) the Rust generated from one document.
    Generate {
        /// The Arazzo document.
        file: PathBuf,
        /// Write to this file instead of standard output (required with `--format json` or
        /// `sarif`, which print the diagnostics there).
        #[arg(short, long, required_if_eq_any([("format", "json"), ("format", "sarif")]))]
        output: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Runs one workflow against real servers: generates the code, compiles it once into a
    /// cached binary, prints each step (status, time) on stderr and the outputs as JSON on
    /// stdout. Exit 0 on success, 1 when the workflow fails (the error names the step) or the
    /// document has errors, 2 when it cannot start (unknown workflow, inputs that do not fit).
    Run {
        /// The Arazzo document.
        file: PathBuf,
        /// The `workflowId` to run.
        #[arg(long)]
        workflow: String,
        /// The inputs: a JSON object, or `@FILE` to read it from a file.
        #[arg(long, value_name = "JSON|@FILE", default_value = "{}")]
        inputs: String,
        /// The base URL of a source description, over its OpenAPI `servers` (repeatable).
        #[arg(long = "server", value_name = "NAME=URL", value_parser = parse_server)]
        servers: Vec<(String, String)>,
        /// Also print each request's method and path (never its query or headers).
        #[arg(long)]
        verbose: bool,
        /// Also write the outputs (JSON) to this file.
        #[arg(long, value_name = "FILE")]
        json_output: Option<PathBuf>,
        /// Sign every HTTP request with this AccessKey (`Authorization: Bearer <JWT>`, HS256,
        /// audience = the request URL, as Azure Web PubSub wants), read from an environment
        /// variable or a file; never the key itself. WebSocket connects are left alone.
        #[arg(long, value_name = "env:NAME|file:PATH")]
        access_key: Option<String>,
        /// Read a source description URL (or URL prefix) from a local path: `--map URL=PATH`.
        #[arg(long = "map", value_name = "URL=PATH", value_parser = parse_map)]
        maps: Vec<(String, PathBuf)>,
        /// Silence warnings with this code (repeatable).
        #[arg(long = "allow", value_name = "CODE")]
        allow: Vec<String>,
        /// Cargo's target directory for the binary (default: `target/conformance` of this
        /// workspace); binaries are cached under `arazzo-run/` in it.
        #[arg(long, value_name = "DIR")]
        target_dir: Option<PathBuf>,
        /// The `arazzo-runtime` crate to compile against (default: this workspace's).
        #[arg(long, value_name = "DIR")]
        runtime: Option<PathBuf>,
    },
    /// Runs every Arazzo document in a folder tree through check, generate and compile (all
    /// generated files in one scratch crate) and judges each (the shared corpus against its
    /// built-in expectations, another folder against `--expect FILE` or, without one, by what
    /// it reports): prints a table, the totals and what blocks the most documents; exit 1
    /// when any fails.
    Conformance {
        /// The folder, e.g. `../shared/corpus`.
        folder: PathBuf,
        /// Check and generate only: do not compile.
        #[arg(long)]
        no_compile: bool,
        /// Read a source description URL (or URL prefix) from a local path: `--map URL=PATH`,
        /// on top of the corpus's own remaps.
        #[arg(long = "map", value_name = "URL=PATH", value_parser = parse_map)]
        maps: Vec<(String, PathBuf)>,
        /// Also write the work queue (what blocks documents, as Markdown) to this file.
        #[arg(long, value_name = "FILE")]
        queue: Option<PathBuf>,
        /// Cargo's target directory for the scratch crate (default: `target/conformance` of
        /// this workspace); kept between runs.
        #[arg(long, value_name = "DIR")]
        target_dir: Option<PathBuf>,
        /// The `arazzo-runtime` crate to compile against (default: this workspace's).
        #[arg(long, value_name = "DIR")]
        runtime: Option<PathBuf>,
        /// The folder's own expectation table (YAML or JSON; see the README), instead of
        /// the built-in one, which applies only to the shared corpus.
        #[arg(long, value_name = "FILE")]
        expect: Option<PathBuf>,
    },
    /// What `arazzo_build::Builder` runs from a build script (its own argument list).
    #[command(hide = true)]
    BuildScript {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<std::ffi::OsString>,
    },
}

#[derive(Args)]
struct Common {
    /// Read a source description URL (or URL prefix) from a local path: `--map URL=PATH`.
    #[arg(long = "map", value_name = "URL=PATH", value_parser = parse_map)]
    maps: Vec<(String, PathBuf)>,
    /// Make the lenient readings errors: an unbraced expression inside a longer string, a
    /// pre-1.0.1 expression form, a JSONPath criterion written as a comparison.
    #[arg(long)]
    strict: bool,
    /// Silence warnings with this code (repeatable), as `#[allow(...)]` does.
    #[arg(long = "allow", value_name = "CODE")]
    allow: Vec<String>,
    /// Make warnings with this code errors (repeatable), as `#[deny(...)]` does.
    #[arg(long = "deny", value_name = "CODE")]
    deny: Vec<String>,
    /// How to print diagnostics: rustc-style text on stderr, or JSON Lines or a SARIF 2.1.0
    /// log on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Colour the human format: `auto` when stderr is a terminal and `NO_COLOR` is unset.
    #[arg(long, value_enum, default_value_t = When::Auto, value_name = "WHEN")]
    color: When,
}

/// `--format`.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style text on stderr.
    Human,
    /// One JSON object per diagnostic per line, on stdout.
    Json,
    /// A SARIF 2.1.0 log on stdout.
    Sarif,
}

fn parse_map(s: &str) -> Result<(String, PathBuf), String> {
    match s.rsplit_once('=') {
        Some((from, to)) if !from.is_empty() && !to.is_empty() => {
            Ok((from.to_owned(), PathBuf::from(to)))
        }
        _ => Err(format!("`{s}` is not URL=PATH")),
    }
}

fn parse_server(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((name, url)) if !name.is_empty() && !url.is_empty() => {
            Ok((name.to_owned(), url.to_owned()))
        }
        _ => Err(format!("`{s}` is not NAME=URL")),
    }
}

/// `--inputs`: JSON, or `@FILE`.
fn read_inputs(arg: &str) -> Result<serde_json::Value, String> {
    let (text, from) = match arg.strip_prefix('@') {
        Some(path) => (
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?,
            path,
        ),
        None => (arg.to_owned(), "--inputs"),
    };
    serde_json::from_str(&text).map_err(|e| format!("{from} is not JSON: {e}"))
}

fn generator(common: &Common) -> Generator {
    let mut generator = common
        .maps
        .iter()
        .fold(Generator::new(), |g, (from, to)| {
            g.map(from.clone(), to.clone())
        })
        .strict(common.strict);
    // `--allow` before `--deny`: a code given to both is denied, the stricter reading.
    for code in &common.allow {
        generator = generator.allow(code.clone());
    }
    for code in &common.deny {
        generator = generator.deny(code.clone());
    }
    generator
}

/// Writes human-format text to stderr, painted when `paint`.
fn human(text: &str, paint: bool) {
    if paint {
        eprint!("{}", output::colour::paint_text(text));
    } else {
        eprint!("{text}");
    }
}

/// Prints the diagnostics of `results` in a machine-readable format on stdout.
fn machine(format: Format, results: &[DocumentResult]) {
    match format {
        Format::Json => print!("{}", output::json::render(results)),
        Format::Sarif => {
            let cwd = std::env::current_dir().ok();
            let log = output::sarif::log(results, cwd.as_deref());
            println!("{}", serde_json::to_string_pretty(&log).unwrap_or_default());
        }
        Format::Human => {}
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn check(files: &[PathBuf], common: &Common) -> ExitCode {
    let generator = generator(common);
    let paint = common.format == Format::Human && common.color.for_stderr();
    let mut results = Vec::new();
    for file in files {
        let result = generator.check(file);
        if common.format == Format::Human {
            match &result {
                Ok(checked) => {
                    let mut text: String =
                        checked.warnings.iter().map(|w| format!("{w}\n")).collect();
                    text.push_str(&format!("ok: {}\n", file.display()));
                    human(&text, paint);
                }
                Err(failure) => human(&failure.rendered, paint),
            }
        }
        results.push(DocumentResult::new(file.display().to_string(), &result));
    }
    let ok = results.iter().all(|r| r.ok);
    if common.format == Format::Human {
        if ok {
            let warnings = results.iter().map(|r| r.diagnostics.len()).sum();
            human(
                &format!(
                    "ok: {} checked, {}\n",
                    plural(results.len(), "document"),
                    plural(warnings, "warning")
                ),
                paint,
            );
        }
    } else {
        machine(common.format, &results);
    }
    if ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn generate(file: &Path, output: Option<&Path>, common: &Common) -> ExitCode {
    let result = generator(common).generate(file);
    if common.format == Format::Human {
        let paint = common.color.for_stderr();
        match &result {
            Ok(generated) => {
                let text: String = generated
                    .warnings
                    .iter()
                    .map(|w| format!("{w}\n"))
                    .collect();
                human(&text, paint);
            }
            Err(failure) => human(&failure.rendered, paint),
        }
    } else {
        machine(
            common.format,
            &[DocumentResult::new(file.display().to_string(), &result)],
        );
    }
    let Ok(generated) = result else {
        return ExitCode::from(1);
    };
    match output {
        Some(path) => match std::fs::write(path, generated.code) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: cannot write {}: {e}", path.display());
                ExitCode::from(1)
            }
        },
        None => {
            print!("{}", generated.code);
            ExitCode::SUCCESS
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files, common } => check(&files, &common),
        Command::BuildScript { args } => build_script::main(args),
        Command::Generate {
            file,
            output,
            common,
        } => generate(&file, output.as_deref(), &common),
        Command::Run {
            file,
            workflow,
            inputs,
            servers,
            verbose,
            json_output,
            access_key,
            maps,
            allow,
            target_dir,
            runtime,
        } => {
            let read = read_inputs(&inputs).and_then(|inputs| {
                let key = access_key
                    .as_deref()
                    .map(run::AccessKey::read)
                    .transpose()?;
                Ok((inputs, key))
            });
            let (inputs, access_key) = match read {
                Ok(read) => read,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            let mut options = run::Options::new(file, workflow);
            options.inputs = inputs;
            options.servers = servers;
            options.verbose = verbose;
            options.json_output = json_output;
            options.access_key = access_key;
            if let Some(dir) = target_dir {
                options.target_dir = dir;
            }
            if let Some(dir) = runtime {
                options.runtime = dir;
            }
            let generator = allow.into_iter().fold(
                maps.into_iter()
                    .fold(Generator::new(), |g, (from, to)| g.map(from, to)),
                |g, code| g.allow(code),
            );
            match run::run(&generator, &options) {
                Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
                Err(e @ run::Error::Generate(_)) => {
                    eprint!("{e}");
                    ExitCode::from(1)
                }
                Err(e) => {
                    eprint!("{e}");
                    ExitCode::from(2)
                }
            }
        }
        Command::Conformance {
            folder,
            no_compile,
            maps,
            queue,
            target_dir,
            runtime,
            expect,
        } => {
            let mut options = conformance::Options::new(folder);
            options.expect = expect;
            options.maps = maps;
            options.compile = !no_compile;
            if let Some(dir) = target_dir {
                options.target_dir = dir;
            }
            if let Some(dir) = runtime {
                options.runtime = dir;
            }
            let report = match conformance::run(&options) {
                Ok(report) => report,
                Err(e) => {
                    eprintln!("error: {e}");
                    return ExitCode::from(2);
                }
            };
            print!("{}", report.render());
            if let Some(path) = queue
                && let Err(e) = std::fs::write(&path, report.queue_markdown())
            {
                eprintln!("error: cannot write {}: {e}", path.display());
                return ExitCode::from(2);
            }
            if report.failed() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
    }
}
