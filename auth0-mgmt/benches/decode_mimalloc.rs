//! The `decode` benchmark with mimalloc as the process's global allocator, as services that
//! allocate heavily often choose: decoding is allocation-bound (every string of the answer
//! becomes a `String`), so the allocator weighs on the figure as much as the parser.
//!
//! `cargo bench -p auth0-mgmt --bench decode_mimalloc`

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod common;

fn main() {
    common::decode::run("mimalloc");
}
