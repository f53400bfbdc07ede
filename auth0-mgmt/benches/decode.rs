//! Decoding a 1,000-user `GET /api/v2/users` answer into what `users().list()` returns
//! (`types::ListUsersResponseContent`), with the client's own decoder (`auth0_mgmt::from_json`),
//! against CPython's `json.loads` of the same bytes in the same run (with the machine's
//! `python3`, if there is one; median of 15 rounds of 20 on both sides). The process's
//! allocator is the system's; `decode_mimalloc` runs the same with mimalloc.
//!
//! `cargo bench -p auth0-mgmt --bench decode`

mod common;

fn main() {
    common::decode::run("system allocator");
}
