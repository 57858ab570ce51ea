//! The flow fixtures' generated workflows (`tests/flows/`), run against a real HTTP/1.1 server on
//! 127.0.0.1 that answers from a per-test script (a queue of responses per method and path) and
//! records every request. Each test asserts the requests sent, in order, and the typed outputs
//! or the error: actions (`end`, `goto` a step or a workflow, `retry`), workflow-level actions
//! and step overrides, sub-workflows, every criterion type, and the step budget. The last part
//! runs data-driven cases (`tests/flows/*.test.yml`: mocks, inputs, expected outputs and calls).

use std::time::Duration;

use arazzo_runtime::{Client, WorkflowError};
use serde_json::{Value, json};

use arazzo_golden::flows_actions;
use arazzo_golden::flows_criteria;
use arazzo_golden::flows_loan_checkout;
use arazzo_golden::flows_pet_adoption;
use arazzo_golden::flows_step_budget;
use arazzo_golden::flows_subflows;
use arazzo_golden::flows_train_booking;

// ---------------------------------------------------------------------------------------------
// The shared test server (`tests/support`: `arazzo_runtime::testing::TestServer`), answering
// from a per-test script.

mod support;
use support::{Recorded, Reply, Server, TestServer, TestServerBuilder, json_reply, xml_reply};

/// Responses per `METHOD /path` (path without the query), served in order; the last one of a
/// queue repeats. A request nobody scripted gets a 404 (and shows in the recorded calls).
struct Script(TestServerBuilder);

impl Script {
    fn new() -> Self {
        Self(TestServer::builder())
    }

    /// Adds `reply` to the queue of `route` (`"GET /items/a1"`).
    fn on(self, route: &str, reply: Reply) -> Self {
        let (method, path) = route.split_once(' ').unwrap();
        Self(self.0.on(method, path, reply))
    }
}

/// Starts the test server, answering from `script`.
async fn start(script: Script) -> Server {
    Server::start(script.0).await
}

/// A client whose every source description goes to the test server.
trait FlowClient {
    fn client(&self) -> Client;
}

impl FlowClient for Server {
    fn client(&self) -> Client {
        Client::builder()
            .base_url("warehouse", self.url.clone())
            .base_url("pets", self.url.clone())
            .base_url("lending", self.url.clone())
            .base_url("rail", self.url.clone())
            .build()
            .unwrap()
    }
}

fn item(sku: &str, stock: i64) -> Reply {
    json_reply(
        200,
        json!({"sku": sku, "name": format!("Item {sku}"), "stock": stock}),
    )
}

fn reserved(id: &str, stock_left: i64) -> Reply {
    json_reply(201, json!({"reservationId": id, "stock": stock_left}))
}

