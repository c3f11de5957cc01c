fn main() {
    dapr_fn_build::generate();
}
