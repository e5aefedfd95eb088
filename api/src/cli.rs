//! The `terrasse` command line: `serve` (the default), `migrate`, `seed --demo`,
//! `seed --synthetic --organisations N --contracts M`, `export`, `import decp FILE`,
//! `import sirene --unites-legales FILE --etablissements FILE`, `import labels FILE`,
//! `import pat FILE`, `import purchases FILE`, `import canteens FILE`,
//! `import canteen-declarations FILE`, `import agence-bio FILE`, `derive food-links`, `keys`,
//! `schema`.
//!
//! This is the binary's edge: errors are `anyhow` here and printed with their whole chain.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use tracing_subscriber::{EnvFilter, fmt};

use crate::{
    config::{Config, DatabaseConfig, LogFormat, ServeConfig},
    db, export, graphql, http, seed,
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
    /// Write contracts or organisations to standard output or a file, as CSV, JSON Lines or
    /// (contracts) an OCDS release package, streamed page by page.
    Export(ExportArgs),
    /// Import open data files (streamed; gzip accepted), with a JSON Lines reject report and
    /// a summary.
    Import {
        /// What to import.
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Derive records from the data already stored.
    Derive {
        /// What to derive.
        #[command(subcommand)]
        command: DeriveCommand,
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

/// The `derive` subcommands.
#[derive(Debug, Subcommand)]
enum DeriveCommand {
    /// Supply links from the stored public contracts for food (CPV divisions 03 and 15):
    /// buyer to each initial supplier named by SIRET, evidence DECP_CONTRACT; re-running
    /// changes nothing.
    FoodLinks {
        /// Source of the links.
        #[arg(long, default_value = crate::import::food_links::SOURCE)]
        source: String,
        /// Where to write the report of the links refused (JSON Lines).
        #[arg(long, default_value = "food-links.rejects.jsonl")]
        rejects: std::path::PathBuf,
    },
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
    /// Legal units and establishments from the INSEE Sirene stock files (CSV, plain or
    /// gzip): organisations keyed by SIREN and establishments by SIRET (records created from
    /// other sources enriched, unresolved ones resolved), SSE family classified, optionally
    /// limited to a territory or to the SSE.
    #[command(group = clap::ArgGroup::new("area").args(["departements", "territory"]))]
    Sirene {
        /// The legal units file (StockUniteLegale).
        #[arg(long, value_name = "FILE")]
        unites_legales: std::path::PathBuf,
        /// The establishments file (StockEtablissement).
        #[arg(long, value_name = "FILE")]
        etablissements: std::path::PathBuf,
        /// Only establishments in these départements (`13`, `2A`, `974`), and their legal units.
        #[arg(long = "departement", value_name = "CODE", num_args = 1.., action = clap::ArgAction::Append)]
        departements: Vec<String>,
        /// Only establishments in this territory, as LEVEL:CODE (`departement:13`,
        /// `epci:200054807`, `commune:13055`, `region:93`), and their legal units.
        #[arg(long, value_name = "LEVEL:CODE")]
        territory: Option<String>,
        /// Only the legal units Sirene flags as belonging to the SSE
        /// (`economieSocialeSolidaireUniteLegale = O`), and their establishments.
        #[arg(long)]
        ess_only: bool,
        /// Where to write the reject report (JSON Lines); default
        /// `UNITES_LEGALES.rejects.jsonl`.
        #[arg(long)]
        rejects: Option<std::path::PathBuf>,
        /// Records written per transaction.
        #[arg(long, default_value_t = crate::import::BATCH_SIZE)]
        batch_size: usize,
    },
    /// Labels and agreements (ESUS, SIAE, EA, ESAT, SCOP, SCIC…) from a partner's CSV list
    /// (`;` or `,`, UTF-8): holders by SIREN or SIRET (unknown ones created as unresolved
    /// records), labels keyed by the row id or holder and kind (re-importing changes
    /// nothing), SSE family of the holders decided again.
    Labels {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Where to write the reject report (JSON Lines); default `FILE.rejects.jsonl`.
        #[arg(long)]
        rejects: Option<std::path::PathBuf>,
        /// Source of the labels and of the records created (`PARTNER:<slug>` for a partner's
        /// list).
        #[arg(long, default_value = crate::import::labels::SOURCE)]
        source: String,
        /// Records written per transaction.
        #[arg(long, default_value_t = crate::import::BATCH_SIZE)]
        batch_size: usize,
    },
    /// Canteens' declared food purchases (the canteens' register purchase format, `;` CSV):
    /// summed into supply links per canteen, supplier, product family, year and channel
    /// (re-importing changes nothing).
    Purchases {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Where to write the reject report (JSON Lines); default `FILE.rejects.jsonl`.
        #[arg(long)]
        rejects: Option<std::path::PathBuf>,
        /// Source of the supply links (`PARTNER:<slug>` for a partner's file).
        #[arg(long, default_value = crate::import::purchases::SOURCE)]
        source: String,
    },
    /// The canteens' national register (its open-data export, `;` CSV): canteens keyed by
    /// SIRET (re-importing changes nothing), and the supply links from their central kitchens.
    Canteens {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Where to write the reject report (JSON Lines); default `FILE.rejects.jsonl`.
        #[arg(long)]
        rejects: Option<std::path::PathBuf>,
    },
    /// The canteens' yearly declarations (their open-data export): organic and EGalim shares
    /// per canteen and year, for canteens of the register.
    CanteenDeclarations {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Where to write the reject report (JSON Lines); default `FILE.rejects.jsonl`.
        #[arg(long)]
        rejects: Option<std::path::PathBuf>,
    },
    /// The organic operators of the Agence Bio (its API's JSON pages, one after the other, a
    /// JSON array or JSON Lines): operators keyed by number with their sales channels, and a
    /// BIO label and NUMERO_BIO identifier on their organisation (re-importing changes
    /// nothing).
    AgenceBio {
        /// The JSON file.
        file: std::path::PathBuf,
        /// Where to write the reject report (JSON Lines); default `FILE.rejects.jsonl`.
        #[arg(long)]
        rejects: Option<std::path::PathBuf>,
    },
    /// The national list of territorial food projects (PAT): a `;` CSV (UTF-8 or
    /// Windows-1252) with `id`, `nom_administratif`, `communes_code_insee`…; projects keyed
    /// by id (re-importing changes nothing), their communes replaced with them.
    Pat {
        /// The CSV file.
        file: std::path::PathBuf,
        /// Where to write the reject report (JSON Lines); default `FILE.rejects.jsonl`.
        #[arg(long)]
        rejects: Option<std::path::PathBuf>,
        /// Projects written per transaction.
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

/// Runs an import: opens and migrates the database, opens the reject report (`rejects`, or
/// next to `file`), runs `import`, closes the report and prints the summary and where the
/// report is.
async fn run_import<S: std::fmt::Display>(
    database: &crate::config::DatabaseConfig,
    file: &std::path::Path,
    rejects: Option<std::path::PathBuf>,
    import: impl AsyncFnOnce(&sea_orm::DatabaseConnection, &mut crate::import::RejectReport) -> anyhow::Result<S>,
) -> anyhow::Result<()> {
    let db = db::connect_prepared(database).await?;
    let rejects = rejects_path(file, rejects);
    let mut report = crate::import::RejectReport::to_file(&rejects)?;
    let summary = import(&db, &mut report).await?;
    report.finish()?;
    println!("{summary}");
    println!("reject report: {}", rejects.display());
    Ok(())
}

/// Parses the command line and runs the command.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Command::Schema) = cli.command {
        print!("{}", graphql::sdl());
        return ExitCode::SUCCESS;
    }
    init_tracing(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK_BYTES)
        .build()
    {
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

/// Stack of each runtime worker thread (tokio's default is 2 MiB). Requests are bounded in
/// size and depth before they run, so none should come near it; the margin keeps an
/// unforeseen deep recursion from overflowing a stack, which aborts the whole process (a stack
/// overflow cannot be caught like a panic). Only the pages a thread touches are committed.
const WORKER_STACK_BYTES: usize = 16 * 1024 * 1024;

async fn run(cli: Cli) -> anyhow::Result<()> {
    let command = cli
        .command
        .unwrap_or_else(|| Command::Serve(ServeConfig::parse_default()));
    match command {
        Command::Serve(serve) => {
            let config = Config {
                database: cli.database,
                serve,
            };
            let app = http::Application::build(config).await?;
            tracing::info!("GraphiQL on http://{}/", app.local_addr());
            app.run_until_stopped().await
        }
        Command::Migrate => db::connect_prepared(&cli.database).await.map(drop),
        Command::Seed {
            synthetic: true,
            organisations,
            contracts,
            ..
        } => {
            let db = db::connect_prepared(&cli.database).await?;
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
            let db = db::connect_prepared(&cli.database).await?;
            let summary = seed::demo::seed_demo(&db).await?;
            println!("{summary}");
            Ok(())
        }
        Command::Export(args) => {
            let db = db::connect_prepared(&cli.database).await?;
            export(&db, args).await
        }
        Command::Import {
            command:
                ImportCommand::Decp {
                    file,
                    rejects,
                    batch_size,
                },
        } => {
            run_import(&cli.database, &file, rejects, async |db, report| {
                let options = crate::import::decp::DecpOptions {
                    batch_size: batch_size.max(1),
                    ..Default::default()
                };
                Ok(crate::import::decp::import_decp(db, &file, &options, report, None).await?)
            })
            .await
        }
        Command::Import {
            command:
                ImportCommand::Sirene {
                    unites_legales,
                    etablissements,
                    departements,
                    territory,
                    ess_only,
                    rejects,
                    batch_size,
                },
        } => {
            run_import(&cli.database, &unites_legales, rejects, async |db, report| {
                let mut territories = Vec::new();
                for code in &departements {
                    territories.push(export_territory(db, &format!("departement:{code}")).await?);
                }
                if let Some(raw) = &territory {
                    territories.push(export_territory(db, raw).await?);
                }
                let options = crate::import::sirene::SireneOptions {
                    batch_size: batch_size.max(1),
                    scope: crate::import::sirene::SireneScope {
                        territories: (!territories.is_empty()).then_some(territories),
                        ess_only,
                    },
                    ..Default::default()
                };
                Ok(
                    crate::import::sirene::import_sirene(db, &unites_legales, &etablissements, &options, report)
                        .await?,
                )
            })
            .await
        }
        Command::Import {
            command:
                ImportCommand::Labels {
                    file,
                    rejects,
                    source,
                    batch_size,
                },
        } => {
            run_import(&cli.database, &file, rejects, async |db, report| {
                let options = crate::import::labels::LabelsOptions {
                    source,
                    batch_size: batch_size.max(1),
                    ..Default::default()
                };
                Ok(crate::import::labels::import_labels(db, &file, &options, report).await?)
            })
            .await
        }
        Command::Import {
            command:
                ImportCommand::Pat {
                    file,
                    rejects,
                    batch_size,
                },
        } => {
            run_import(&cli.database, &file, rejects, async |db, report| {
                let options = crate::import::pat::PatOptions {
                    batch_size: batch_size.max(1),
                    ..Default::default()
                };
                Ok(crate::import::pat::import_pat(db, &file, &options, report).await?)
            })
            .await
        }
        Command::Import {
            command: ImportCommand::Purchases { file, rejects, source },
        } => {
            run_import(&cli.database, &file, rejects, async |db, report| {
                Ok(crate::import::purchases::import_purchases(db, &file, &source, false, report).await?)
            })
            .await
        }
        Command::Import {
            command: ImportCommand::Canteens { file, rejects },
        } => {
            run_import(&cli.database, &file, rejects, async |db, report| {
                Ok(crate::import::canteens::import_canteens(db, &file, false, report).await?)
            })
            .await
        }
        Command::Import {
            command: ImportCommand::CanteenDeclarations { file, rejects },
        } => {
            run_import(&cli.database, &file, rejects, async |db, report| {
                Ok(crate::import::canteens::import_declarations(db, &file, false, report).await?)
            })
            .await
        }
        Command::Import {
            command: ImportCommand::AgenceBio { file, rejects },
        } => {
            run_import(&cli.database, &file, rejects, async |db, report| {
                Ok(crate::import::agence_bio::import_agence_bio(db, &file, false, report).await?)
            })
            .await
        }
        Command::Derive {
            command: DeriveCommand::FoodLinks { source, rejects },
        } => {
            let db = db::connect_prepared(&cli.database).await?;
            let mut report = crate::import::RejectReport::to_file(&rejects)?;
            let summary = crate::import::food_links::derive_food_links(&db, &source, &mut report).await?;
            report.finish()?;
            println!("{summary}; report: {}", rejects.display());
            Ok(())
        }
        Command::Keys { command } => {
            let db = db::connect_prepared(&cli.database).await?;
            crate::keys_cli::run(&db, command).await
        }
        Command::Schema => Ok(()),
    }
}

/// What `terrasse export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ExportWhat {
    /// Contracts with their buyer, suppliers and modifications.
    Contracts,
    /// Organisations with their head office and labels.
    Organisations,
}

/// Arguments of `terrasse export`.
#[derive(Debug, clap::Args)]
struct ExportArgs {
    /// What to export.
    what: ExportWhat,
    /// File format (`ocds`: contracts only).
    #[arg(long, value_enum, default_value = "csv")]
    format: export::Format,
    /// Only this territory, as LEVEL:CODE (`departement:13`, `epci:200054807`,
    /// `commune:13055`, `region:93`): contracts awarded by buyers in it, organisations with an
    /// establishment in it.
    #[arg(long, value_name = "LEVEL:CODE")]
    territory: Option<String>,
    /// Start of the period (YYYY-MM-DD, inclusive): contracts notified on or after it,
    /// organisations still active on it or later.
    #[arg(long, value_name = "DATE")]
    from: Option<chrono::NaiveDate>,
    /// End of the period (YYYY-MM-DD, inclusive): contracts notified on or before it,
    /// organisations created on or before it.
    #[arg(long, value_name = "DATE")]
    to: Option<chrono::NaiveDate>,
    /// Write to this file instead of standard output (compressed when it ends in `.gz`).
    #[arg(long, short)]
    output: Option<std::path::PathBuf>,
    /// OCDS: the prefix of every ocid (`ocds-` and the publisher's registered code).
    #[arg(long, default_value = "ocds-terrasse")]
    ocid_prefix: String,
    /// OCDS: the publisher named in the package.
    #[arg(long, default_value = "Terrasse")]
    publisher: String,
}

/// Parses `LEVEL:CODE` into a territory id that exists in the reference data.
async fn export_territory(db: &sea_orm::DatabaseConnection, raw: &str) -> anyhow::Result<String> {
    use entity::enums::TerritoryLevel;
    let (level, code) = raw
        .split_once(':')
        .ok_or_else(|| anyhow::anyhow!("--territory {raw:?}: expected LEVEL:CODE, e.g. departement:13"))?;
    let level = match level.trim().to_ascii_lowercase().as_str() {
        "commune" => TerritoryLevel::Commune,
        "epci" => TerritoryLevel::Epci,
        "departement" | "département" => TerritoryLevel::Departement,
        "region" | "région" => TerritoryLevel::Region,
        other => anyhow::bail!("--territory {raw:?}: unknown level {other:?} (commune, epci, departement, region)"),
    };
    let id = graphql::inputs::territory_id(level, code).map_err(|e| anyhow::anyhow!("--territory {raw:?}: {e}"))?;
    if crate::store::territories::by_ids(db, std::slice::from_ref(&id))
        .await?
        .is_empty()
    {
        anyhow::bail!("--territory {raw:?}: no such territory in the reference data");
    }
    Ok(id)
}

async fn export(db: &sea_orm::DatabaseConnection, args: ExportArgs) -> anyhow::Result<()> {
    use std::io::Write;
    if let (Some(from), Some(to)) = (args.from, args.to)
        && from > to
    {
        anyhow::bail!("--from {from} is after --to {to}");
    }
    let territory_id = match &args.territory {
        Some(raw) => Some(export_territory(db, raw).await?),
        None => None,
    };
    let scope = export::Scope {
        territory_id,
        from: args.from,
        to: args.to,
    };
    let out: Box<dyn Write> = match &args.output {
        Some(path) => {
            let file = std::fs::File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            if path.extension().is_some_and(|e| e == "gz") {
                Box::new(flate2::write::GzEncoder::new(file, flate2::Compression::default()))
            } else {
                Box::new(file)
            }
        }
        None => Box::new(std::io::stdout().lock()),
    };
    let out = std::io::BufWriter::with_capacity(1 << 16, out);
    let started = std::time::Instant::now();
    let mut last_report = std::time::Instant::now();
    let progress = |rows: u64| {
        if last_report.elapsed() >= std::time::Duration::from_secs(5) {
            last_report = std::time::Instant::now();
            tracing::info!(rows, "exporting");
        }
    };
    let (rows, noun) = match args.what {
        ExportWhat::Contracts => {
            let package = export::ocds::PackageInfo {
                ocid_prefix: args.ocid_prefix,
                publisher_name: args.publisher,
                ..export::ocds::PackageInfo::default()
            };
            (
                export::contracts(db, &scope, args.format, &package, out, progress).await?,
                "contracts",
            )
        }
        ExportWhat::Organisations => (
            export::organisations(db, &scope, args.format, out, progress).await?,
            "organisations",
        ),
    };
    tracing::info!(rows, seconds = started.elapsed().as_secs_f64(), "exported {noun}");
    Ok(())
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

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::{Cli, Command};

    #[test]
    fn the_suppression_threshold_is_a_serve_setting_of_at_least_one() {
        let cli = Cli::try_parse_from(["terrasse", "serve", "--suppression-threshold", "5"])
            .expect("a threshold of 5 parses");
        let Some(Command::Serve(serve)) = cli.command else {
            panic!("serve expected")
        };
        assert_eq!(serve.suppression_threshold, 5);
        let error = Cli::try_parse_from(["terrasse", "serve", "--suppression-threshold", "0"])
            .expect_err("a threshold of 0 is refused")
            .to_string();
        assert!(
            error.contains("--suppression-threshold") && error.contains('0'),
            "{error}"
        );
    }
}