fn criteria_failed(err: WorkflowError) -> (&'static str, &'static str, u16) {
    match err {
        WorkflowError::CriteriaNotMet {
            step,
            criterion,
            status,
            ..
        } => (step, criterion, status),
        other => panic!("expected CriteriaNotMet, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Actions. `reserve-item`: workflow-level `successActions`/`failureActions`, overridden by
// name on the `reserve` step.

mod reserve_item {
    use super::flows_actions::*;
    use super::*;

    async fn run(script: Script) -> (Result<ReserveItemOutputs, WorkflowError>, Vec<String>) {
        let server = start(script).await;
        let result = reserve_item(&server.client(), ReserveItemInputs::new("a1")).await;
        (result, server.calls())
    }

    #[tokio::test]
    async fn in_stock_reserves_and_the_step_end_action_skips_the_restock() {
        let (result, calls) = run(Script::new()
            .on("GET /items/a1", item("a1", 5))
            .on("POST /items/a1/reservations", reserved("r-1", 4)))
        .await;
        let out = result.unwrap();
        let reservation: Option<String> = out.reservation_id;
        let ticket: Option<String> = out.restock_ticket;
        assert_eq!(reservation.as_deref(), Some("r-1"));
        assert_eq!(ticket, None, "`done` (end) ran before `restock`");
        assert_eq!(calls, ["GET /items/a1", "POST /items/a1/reservations"]);
    }

    #[tokio::test]
    async fn workflow_success_action_ends_when_the_lookup_says_sold_out() {
        let (result, calls) = run(Script::new().on("GET /items/a1", item("a1", 0))).await;
        let out = result.unwrap();
        assert_eq!(out.reservation_id, None);
        assert_eq!(out.restock_ticket, None);
        assert_eq!(calls, ["GET /items/a1"]);
    }

    #[tokio::test]
    async fn step_override_of_sold_out_jumps_forward_to_the_restock() {
        let (result, calls) = run(Script::new()
            .on("GET /items/a1", item("a1", 1))
            .on("POST /items/a1/reservations", reserved("r-2", 0))
            .on(
                "POST /items/a1/restocks",
                json_reply(202, json!({"ticket": "t-9"})),
            ))
        .await;
        let out = result.unwrap();
        assert_eq!(out.reservation_id.as_deref(), Some("r-2"));
        assert_eq!(out.restock_ticket.as_deref(), Some("t-9"));
        assert_eq!(
            calls,
            [
                "GET /items/a1",
                "POST /items/a1/reservations",
                "POST /items/a1/restocks"
            ]
        );
    }

    #[tokio::test]
    async fn workflow_failure_action_end_is_a_normal_end() {
        let (result, calls) = run(Script::new().on("GET /items/a1", Reply::status(404))).await;
        let out = result.unwrap();
        assert_eq!((out.reservation_id, out.restock_ticket), (None, None));
        assert_eq!(calls, ["GET /items/a1"]);
    }

    #[tokio::test]
    async fn workflow_retry_retries_twice_then_succeeds() {
        let (result, calls) = run(Script::new()
            .on("GET /items/a1", Reply::status(429))
            .on("GET /items/a1", Reply::status(429))
            .on("GET /items/a1", item("a1", 3))
            .on("POST /items/a1/reservations", reserved("r-3", 2)))
        .await;
        assert_eq!(result.unwrap().reservation_id.as_deref(), Some("r-3"));
        assert_eq!(
            calls,
            [
                "GET /items/a1",
                "GET /items/a1",
                "GET /items/a1",
                "POST /items/a1/reservations"
            ]
        );
    }

    #[tokio::test]
    async fn workflow_retry_exhausted_fails_with_the_criterion() {
        let (result, calls) = run(Script::new().on("GET /items/a1", Reply::status(429))).await;
        assert_eq!(
            criteria_failed(result.unwrap_err()),
            ("lookup", "$statusCode == 200", 429)
        );
        assert_eq!(calls, ["GET /items/a1"; 3], "one try and retryLimit: 2");
    }

    #[tokio::test]
    async fn step_override_of_throttled_ends_instead_of_retrying() {
        let (result, calls) = run(Script::new()
            .on("GET /items/a1", item("a1", 3))
            .on("POST /items/a1/reservations", Reply::status(429)))
        .await;
        let out = result.unwrap();
        assert_eq!(out.reservation_id, None);
        assert_eq!(calls, ["GET /items/a1", "POST /items/a1/reservations"]);
    }

    #[tokio::test]
    async fn a_failure_no_action_matches_returns_the_criterion() {
        let (result, calls) = run(Script::new()
            .on("GET /items/a1", item("a1", 3))
            .on("POST /items/a1/reservations", Reply::status(409)))
        .await;
        assert_eq!(
            criteria_failed(result.unwrap_err()),
            ("reserve", "$statusCode == 201", 409)
        );
        assert_eq!(calls, ["GET /items/a1", "POST /items/a1/reservations"]);
    }
}

// `sync-feed`: a backward goto (another page) guarded by a step output, a forward goto (an empty
// feed skips `store`), `T` outputs for steps every path runs, `Option` for one a path skips.
mod sync_feed {
    use super::flows_actions::*;
    use super::*;

    fn page(n: i64, count: i64, more: bool) -> Reply {
        json_reply(200, json!({"page": n, "count": count, "more": more}))
    }

    #[tokio::test]
    async fn pages_loop_back_until_the_feed_says_no_more() {
        let server = start(
            Script::new()
                .on("GET /feed", page(1, 10, true))
                .on("GET /feed", page(2, 10, true))
                .on("GET /feed", page(3, 4, false))
                .on("POST /archive", json_reply(201, json!({"archived": 10})))
                .on("POST /archive", json_reply(201, json!({"archived": 20})))
                .on("POST /archive", json_reply(201, json!({"archived": 24})))
                .on("POST /archive/commit", Reply::status(204)),
        )
        .await;
        let out = sync_feed(&server.client(), SyncFeedInputs::new())
            .await
            .unwrap();
        let last_page: i64 = out.last_page;
        let archived: Option<i64> = out.archived;
        let committed: u16 = out.committed;
        assert_eq!((last_page, archived, committed), (3, Some(24), 204));
        assert_eq!(
            server.calls(),
            [
                "GET /feed",
                "POST /archive",
                "GET /feed",
                "POST /archive",
                "GET /feed",
                "POST /archive",
                "POST /archive/commit"
            ]
        );
        let pages: Vec<Value> = server
            .requests()
            .iter()
            .filter(|r| r.target == "/archive")
            .map(Recorded::json)
            .collect();
        assert_eq!(
            pages,
            [json!({"page": 1}), json!({"page": 2}), json!({"page": 3})],
            "each store reads the latest fetch"
        );
    }

    #[tokio::test]
    async fn an_empty_feed_jumps_forward_past_the_store() {
        let server = start(
            Script::new()
                .on("GET /feed", page(7, 0, false))
                .on("POST /archive/commit", Reply::status(204)),
        )
        .await;
        let out = sync_feed(&server.client(), SyncFeedInputs::new())
            .await
            .unwrap();
        assert_eq!((out.last_page, out.archived, out.committed), (7, None, 204));
        assert_eq!(server.calls(), ["GET /feed", "POST /archive/commit"]);
    }
}

// `fetch-item`: first matching action wins (a header criterion before the retries), retry with
// a limit, then the next action (goto the mirror), `Retry-After` overriding `retryAfter`.
mod fetch_item {
    use super::flows_actions::*;
    use super::*;

    fn script_with_primary(replies: Vec<Reply>) -> Script {
        replies
            .into_iter()
            .fold(Script::new(), |s, r| s.on("GET /items/b2", r))
            .on("GET /mirror/items/b2", item("b2", 1))
            .on("POST /audit", Reply::status(204))
    }

    async fn run(script: Script) -> (Result<FetchItemOutputs, WorkflowError>, Vec<String>) {
        let server = start(script).await;
        // `outage` says `retryAfter: 60`; the server's `Retry-After: 0` must win, so this bound
        // only trips when the header is ignored.
        let result = tokio::time::timeout(
            Duration::from_secs(30),
            fetch_item(&server.client(), FetchItemInputs::new("b2")),
        )
        .await
        .expect("Retry-After: 0 should override retryAfter: 60");
        (result, server.calls())
    }

    #[tokio::test]
    async fn success_jumps_over_the_mirror() {
        let (result, calls) = run(script_with_primary(vec![item("b2", 1)])).await;
        let out = result.unwrap();
        assert_eq!((out.mirror_name, out.audited), (None, Some(204)));
        assert_eq!(calls, ["GET /items/b2", "POST /audit"]);
    }

    #[tokio::test]
    async fn retries_exhausted_then_the_next_action_goes_to_the_mirror() {
        let (result, calls) = run(script_with_primary(vec![Reply::status(429)])).await;
        let out = result.unwrap();
        assert_eq!(out.mirror_name.as_deref(), Some("Item b2"));
        assert_eq!(out.audited, Some(204));
        assert_eq!(
            calls,
            [
                "GET /items/b2",
                "GET /items/b2",
                "GET /items/b2",
                "GET /mirror/items/b2",
                "POST /audit"
            ]
        );
    }

    #[tokio::test]
    async fn all_criteria_of_an_action_must_hold() {
        let exhausted = Reply::status(429).header("X-Quota", "exhausted");
        let (result, calls) = run(script_with_primary(vec![exhausted])).await;
        assert_eq!(result.unwrap().mirror_name.as_deref(), Some("Item b2"));
        assert_eq!(
            calls,
            ["GET /items/b2", "GET /mirror/items/b2", "POST /audit"],
            "no retry: only the first criterion of `throttled` holds"
        );
    }

    #[tokio::test]
    async fn an_unmatched_failure_takes_the_unconditional_goto() {
        let (result, calls) = run(script_with_primary(vec![Reply::status(500)])).await;
        assert_eq!(result.unwrap().mirror_name.as_deref(), Some("Item b2"));
        assert_eq!(
            calls,
            ["GET /items/b2", "GET /mirror/items/b2", "POST /audit"]
        );
    }

    #[tokio::test]
    async fn the_first_matching_action_wins() {
        // A 429 that also says maintenance: `maintenance` (end) comes before `throttled`.
        let (result, calls) = run(script_with_primary(vec![
            Reply::status(429).header("X-Maintenance", "true"),
        ]))
        .await;
        let out = result.unwrap();
        assert_eq!((out.mirror_name, out.audited), (None, None));
        assert_eq!(calls, ["GET /items/b2"]);

        // Header names in criteria match whatever case the server sends.
        let (result, calls) = run(script_with_primary(vec![
            Reply::status(503).header("x-maintenance", "TRUE"),
        ]))
        .await;
        assert_eq!(result.unwrap().audited, None);
        assert_eq!(calls, ["GET /items/b2"]);
    }

    #[tokio::test]
    async fn retry_after_header_overrides_retry_after_and_default_limit_is_one() {
        let outage = || Reply::status(503).header("Retry-After", "0");
        let (result, calls) = run(script_with_primary(vec![outage(), item("b2", 1)])).await;
        assert_eq!(result.unwrap().audited, Some(204));
        assert_eq!(calls, ["GET /items/b2", "GET /items/b2", "POST /audit"]);

        // An HTTP-date in the past means "now".
        let dated = Reply::status(503).header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
        let (result, calls) = run(script_with_primary(vec![dated, item("b2", 1)])).await;
        assert_eq!(result.unwrap().audited, Some(204));
        assert_eq!(calls, ["GET /items/b2", "GET /items/b2", "POST /audit"]);

        // retryLimit defaults to 1: a second outage goes on to `use-mirror`.
        let (result, calls) = run(script_with_primary(vec![outage()])).await;
        assert_eq!(result.unwrap().mirror_name.as_deref(), Some("Item b2"));
        assert_eq!(
            calls,
            [
                "GET /items/b2",
                "GET /items/b2",
                "GET /mirror/items/b2",
                "POST /audit"
            ]
        );
    }
}

// `authorized-lookup`: retry with a `stepId` target: sign in again, then retry the lookup with
// the new token.
mod authorized_lookup {
    use super::flows_actions::*;
    use super::*;

    fn token(t: &str) -> Reply {
        json_reply(200, json!({"token": t}))
    }

    #[tokio::test]
    async fn an_expired_token_runs_the_target_step_then_retries() {
        let server = start(
            Script::new()
                .on("POST /login", token("old"))
                .on("POST /login", token("new"))
                .on("GET /items/c3", Reply::status(401))
                .on("GET /items/c3", item("c3", 1)),
        )
        .await;
        let inputs = AuthorizedLookupInputs::new("ada", "pw", "c3");
        let out = authorized_lookup(&server.client(), inputs).await.unwrap();
        let name: String = out.name;
        let token: String = out.token;
        assert_eq!((name.as_str(), token.as_str()), ("Item c3", "new"));
        let requests = server.requests();
        let calls: Vec<String> = requests.iter().map(Recorded::call).collect();
        assert_eq!(
            calls,
            [
                "POST /login",
                "GET /items/c3",
                "POST /login",
                "GET /items/c3"
            ]
        );
        assert_eq!(requests[1].header("authorization"), Some("Bearer old"));
        assert_eq!(requests[3].header("authorization"), Some("Bearer new"));
    }

    #[tokio::test]
    async fn the_retry_limit_counts_the_target_round_trips() {
        let server = start(
            Script::new()
                .on("POST /login", token("t"))
                .on("GET /items/c3", Reply::status(401)),
        )
        .await;
        let inputs = AuthorizedLookupInputs::new("ada", "pw", "c3");
        let err = authorized_lookup(&server.client(), inputs)
            .await
            .unwrap_err();
        assert_eq!(criteria_failed(err), ("lookup", "$statusCode == 200", 401));
        assert_eq!(
            server.calls(),
            [
                "POST /login",
                "GET /items/c3",
                "POST /login",
                "GET /items/c3"
            ]
        );
    }
}

// `reserve-or-backorder`: goto a workflow is a one-way transfer.
mod goto_workflow {
    use super::flows_actions::*;
    use super::*;

    #[tokio::test]
    async fn out_of_stock_hands_over_to_the_backorder_workflow_and_ends() {
        let server = start(Script::new().on("GET /items/d4", item("d4", 0)).on(
            "POST /backorders",
            json_reply(201, json!({"backorderId": "b-1"})),
        ))
        .await;
        let out = reserve_or_backorder(&server.client(), ReserveOrBackorderInputs::new("d4"))
            .await
            .unwrap();
        assert_eq!(out.reservation_id, None);
        let requests = server.requests();
        let calls: Vec<String> = requests.iter().map(Recorded::call).collect();
        assert_eq!(calls, ["GET /items/d4", "POST /backorders"]);
        assert_eq!(
            requests[1].json(),
            json!({"sku": "d4"}),
            "the caller's inputs"
        );
    }

    #[tokio::test]
    async fn in_stock_reserves_without_the_other_workflow() {
        let server = start(
            Script::new()
                .on("GET /items/d4", item("d4", 2))
                .on("POST /items/d4/reservations", reserved("r-4", 1)),
        )
        .await;
        let out = reserve_or_backorder(&server.client(), ReserveOrBackorderInputs::new("d4"))
            .await
            .unwrap();
        assert_eq!(out.reservation_id.as_deref(), Some("r-4"));
        assert_eq!(
            server.calls(),
            ["GET /items/d4", "POST /items/d4/reservations"]
        );
    }

    #[tokio::test]
    async fn a_failure_in_the_other_workflow_is_the_error() {
        let server = start(
            Script::new()
                .on("GET /items/d4", item("d4", 0))
                .on("POST /backorders", Reply::status(503)),
        )
        .await;
        let err = reserve_or_backorder(&server.client(), ReserveOrBackorderInputs::new("d4"))
            .await
            .unwrap_err();
        assert_eq!(criteria_failed(err), ("order", "$statusCode == 201", 503));
    }
}

// `audit-item`: workflow-level `goto` actions apply to every step: to a step (success) and to a
// workflow (failure, a one-way transfer).
mod workflow_level_goto {
    use super::flows_actions::*;
    use super::*;

    async fn run(script: Script) -> (AuditItemOutputs, Vec<Recorded>) {
        let server = start(script.on("POST /audit", Reply::status(204)).on(
            "POST /backorders",
            json_reply(201, json!({"backorderId": "b-5"})),
        ))
        .await;
        let out = audit_item(&server.client(), AuditItemInputs::new("e5"))
            .await
            .unwrap();
        (out, server.requests())
    }

    fn calls(requests: &[Recorded]) -> Vec<String> {
        requests.iter().map(Recorded::call).collect()
    }

    #[tokio::test]
    async fn low_stock_jumps_to_the_audit() {
        let (out, requests) = run(Script::new().on("GET /items/e5", item("e5", 1))).await;
        let mirror_stock: Option<i64> = out.stock_on_mirror;
        assert_eq!((mirror_stock, out.audited), (None, Some(204)));
        assert_eq!(calls(&requests), ["GET /items/e5", "POST /audit"]);
    }

    #[tokio::test]
    async fn plenty_of_stock_reads_the_mirror_first() {
        let (out, requests) = run(Script::new()
            .on("GET /items/e5", item("e5", 9))
            .on("GET /mirror/items/e5", item("e5", 8)))
        .await;
        assert_eq!((out.stock_on_mirror, out.audited), (Some(8), Some(204)));
        assert_eq!(
            calls(&requests),
            ["GET /items/e5", "GET /mirror/items/e5", "POST /audit"]
        );
    }

    #[tokio::test]
    async fn an_unknown_item_is_handed_to_the_backorder_workflow_from_any_step() {
        let (out, requests) = run(Script::new().on("GET /items/e5", Reply::status(404))).await;
        assert_eq!((out.stock_on_mirror, out.audited), (None, None));
        assert_eq!(calls(&requests), ["GET /items/e5", "POST /backorders"]);
        assert_eq!(requests[1].json(), json!({"sku": "e5"}));

        let (out, requests) = run(Script::new()
            .on("GET /items/e5", item("e5", 9))
            .on("GET /mirror/items/e5", Reply::status(404)))
        .await;
        assert_eq!((out.stock_on_mirror, out.audited), (None, None));
        assert_eq!(
            calls(&requests),
            ["GET /items/e5", "GET /mirror/items/e5", "POST /backorders"]
        );
    }
}

#[tokio::test]
async fn a_handled_failure_still_reads_the_steps_outputs_from_its_response() {
    use flows_actions::*;
    // `audit` answers 404: `unknown-item` hands over to `place-backorder`, and `audited` is the
    // status of the failed audit (outputs of a step whose failure an action handled are read
    // from that response).
    let server = start(
        Script::new()
            .on("GET /items/e5", item("e5", 1))
            .on("POST /audit", Reply::status(404))
            .on(
                "POST /backorders",
                json_reply(201, json!({"backorderId": "b-9"})),
            ),
    )
    .await;
    let out = audit_item(&server.client(), AuditItemInputs::new("e5"))
        .await
        .unwrap();
    assert_eq!((out.stock_on_mirror, out.audited), (None, Some(404)));
    assert_eq!(
        server.calls(),
        ["GET /items/e5", "POST /audit", "POST /backorders"]
    );
}

// `reserve-through-workflow`: a workflow step's `$statusCode` is the status of the callee's last
// response, whichever path the callee took.
mod workflow_step_status {
    use super::flows_actions::*;
    use super::*;

    async fn run(script: Script) -> (ReserveThroughWorkflowOutputs, Vec<String>) {
        let server = start(script).await;
        let out =
            reserve_through_workflow(&server.client(), ReserveThroughWorkflowInputs::new("f6"))
                .await
                .unwrap();
        (out, server.calls())
    }

    #[tokio::test]
    async fn the_status_is_the_callees_last_response() {
        let (out, calls) = run(Script::new()
            .on("GET /items/f6", item("f6", 4))
            .on("POST /items/f6/reservations", reserved("r-6", 3)))
        .await;
        let reservation: Option<String> = out.reservation_id;
        let last_status: u16 = out.last_status;
        assert_eq!((reservation.as_deref(), last_status), (Some("r-6"), 201));
        assert_eq!(calls, ["GET /items/f6", "POST /items/f6/reservations"]);

        let (out, calls) = run(Script::new().on("GET /items/f6", item("f6", 0))).await;
        assert_eq!((out.reservation_id, out.last_status), (None, 200));
        assert_eq!(calls, ["GET /items/f6"]);

        let (out, calls) = run(Script::new()
            .on("GET /items/f6", item("f6", 1))
            .on("POST /items/f6/reservations", reserved("r-7", 0))
            .on(
                "POST /items/f6/restocks",
                json_reply(202, json!({"ticket": "t-1"})),
            ))
        .await;
        assert_eq!(
            (out.reservation_id.as_deref(), out.last_status),
            (Some("r-7"), 202)
        );
        assert_eq!(calls.len(), 3);
    }

    #[tokio::test]
    async fn a_callee_that_ends_on_a_404_gives_the_caller_that_status() {
        // `reserve-item` ends normally on a 404; the caller's `$statusCode < 300` then fails.
        let server = start(Script::new().on("GET /items/f6", Reply::status(404))).await;
        let err =
            reserve_through_workflow(&server.client(), ReserveThroughWorkflowInputs::new("f6"))
                .await
                .unwrap_err();
        assert_eq!(criteria_failed(err), ("reserve", "$statusCode < 300", 404));
    }
}

// `quick-reserve`: a step reading the output of a step a goto skipped fails with
// `MissingOutput`, before its request is sent.
mod missing_output {
    use super::flows_actions::*;
    use super::*;

    fn script(lookup: Reply) -> Script {
        Script::new()
            .on("GET /items/g7", lookup)
            .on("POST /items/g7/reservations", reserved("r-8", 1))
            .on("POST /audit", Reply::status(204))
    }

    #[tokio::test]
    async fn the_normal_path_sends_the_reservation() {
        let server = start(script(item("g7", 2))).await;
        quick_reserve(&server.client(), QuickReserveInputs::new("g7"))
            .await
            .unwrap();
        let requests = server.requests();
        assert_eq!(
            requests.iter().map(Recorded::call).collect::<Vec<_>>(),
            [
                "GET /items/g7",
                "POST /items/g7/reservations",
                "POST /audit"
            ]
        );
        assert_eq!(requests[2].json(), json!({"sku": "g7", "source": "r-8"}));
    }

    #[tokio::test]
    async fn a_skipped_output_is_a_missing_output_error() {
        let server = start(script(item("g7", 2).header("X-Hot", "yes"))).await;
        let err = quick_reserve(&server.client(), QuickReserveInputs::new("g7"))
            .await
            .unwrap_err();
        match err {
            WorkflowError::MissingOutput { step, output } => {
                assert_eq!((step, output), ("reserve", "reservationId"));
            }
            other => panic!("expected MissingOutput, got {other:?}"),
        }
        assert_eq!(server.calls(), ["GET /items/g7"]);
    }
}

// `lookup-or-register`: a `retry` with a `workflowId` runs that workflow, then the step again.
mod retry_with_workflow {
    use super::flows_actions::*;
    use super::*;

    #[tokio::test]
    async fn the_workflow_runs_before_the_retry() {
        let server = start(
            Script::new()
                .on("GET /items/h8", Reply::status(404))
                .on("GET /items/h8", item("h8", 0))
                .on(
                    "POST /backorders",
                    json_reply(201, json!({"backorderId": "b-8"})),
                ),
        )
        .await;
        let out = lookup_or_register(&server.client(), LookupOrRegisterInputs::new("h8"))
            .await
            .unwrap();
        let stock: i64 = out.stock;
        assert_eq!(stock, 0);
        assert_eq!(
            server.calls(),
            ["GET /items/h8", "POST /backorders", "GET /items/h8"]
        );
    }

    #[tokio::test]
    async fn still_unknown_after_the_retry_fails() {
        let server = start(Script::new().on("GET /items/h8", Reply::status(404)).on(
            "POST /backorders",
            json_reply(201, json!({"backorderId": "b-8"})),
        ))
        .await;
        let err = lookup_or_register(&server.client(), LookupOrRegisterInputs::new("h8"))
            .await
            .unwrap_err();
        assert_eq!(criteria_failed(err), ("lookup", "$statusCode == 200", 404));
        assert_eq!(
            server.calls(),
            ["GET /items/h8", "POST /backorders", "GET /items/h8"]
        );
    }
}

// A goto loop that never ends: `StepBudgetExceeded` after the budget (5, set at generation).
mod step_budget {
    use super::flows_step_budget::*;
    use super::*;

    // The retry's criteria are `a || b`: the limit still holds for `a` (one retry, then the
    // criterion's error), rather than the loop running into the budget.
    #[tokio::test]
    async fn a_retry_limit_holds_when_its_criteria_are_an_or() {
        let server = start(Script::new().on("GET /jobs/j2", Reply::status(503))).await;
        let err = retry_unavailable(&server.client(), RetryUnavailableInputs::new("j2"))
            .await
            .unwrap_err();
        assert!(
            matches!(
                err,
                WorkflowError::CriteriaNotMet {
                    step: "poll",
                    status: 503,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(server.calls(), ["GET /jobs/j2", "GET /jobs/j2"]);
    }

    #[tokio::test]
    async fn a_goto_loop_stops_at_the_budget() {
        let server =
            start(Script::new().on("GET /jobs/j1", json_reply(200, json!({"state": "running"}))))
                .await;
        let err = watch_job(&server.client(), WatchJobInputs::new("j1"))
            .await
            .unwrap_err();
        match err {
            WorkflowError::StepBudgetExceeded { step, budget } => {
                assert_eq!((step, budget), ("poll", 5));
            }
            other => panic!("expected StepBudgetExceeded, got {other:?}"),
        }
        assert_eq!(server.calls(), ["GET /jobs/j1"; 5]);
    }

    #[tokio::test]
    async fn the_loop_ends_when_the_criterion_stops_matching() {
        let server = start(
            Script::new()
                .on("GET /jobs/j1", json_reply(200, json!({"state": "running"})))
                .on("GET /jobs/j1", json_reply(200, json!({"state": "running"})))
                .on("GET /jobs/j1", json_reply(200, json!({"state": "done"}))),
        )
        .await;
        let out = watch_job(&server.client(), WatchJobInputs::new("j1"))
            .await
            .unwrap();
        assert_eq!(out.state, "done");
        assert_eq!(server.calls(), ["GET /jobs/j1"; 3]);
    }
}

// ---------------------------------------------------------------------------------------------
// 2. Sub-workflows.

mod subflows {
    use super::flows_subflows::*;
    use super::*;

    #[tokio::test]
    async fn a_workflow_step_maps_parameters_and_reads_outputs_and_status() {
        let server = start(
            Script::new()
                .on("POST /login", json_reply(200, json!({"token": "tk"})))
                .on("GET /me", json_reply(200, json!({"name": "Ada"}))),
        )
        .await;
        let out = show_profile(&server.client(), ShowProfileInputs::new("ada", "pw"))
            .await
            .unwrap();
        let name: String = out.name;
        let login_status: u16 = out.login_status;
        assert_eq!((name.as_str(), login_status), ("Ada", 200));
        let requests = server.requests();
        assert_eq!(
            requests.iter().map(Recorded::call).collect::<Vec<_>>(),
            ["POST /login", "GET /me"]
        );
        assert_eq!(
            requests[0].json(),
            json!({"username": "ada", "password": "pw"}),
            "`user`/`pass` mapped to the callee's `username`/`password`"
        );
        assert_eq!(requests[1].header("authorization"), Some("Bearer tk"));
    }

    #[tokio::test]
    async fn a_failing_callee_fails_the_caller_with_the_callee_step() {
        let server = start(Script::new().on("POST /login", Reply::status(401))).await;
        let err = show_profile(&server.client(), ShowProfileInputs::new("ada", "bad"))
            .await
            .unwrap_err();
        assert_eq!(criteria_failed(err), ("login", "$statusCode == 200", 401));
        assert_eq!(server.calls(), ["POST /login"]);
    }

    #[tokio::test]
    async fn depends_on_runs_first_and_its_outputs_are_readable() {
        let server = start(
            Script::new()
                .on("POST /login", json_reply(200, json!({"token": "dep"})))
                .on(
                    "GET /me",
                    json_reply(200, json!({"name": "Ada", "team": "ops"})),
                ),
        )
        .await;
        let out =
            profile_after_sign_in(&server.client(), ProfileAfterSignInInputs::new("ada", "pw"))
                .await
                .unwrap();
        let team: Option<String> = out.team;
        let token: String = out.token;
        assert_eq!((out.name.as_str(), team.as_deref()), ("Ada", Some("ops")));
        assert_eq!(
            token, "dep",
            "`$workflows.sign-in.outputs.token` as a workflow output"
        );
        let requests = server.requests();
        assert_eq!(
            requests.iter().map(Recorded::call).collect::<Vec<_>>(),
            ["POST /login", "GET /me"]
        );
        assert_eq!(
            requests[0].json(),
            json!({"username": "ada", "password": "pw"})
        );
        assert_eq!(requests[1].header("authorization"), Some("Bearer dep"));
    }
}

// ---------------------------------------------------------------------------------------------
// 3. Every criterion type.

mod criteria {
    use super::flows_criteria::*;
    use super::*;

    const REPORT: &str = concat!(
        r#"<?xml version="1.0"?><report team="core-ops">"#,
        r#"<member role="owner">ada</member><member role="dev">bob</member>"#,
        r#"<member role="dev">cy</member></report>"#
    );

    fn team() -> Value {
        json!({
            "name": "Core Ops",
            "status": "active",
            "size": "3",
            "archivedAt": null,
            "contact": "core.ops@example.com",
            "members": [{"login": "ada", "role": "owner"}, {"login": "bob", "role": "dev"}]
        })
    }

    fn team_reply(body: Value) -> Reply {
        json_reply(200, body).header("ETag", "\"v12\"")
    }

    async fn run(team: Reply, report: Reply) -> Result<CheckTeamOutputs, WorkflowError> {
        let server = start(
            Script::new()
                .on("GET /teams/core-ops", team)
                .on("GET /teams/core-ops/report", report),
        )
        .await;
        check_team(&server.client(), CheckTeamInputs::new("core-ops")).await
    }

    #[tokio::test]
    async fn all_criteria_hold() {
        let out = run(team_reply(team()), xml_reply(200, REPORT))
            .await
            .unwrap();
        assert_eq!(out.name.as_deref(), Some("Core Ops"));
        let report: String = out.report;
        assert_eq!(report, REPORT);
    }

    /// Each change breaks exactly one criterion of `team`, named in the error.
    #[tokio::test]
    async fn each_team_criterion_can_fail() {
        let cases: Vec<(&str, Value, &str)> = vec![
            (
                "status",
                json!("retired"),
                "$response.body#/status == 'ACTIVE'",
            ),
            ("size", json!("4"), "$response.body#/size == 3"),
            ("size", json!("three"), "$response.body#/size == 3"),
            (
                "archivedAt",
                json!("2024-01-01"),
                "$response.body#/archivedAt == null",
            ),
            ("archivedAt", json!(0), "$response.body#/archivedAt == null"),
            (
                "contact",
                json!("ops@example.org"),
                r"^[a-z.]+@example\.com$",
            ),
            (
                "members",
                json!([{"login": "ada", "role": "dev"}]),
                "$.members[?@.role == 'owner']",
            ),
            (
                "members",
                json!([{"login": "bob", "role": "owner"}]),
                "$[?@.login == 'ada']",
            ),
        ];
        for (field, value, criterion) in cases {
            let mut body = team();
            body[field] = value.clone();
            let err = run(team_reply(body), xml_reply(200, REPORT))
                .await
                .unwrap_err();
            assert_eq!(
                criteria_failed(err),
                ("team", criterion, 200),
                "{field} = {value}"
            );
        }
        let err = run(
            json_reply(200, team()).header("ETag", "W/\"v12\""),
            xml_reply(200, REPORT),
        )
        .await
        .unwrap_err();
        assert_eq!(criteria_failed(err), ("team", r#"^"v\d+"$"#, 200));
        let err = run(json_reply(200, team()), xml_reply(200, REPORT))
            .await
            .unwrap_err();
        assert_eq!(
            criteria_failed(err),
            ("team", r#"^"v\d+"$"#, 200),
            "a missing header fails its regex"
        );
    }

    #[tokio::test]
    async fn input_and_status_code_contexts_can_fail() {
        let server = start(Script::new().on("GET /teams/core-ops", team_reply(team()))).await;
        let err = check_team(&server.client(), CheckTeamInputs::new("Core_Ops"))
            .await
            .unwrap_err();
        assert_eq!(criteria_failed(err), ("team", "^[a-z-]+$", 404));
        let err = run(json_reply(500, team()), xml_reply(200, REPORT))
            .await
            .unwrap_err();
        assert_eq!(criteria_failed(err), ("team", "^200$", 500));
    }

    #[tokio::test]
    async fn each_report_criterion_can_fail() {
        let cases = [
            (
                REPORT.replace("core-ops", "Core Ops"),
                r#"<report team="[a-z-]+">"#,
            ),
            (
                REPORT.replace(r#"<member role="dev">cy</member>"#, ""),
                "count(/report/member) = 3",
            ),
            (
                REPORT.replace(r#"role="owner">ada"#, r#"role="owner">bob"#),
                "/report/member[@role='owner']/text() = 'ada'",
            ),
            ("not xml".to_owned(), r#"<report team="[a-z-]+">"#),
        ];
        for (xml, criterion) in cases {
            let err = run(team_reply(team()), xml_reply(200, &xml))
                .await
                .unwrap_err();
            assert_eq!(criteria_failed(err), ("report", criterion, 200), "{xml}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Data-driven cases in the style of the jentic fixtures: each `tests/flows/*.test.yml` names
// an Arazzo document and lists cases (workflow, inputs, scripted responses, expected outputs or
// error, expected calls).

/// Runs workflow `id` of `document` with JSON inputs; outputs as JSON.
async fn run_workflow(
    document: &str,
    id: &str,
    client: &Client,
    inputs: Value,
) -> Result<Value, WorkflowError> {
    macro_rules! dispatch {
        ($($doc:literal, $wf:literal => $module:ident :: $func:ident, $inputs:ident;)*) => {
            match (document, id) {
                $(($doc, $wf) => {
                    let inputs: $module::$inputs = serde_json::from_value(inputs).unwrap();
                    $module::$func(client, inputs)
                        .await
                        .map(|outputs| serde_json::to_value(outputs).unwrap())
                })*
                other => panic!("no generated function for {other:?}"),
            }
        };
    }
    dispatch! {
        "pet-adoption.arazzo.yml", "adopt-pet" => flows_pet_adoption::adopt_pet, AdoptPetInputs;
        "loan-checkout.arazzo.yml", "apply-at-checkout" =>
            flows_loan_checkout::apply_at_checkout, ApplyAtCheckoutInputs;
        "train-booking.arazzo.yml", "book-trip" => flows_train_booking::book_trip, BookTripInputs;
        "subflows.arazzo.yml", "sign-in" => flows_subflows::sign_in, SignInInputs;
        "subflows.arazzo.yml", "show-profile" => flows_subflows::show_profile, ShowProfileInputs;
        "subflows.arazzo.yml", "profile-after-sign-in" =>
            flows_subflows::profile_after_sign_in, ProfileAfterSignInInputs;
    }
}

#[tokio::test]
async fn data_driven_cases() {
    let mut ran = 0;
    for config in ["pet-adoption", "loan-checkout", "train-booking", "subflows"] {
        let path = format!("../arazzo-codegen/tests/flows/{config}.test.yml");
        let text = std::fs::read_to_string(&path).unwrap();
        let config: Value = serde_yaml::from_str(&text).unwrap();
        let document = config["document"].as_str().unwrap();
        for case in config["cases"].as_array().unwrap() {
            let name = case["name"].as_str().unwrap();
            let script = case["mocks"]
                .as_array()
                .unwrap()
                .iter()
                .fold(Script::new(), |s, m| {
                    let route = format!(
                        "{} {}",
                        m["method"].as_str().unwrap().to_ascii_uppercase(),
                        m["path"].as_str().unwrap()
                    );
                    let status = m["status"].as_u64().unwrap() as u16;
                    let mut reply = match &m["body"] {
                        Value::Null => Reply::status(status),
                        body => json_reply(status, body.clone()),
                    };
                    for (h, v) in m["headers"].as_object().into_iter().flatten() {
                        reply = reply.header(h, v.as_str().unwrap());
                    }
                    s.on(&route, reply)
                });
            let server = start(script).await;
            let result = run_workflow(
                document,
                case["workflow"].as_str().unwrap(),
                &server.client(),
                case["inputs"].clone(),
            )
            .await;
            match (&case["expected_outputs"], &case["expected_error"], result) {
                (expected, Value::Null, Ok(outputs)) => {
                    assert_eq!(&outputs, expected, "{path}: {name}: outputs");
                }
                (Value::Null, expected, Err(err)) => {
                    let got = json!({"step": err.step(), "status": err.status()});
                    assert_eq!(&got, expected, "{path}: {name}: error {err}");
                }
                (_, _, result) => panic!("{path}: {name}: unexpected {result:?}"),
            }
            // Each expected call is `METHOD target`, or `{call, body}` to check the JSON body too.
            let requests = server.requests();
            let expected = case["expected_calls"].as_array().unwrap();
            let calls: Vec<String> = requests.iter().map(Recorded::call).collect();
            let want: Vec<&str> = expected
                .iter()
                .map(|c| c.as_str().or(c["call"].as_str()).unwrap())
                .collect();
            assert_eq!(calls, want, "{path}: {name}: calls");
            for (request, call) in requests.iter().zip(expected) {
                if let Some(body) = call.get("body") {
                    assert_eq!(&request.json(), body, "{path}: {name}: {}", request.call());
                }
            }
            ran += 1;
        }
    }
    assert!(ran >= 14, "only {ran} data-driven cases ran");
}
