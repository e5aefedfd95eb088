//! `terrasse keys create|list|revoke`: API key management from the command line.

use clap::Subcommand;
use entity::enums::ApiRole;
use sea_orm::DatabaseConnection;
use uuid::Uuid;

use crate::store;

/// Role given to a new key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum RoleArg {
    /// Reads, and writes records whose source is the key's source.
    Partner,
    /// Everything, the audit log included.
    Admin,
}

/// The `keys` subcommands.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key and print it once (only its hash is stored).
    Create {
        /// Who holds the key.
        #[arg(long)]
        name: String,
        /// What the key may do.
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The source the key's writes carry (required for a partner), e.g. `PARTNER:ress-paca`.
        #[arg(long)]
        source: Option<String>,
    },
    /// List keys (never their secret).
    List,
    /// Revoke a key by id: it is refused from then on.
    Revoke {
        /// The key's id, as printed by `keys list`.
        id: Uuid,
    },
}

/// Runs a `keys` subcommand, printing its result on standard output.
pub async fn run(db: &DatabaseConnection, command: KeysCommand) -> anyhow::Result<()> {
    match command {
        KeysCommand::Create { name, role, source } => {
            let role = match role {
                RoleArg::Partner => ApiRole::Partner,
                RoleArg::Admin => ApiRole::Admin,
            };
            let created = store::keys::create(db, &name, role, source.as_deref()).await?;
            println!("id:     {}", created.record.id);
            println!("role:   {}", role_name(created.record.role));
            println!("source: {}", created.record.source.as_deref().unwrap_or("-"));
            println!("key:    {}", created.secret);
            eprintln!("Keep this key now: it is shown only once. Send it as `Authorization: Bearer <key>`.");
        }
        KeysCommand::List => {
            println!("id\tname\trole\tsource\tprefix\tcreated_at\tlast_used_at\trevoked_at");
            for key in store::keys::list(db).await? {
                let time = |at: Option<chrono::DateTime<chrono::Utc>>| at.map_or("-".to_owned(), |at| at.to_rfc3339());
                println!(
                    "{}\t{}\t{}\t{}\t{}…\t{}\t{}\t{}",
                    key.id,
                    key.name,
                    role_name(key.role),
                    key.source.as_deref().unwrap_or("-"),
                    key.key_prefix,
                    key.created_at.to_rfc3339(),
                    time(key.last_used_at),
                    time(key.revoked_at),
                );
            }
        }
        KeysCommand::Revoke { id } => match store::keys::revoke(db, id).await? {
            Some(key) => println!(
                "revoked {} ({}) at {}",
                key.id,
                key.name,
                key.revoked_at.map(|at| at.to_rfc3339()).unwrap_or_default()
            ),
            None => anyhow::bail!("no API key has id {id}"),
        },
    }
    Ok(())
}

fn role_name(role: ApiRole) -> &'static str {
    match role {
        ApiRole::Partner => "partner",
        ApiRole::Admin => "admin",
    }
}
