// A typo in the document's name.
mod parameters {
    arazzo_runtime::include_workflows!("parameter");
}

fn main() {}
