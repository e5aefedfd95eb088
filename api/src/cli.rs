//! The `terrasse` command line: `serve` (the default), `migrate`, `seed --demo`,
//! `seed --synthetic --organisations N --contracts M`, `import decp FILE`, `keys`, `schema`.
//!
//! This is the binary's edge: errors are `anyhow` here and printed with their whole chain.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::{EnvFilter, fmt};

use crate::{
    config::{Config, DatabaseConfig, LogFormat, ServeConfig},
    db, graphql, http, seed,
};

/// Terrasse: GraphQL service for the local social and solidarity economy (territories,
/// organisations, partnerships, public procurement).
#[derive(Debug, Parser)]
#[command(name = "terrasse", version, long_about = None)]
struct Cli {
    #[command(flatten)]
    database: DatabaseConfig,
    /// Log format on standard error.
    #[arg(long, env = "TERRASSE_LOG_FORMAT", value_enum, default_value = "text", global = true)]
    log_format: LogFormat,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, load reference territories if absent, and serve GraphQL
    /// (GraphiQL at /, the API at /graphql, /healthz and /readyz). The default command.
    Serve(ServeConfig),
    /// Apply pending migrations and load reference territories if absent, then exit.
    Migrate,
    /// Write generated data.
    #[command(group = clap::ArgGroup::new("kind").required(true).args(["demo", "synthetic"]))]
    Seed {
        /// Generate the deterministic demo SSE ecosystem (source DEMO) in
        /// Provence-Alpes-Côte d'Azur, Occitanie and Corse.
        #[arg(long)]
        demo: bool,
        /// Generate a deterministic synthetic data set of any size for benchmarks (source
        /// SYNTHETIC), in batches with progress; needs a database without organisations.
        #[arg(long, requires_all = ["organisations", "contracts"])]
        synthetic: bool,
        /// Number of synthetic organisations (besides the public buyers).
        #[arg(long, requires = "synthetic")]
        organisations: Option<usize>,
        /// Number of synthetic contracts.
        #[arg(long, requires = "synthetic")]
        contracts: Option<usize>,
    },
    /// Import open data files (streamed; gzip accepted), with a JSON Lines reject report and
    /// a summary.
    Import {
        /// What to import.
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Manage API keys.
    Keys {
        /// What to do.
        #[command(subcommand)]
        command: crate::keys_cli::KeysCommand,
    },
    /// Print the GraphQL schema (SDL) the server serves.
    Schema,
}

/// The `import` subcommands.
#[derive(Debug, Subcommand)]
enum ImportCommand {
    /// Public contracts from a DECP JSON file (2019 format or 2022 arrêté format, plain or
    /// gzip): contracts keyed by uid (re-importing changes nothing), unknown buyers and
    /// suppliers created as unresolved records.
    Decp {
        /// The DECP JSON file.
        file: std::path::PathBuf,
        /// Where to write the reject report (JSON Lines); default `FILE.rejects.jsonl`.
        #[arg(long)]
        rejects: Option<std::path::PathBuf>,
        /// Records written per transaction.
        #[arg(long, default_value_t = crate::import::BATCH_SIZE)]
        batch_size: usize,
    },
}

/// The reject report path: the one given, else `FILE.rejects.jsonl` beside the input.
fn rejects_path(file: &std::path::Path, given: Option<std::path::PathBuf>) -> std::path::PathBuf {
    given.unwrap_or_else(|| {
        let mut name = file.as_os_str().to_owned();
        name.push(".rejects.jsonl");
        name.into()
    })
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeConfig::parse_default()));
    match command {
        Command::Serve(serve) => {
            crate::config::AnalyticsConfig::from_env().map_err(anyhow::Error::msg)?;
            let config = Config {
                database: cli.database,
                serve,
            };
            let app = http::Application::build(config).await?;
            tracing::info!("GraphiQL on http://{}/", app.local_addr());
            app.run_until_stopped().await
        }
        Command::Migrate => {
            let db = db::connect(&cli.database).await?;
            db::prepare(&db).await
        }
        Command::Seed {
            synthetic: true,
            organisations,
            contracts,
            ..
        } => {
            let db = db::connect(&cli.database).await?;
            db::prepare(&db).await?;
            let summary = seed::demo::synthetic::seed_synthetic(
                &db,
                organisations.unwrap_or_default(),
                contracts.unwrap_or_default(),
                |line| eprintln!("{line}"),
            )
            .await?;
            println!("{summary}");
            Ok(())
        }
        Command::Seed { .. } => {
            let db = db::connect(&cli.database).await?;
            db::prepare(&db).await?;
            let summary = seed::demo::seed_demo(&db).await?;
            println!("{summary}");
            Ok(())
        }
        Command::Import {
            command:
                ImportCommand::Decp {
                    file,
                    rejects,
                    batch_size,
                },
        } => {
            let db = db::connect(&cli.database).await?;
            db::prepare(&db).await?;
            let rejects = rejects_path(&file, rejects);
            let mut report = crate::import::RejectReport::to_file(&rejects)?;
            let options = crate::import::decp::DecpOptions {
                batch_size: batch_size.max(1),
                ..Default::default()
            };
            let summary = crate::import::decp::import_decp(&db, &file, &options, &mut report, None).await?;
            report.finish()?;
            println!("{summary}");
            println!("reject report: {}", rejects.display());
            Ok(())
        }
        Command::Keys { command } => {
            let db = db::connect(&cli.database).await?;
            db::prepare(&db).await?;
            crate::keys_cli::run(&db, command).await
        }
        Command::Schema => Ok(()),
    }
}

impl Default for ServeConfig {
    /// The settings `terrasse serve` uses without flags: the environment, else the defaults.
    fn default() -> Self {
        Self::parse_default()
    }
}

impl ServeConfig {
    /// The serve settings from the environment and defaults, for `terrasse` with no command.
    fn parse_default() -> Self {
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            serve: ServeConfig,
        }
        Defaults::parse_from(["terrasse"]).serve
    }
}

fn init_tracing(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let builder = fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}
