//! The `terrasse` binary: everything lives in the `api` crate.

/// mimalloc instead of the system allocator: a GraphQL response allocates for every row
/// value, object and field, and glibc's malloc took a third of the request's CPU time
/// (measured with callgrind on the read API benchmark; see docs/BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    api::cli::main()
}
