//! The README's main job, run as a test: the example's own code, in-process, against the
//! local Web PubSub service it starts.

#[allow(dead_code)] // the example's `main`
#[path = "../pubsub-flows/examples/token-then-broadcast.rs"]
mod main_job;

#[tokio::test]
async fn the_main_job_delivers_the_broadcast_to_a_subscriber() {
    let args = main_job::parse_args(
        ["--message", "from the test suite", "--hub", "suite"]
            .map(String::from)
            .into_iter(),
    );
    let Ok(main_job::Command::Run(mut args)) = args else {
        panic!("the arguments should ask for a run");
    };
    // The test must use the in-process service even when a developer has this set.
    args.connection_string = None;

    let received = main_job::run(args).await.unwrap();

    assert_eq!(received, "from the test suite");
}

#[test]
fn help_is_usage_not_an_error() {
    for flag in ["--help", "-h"] {
        let command = main_job::parse_args(["--hub", "h", flag].map(String::from).into_iter());
        assert!(matches!(command, Ok(main_job::Command::Help)), "{flag}");
    }
    assert!(main_job::USAGE.starts_with("usage: token-then-broadcast"));
}

#[test]
fn bad_arguments_are_explained() {
    let err = main_job::parse_args(["--bogus"].map(String::from).into_iter())
        .err()
        .unwrap();
    assert!(err.contains("--bogus"), "{err}");
    let err = main_job::parse_args(["--hub"].map(String::from).into_iter())
        .err()
        .unwrap();
    assert!(err.contains("--hub needs a value"), "{err}");
}
