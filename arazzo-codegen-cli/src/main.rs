//! `arazzo-codegen`: check Arazzo documents and print the Rust generated from them.

use std::path::PathBuf;
use std::process::ExitCode;

use arazzo_codegen::Generator;
use arazzo_codegen_cli::conformance;
use clap::{Args, Parser, Subcommand};

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
    /// Checks documents: exit 0 when all are valid, 1 with diagnostics on stderr.
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
        /// Write to this file instead of standard output.
        #[arg(short, long)]
        output: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Runs every Arazzo document in a folder tree through check, generate and compile (all
    /// generated files in one scratch crate) and judges each against the corpus expectations:
    /// prints a table, the totals and what blocks the most documents; exit 1 when any fails.
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
    },
}

#[derive(Args)]
struct Common {
    /// Read a source description URL (or URL prefix) from a local path: `--map URL=PATH`.
    #[arg(long = "map", value_name = "URL=PATH", value_parser = parse_map)]
    maps: Vec<(String, PathBuf)>,
    /// Treat an unbraced expression inside a longer string as an error.
    #[arg(long)]
    strict: bool,
}

fn parse_map(s: &str) -> Result<(String, PathBuf), String> {
    match s.rsplit_once('=') {
        Some((from, to)) if !from.is_empty() && !to.is_empty() => {
            Ok((from.to_owned(), PathBuf::from(to)))
        }
        _ => Err(format!("`{s}` is not URL=PATH")),
    }
}

fn generator(common: &Common) -> Generator {
    common
        .maps
        .iter()
        .fold(Generator::new(), |g, (from, to)| {
            g.map(from.clone(), to.clone())
        })
        .strict(common.strict)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { files, common } => {
            let generator = generator(&common);
            let mut ok = true;
            for file in &files {
                match generator.check(file) {
                    Ok(checked) => {
                        for w in &checked.warnings {
                            eprintln!("{w}");
                        }
                        eprintln!("ok: {}", file.display());
                    }
                    Err(failure) => {
                        eprint!("{failure}");
                        ok = false;
                    }
                }
            }
            if ok {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Command::Generate {
            file,
            output,
            common,
        } => match generator(&common).generate(&file) {
            Ok(generated) => {
                for w in &generated.warnings {
                    eprintln!("{w}");
                }
                match output {
                    Some(path) => match std::fs::write(&path, generated.code) {
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
            Err(failure) => {
                eprint!("{failure}");
                ExitCode::from(1)
            }
        },
        Command::Conformance {
            folder,
            no_compile,
            maps,
            queue,
            target_dir,
            runtime,
        } => {
            let mut options = conformance::Options::new(folder);
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
