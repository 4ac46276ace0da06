//! Compile-time checks of `stack!`: each file under `ui/fail` is one mistake,
//! with the exact error rustc prints kept beside it (`.stderr`); `ui/pass` holds
//! stacks that must compile. Refresh the snapshots with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}
