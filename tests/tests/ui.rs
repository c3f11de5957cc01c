//! Compile-time behaviour of the attributes: what compiles, and the exact errors (with
//! spans) for what must not. Bless changes with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
