// Two documents of one build, each in its own module, as a crate with several documents has them.
mod parameters {
    arazzo_runtime::include_workflows!("parameters");
}
mod inputs {
    arazzo_runtime::include_workflows!("inputs");
}

fn main() {
    let _ = parameters::find_owner_pet;
    let _ = inputs::subscribe;
}
