//! How persisted queries are handled (`TERRASSE_PERSISTED_QUERIES`): a plain setting read at
//! start-up. The protocol itself (hashes, registration, the allow-list) is `http::persisted`'s
//! concern.

/// How persisted queries are handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Mode {
    /// Not supported: a request naming a query by hash is refused.
    Off,
    /// Automatic persisted queries: a query sent with its hash is registered.
    #[default]
    Auto,
    /// Only the manifest's operations run (admin keys excepted).
    Allowlist,
}
