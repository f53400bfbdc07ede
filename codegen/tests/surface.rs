//! The generated API surface of auth0-mgmt, one snapshot per top-level resource (plus
//! `shared` for types several resources use). Review changes with `cargo insta review`.

use std::path::Path;

#[test]
fn management_api_surface() {
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec/management");
    let out = codegen::generate_from_spec(&spec).expect("generation succeeds");
    assert_eq!(
        out.operations, 454,
        "every operation of the document (452) and of the overlay (2) is in the facade"
    );
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/surface");
    settings.bind(|| {
        for (resource, text) in &out.surface {
            insta::assert_snapshot!(resource.as_str(), text);
        }
    });
}
