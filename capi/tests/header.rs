//! The committed header is what cbindgen makes of the crate now: a
//! changed function, type or comment without a regenerated header fails
//! here. Regenerate with `TINYSCORE_BLESS=1 cargo test -p tinyscore-c
//! --test header`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[test]
fn committed_header_is_generated_from_the_source() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).unwrap();
    let mut fresh = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen reads the crate")
        .write(&mut fresh);
    let path = crate_dir.join("include/tinyscore.h");
    if std::env::var_os("TINYSCORE_BLESS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    }
    let committed = std::fs::read(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "capi/include/tinyscore.h is not what cbindgen generates from capi/src: \
         regenerate it with TINYSCORE_BLESS=1 cargo test -p tinyscore-c --test header"
    );
}
