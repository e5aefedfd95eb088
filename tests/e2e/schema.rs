//! The checked-in `schema.graphql` is the SDL the server serves.

#[test]
fn schema_graphql_equals_the_served_sdl() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let served = api::graphql::sdl();
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        std::fs::write(path, &served).unwrap();
    }
    let checked_in = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        checked_in == served,
        "schema.graphql is out of date: regenerate it with `cargo run -- schema > schema.graphql` \
         (or `UPDATE_SCHEMA=1 cargo test schema`)"
    );
}
