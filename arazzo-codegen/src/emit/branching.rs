//! Workflows whose actions jump: a loop over the runtime's step driver (`Steps`: next step,
//! step budget, retry counts) with one `match` arm per step. Each arm sends its request, tests
//! the criteria, then runs the first action whose criteria hold (`end` leaves the loop, `goto`
//! sets the next step, `retry` waits and runs the step again); without one, success moves on
//! and failure returns the criterion that failed. Workflow-level actions are written once,
//! after the `match`: the arms of such a workflow hand on their response and failed criterion.
//! What has no response to hand on (a message step, a join, a timed-out step) runs its action
//! lists, which hold the workflow's actions, where it is. A `receive` starts listening in its
//! arm and is joined (its actions run) at the start of the arm of the step that needs it, or in
//! an arm of its own after the last step; a `retry` there runs the receive again.

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::values::{cond_tokens, cond_tokens_before_and, negate, type_tokens};
use super::workflow::{
    call, call_boxed, call_or_timed_out, output_value, output_value_opt, outputs_literal,
};
use super::{message, request};
use crate::plan::{
    ActionKind, ActionPlan, CondPlan, OutputSource, Plan, ReceivePlan, RustType, StepKind,
    StepPlan, WorkflowPlan,
};

/// Declarations, the loop, then `Ok(outputs)` (with the last status when `with_status`).
pub(super) fn steps(
    plan: &Plan,
    w: &WorkflowPlan,
    used: &BTreeSet<String>,
    with_status: bool,
) -> TokenStream {
    let ids = w.steps.iter().map(|s| s.id.as_str());
    let budget = plan.step_budget;
    let mut output_vars = BTreeSet::new();
    for f in &w.outputs.fields {
        super::workflow::collect_vars(&f.value, &mut output_vars);
    }
    let shared_success = shared(w, |s| &s.on_success);
    let shared_failure = shared(w, |s| &s.on_failure);
    let flags = Flags {
        with_status,
        output_vars,
        tail: !shared_success.is_empty() || !shared_failure.is_empty(),
    };
    let decls = w
        .steps
        .iter()
        .flat_map(|s| &s.outputs)
        .filter(|o| used.contains(&o.var))
        .map(|o| {
            let var = format_ident!("{}", o.var);
            let ty = type_tokens(&RustType::Option(Box::new(o.ty.clone())));
            quote! { let mut #var: #ty = None; }
        });
    // Receives joined elsewhere than in their own arm keep their listener in an `Option` (a
    // `goto` may skip the step, or reach it again, which listens anew).
    let last_step = w.steps.len().saturating_sub(1);
    let pending: Vec<TokenStream> = w
        .steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match &s.kind {
            StepKind::Receive(r) if !in_own_arm(r, i, last_step) => {
                let var = format_ident!("{}", r.pending_var);
                Some(quote! {
                    let mut #var: Option<::arazzo_runtime::__private::message::Receiving> = None;
                })
            }
            _ => None,
        })
        .collect();
    let joins = |at: Option<usize>| -> TokenStream {
        w.steps
            .iter()
            .enumerate()
            .filter_map(|(i, s)| match &s.kind {
                StepKind::Receive(r) if r.join_before == at && !in_own_arm(r, i, last_step) => {
                    Some(join((i, s), r, used, &flags, at.is_none()))
                }
                _ => None,
            })
            .collect()
    };
    let (mut arms, mut advances): (Vec<TokenStream>, Vec<bool>) = w
        .steps
        .iter()
        .enumerate()
        .map(|(i, s)| arm(plan, s, i, used, &flags, joins(Some(i)), i == last_step))
        .unzip();
    // A receive with actions that no later step needs is joined in an arm of its own after
    // the last step (the driver runs it as one more step of that id), where its actions can
    // still jump; an `end` before it leaves it to the join after the loop.
    let late: Vec<usize> = w
        .steps
        .iter()
        .enumerate()
        .filter(|(i, s)| match &s.kind {
            StepKind::Receive(r) => {
                r.join_before.is_none()
                    && !in_own_arm(r, *i, last_step)
                    && !(s.on_success.is_empty() && s.on_failure.is_empty())
            }
            _ => false,
        })
        .map(|(i, _)| i)
        .collect();
    for (k, &i) in late.iter().enumerate() {
        let s = &w.steps[i];
        if let StepKind::Receive(r) = &s.kind {
            let at = w.steps.len() + k;
            let join = join((i, s), r, used, &flags, false);
            if flags.tail {
                arms.push(quote! { #at => { #join steps.succeeded().advance(); continue; } });
                advances.push(false);
            } else {
                arms.push(quote! { #at => { #join } });
                advances.push(true);
            }
        }
    }
    let ids = ids.chain(late.iter().map(|&i| w.steps[i].id.as_str()));
    let end_joins = joins(None);
    // Arms whose success goes on to the next step fall through to one `advance`; the others
    // leave the arm on every path (and with none falling through, it would be unreachable).
    let advance = advances
        .contains(&true)
        .then(|| quote! { steps.succeeded().advance(); });
    let last = with_status.then(|| quote! { let mut last_status: u16 = 0; });
    let outputs = outputs_literal(w);
    let result = if with_status {
        // Bound first: a struct literal inside the tuple would wrap field by field.
        quote! {
            let outputs = #outputs;
            Ok((outputs, last_status))
        }
    } else {
        quote! {
            Ok(#outputs)
        }
    };
    let run = if flags.tail {
        // Each arm gives its response and the criterion that failed, if any, unless its own
        // actions took over; the workflow's actions then run here, once for all steps.
        let any = quote! { response.step() };
        let (on_failure, failure_done) = actions(
            &shared_failure,
            &any,
            &flags,
            false,
            Subject::Response,
            None,
        );
        let fail =
            (!failure_done).then(|| quote! { return Err(response.criteria_failed(criterion)); });
        let failed = if failure_done {
            quote! { failed.is_some() }
        } else {
            quote! { let Some(criterion) = failed }
        };
        let (on_success, success_done) =
            actions(&shared_success, &any, &flags, true, Subject::Response, None);
        let next = (!success_done).then(|| quote! { steps.succeeded().advance(); });
        let tail = quote! {
            if #failed {
                #on_failure
                #fail
            }
            #on_success
            #next
        };
        // Unconditional workflow-level actions may leave nothing that reads the response.
        let response = if super::mentions(&tail, "response") {
            quote! { response }
        } else {
            quote! { _ }
        };
        quote! {
            let (#response, failed) = match step {
                #(#arms)*
                _ => break,
            };
            #tail
        }
    } else {
        quote! {
            match step {
                #(#arms)*
                _ => break,
            }
            #advance
        }
    };
    quote! {
        let mut steps = ::arazzo_runtime::__private::steps::Steps::new([#(#ids),*], #budget);
        #(#decls)*
        #(#pending)*
        #last
        while let Some(step) = steps.step()? {
            #run
        }
        #end_joins
        #result
    }
}

/// Whether a receive is joined in its own arm: it is the last step and no step needs it.
fn in_own_arm(r: &ReceivePlan, i: usize, last_step: usize) -> bool {
    r.join_before.is_none() && i == last_step
}

/// The join of step `index`, a receive that started listening in an earlier arm, at the start
/// of the arm of the step that needs it, in an arm of its own after the last step, or after the
/// loop (`at_end`: the workflow ended by an action, where no action can run): the message (a
/// timeout runs the receive's failure actions that need no message), its criteria (a failed one
/// runs its failure actions; a `retry` runs the receive again), its outputs, its success
/// actions. A receive that was not reached, or was joined already, has nothing to join.
fn join(
    (index, s): (usize, &StepPlan),
    r: &ReceivePlan,
    used: &BTreeSet<String>,
    flags: &Flags,
    at_end: bool,
) -> TokenStream {
    let id = &s.id;
    let step = quote! { #id };
    let pending = format_ident!("{}", r.pending_var);
    let wait = message::wait_on(r, quote! { pending });
    // The join hands nothing on: the workflow's actions run here too (the lists hold them).
    let (own_success, own_failure) = if at_end {
        (Vec::new(), Vec::new())
    } else {
        (own(&s.on_success, false), own(&s.on_failure, false))
    };
    let rerun = Some(index);
    let (acts, done) = actions(&own_failure, &step, flags, false, Subject::Nothing, rerun);
    let waited = if acts.is_empty() {
        quote! { #wait? }
    } else {
        let fail = (!done).then(|| quote! { return Err(error); });
        quote! {
            match #wait {
                Ok(message) => message,
                Err(error) if error.is_timeout() => {
                    #acts
                    #fail
                }
                Err(error) => return Err(error),
            }
        }
    };
    let criteria = (!s.criteria.is_empty()).then(|| {
        let mut failed = quote! { None };
        for c in s.criteria.iter().rev() {
            let test = cond_tokens(&negate(&c.condition));
            let text = &c.text;
            failed = quote! { if #test { Some(#text) } else { #failed } };
        }
        let (acts, done) = actions(&own_failure, &step, flags, false, Subject::Message, rerun);
        if done {
            quote! {
                let failed: Option<&'static str> = #failed;
                if failed.is_some() {
                    #acts
                }
            }
        } else {
            quote! {
                let failed: Option<&'static str> = #failed;
                if let Some(criterion) = failed {
                    #acts
                    return Err(message.criteria_failed(#id, criterion));
                }
            }
        }
    });
    let callee = quote! { callee };
    let outputs = s.outputs.iter().map(|o| {
        let value = output_value(&o.source, &o.ty, &callee);
        if used.contains(&o.var) {
            let var = format_ident!("{}", o.var);
            quote! { #var = Some(#value); }
        } else {
            // Read and checked even when nothing uses it: a message without it still fails.
            let ty = type_tokens(&o.ty);
            quote! { let _: #ty = #value; }
        }
    });
    let (success_actions, _) = actions(&own_success, &step, flags, true, Subject::Message, None);
    // A message that met the criteria starts the receive's retry count over.
    let received = retries(&own_failure).then(|| quote! { steps.received(#index); });
    let rest = quote! {
        #criteria
        #received
        #(#outputs)*
        #success_actions
    };
    let binding = if super::mentions(&rest, "message") {
        quote! { message }
    } else {
        quote! { _ }
    };
    quote! {
        if let Some(pending) = #pending.take() {
            let #binding = #waited;
            #rest
        }
    }
}

/// Whether a `retry` is among the actions.
fn retries(list: &[Shared<'_>]) -> bool {
    list.iter()
        .any(|a| matches!(a.action.kind, ActionKind::Retry { .. }))
}

/// A workflow-level action and the steps that override it by name (its guard).
struct Shared<'a> {
    action: &'a ActionPlan,
    skipped_by: Vec<usize>,
}

/// The workflow-level actions of one outcome that some step runs, in their order, each with the
/// steps that do not run it. `list` is a function pointer, not a generic closure, so that this
/// and the sort in it compile once for both outcomes.
fn shared<'a>(w: &'a WorkflowPlan, list: fn(&StepPlan) -> &[ActionPlan]) -> Vec<Shared<'a>> {
    let mut found: Vec<(usize, &ActionPlan)> = w
        .steps
        .iter()
        .flat_map(|s| list(s).iter())
        .filter_map(|a| a.shared.map(|k| (k, a)))
        .collect();
    found.sort_by_key(|(k, _)| *k);
    found.dedup_by_key(|(k, _)| *k);
    found
        .into_iter()
        .map(|(k, action)| Shared {
            action,
            skipped_by: (0..w.steps.len())
                .filter(|&i| !list(&w.steps[i]).iter().any(|a| a.shared == Some(k)))
                .collect(),
        })
        .collect()
}

struct Flags {
    with_status: bool,
    /// The workflow has workflow-level actions: arms hand `(response, failed)` to the code
    /// after the `match` that runs them.
    tail: bool,
    /// Step-output variables the workflow's outputs read.
    output_vars: BTreeSet<String>,
}

/// One step's arm, and whether its success path falls through to the `advance` after the
/// `match` (every other path leaves the arm). In a workflow with workflow-level actions, a
/// message step has no response to hand on to them after the `match`: they run in its arm (its
/// action lists hold them), which then goes on to the next step itself.
fn arm(
    plan: &Plan,
    s: &StepPlan,
    i: usize,
    used: &BTreeSet<String>,
    flags: &Flags,
    joins: TokenStream,
    last_step: bool,
) -> (TokenStream, bool) {
    if flags.tail && matches!(s.kind, StepKind::Send(_) | StepKind::Receive(_)) {
        let inline = Flags {
            tail: false,
            with_status: flags.with_status,
            output_vars: flags.output_vars.clone(),
        };
        let (body, advances) = arm_body(plan, s, used, &inline, joins, last_step);
        let next = advances.then(|| quote! { steps.succeeded().advance(); continue; });
        return (quote! { #i => { #body #next } }, false);
    }
    let (body, advances) = arm_body(plan, s, used, flags, joins, last_step);
    (quote! { #i => { #body } }, advances)
}

/// The statements of [`arm`].
#[allow(clippy::too_many_arguments)]
fn arm_body(
    plan: &Plan,
    s: &StepPlan,
    used: &BTreeSet<String>,
    flags: &Flags,
    joins: TokenStream,
    last_step: bool,
) -> (TokenStream, bool) {
    let id = &s.id;
    // A receive joined later only starts listening here; its actions run at the join. One a
    // `retry` may run again succeeds only at the join: its retry count goes on until then.
    if let StepKind::Receive(r) = &s.kind
        && !(r.join_before.is_none() && last_step)
    {
        let start = message::receive_start(plan, id, r, true);
        if s.on_failure
            .iter()
            .any(|a| matches!(a.kind, ActionKind::Retry { .. }))
        {
            return (quote! { #joins #start steps.advance(); continue; }, false);
        }
        return (quote! { #joins #start }, true);
    }
    let step = quote! { #id };
    // The step's own actions; in a workflow with workflow-level actions those run after the
    // `match`, and the arm hands its response on.
    let (own_success, own_failure) = (
        own(&s.on_success, flags.tail),
        own(&s.on_failure, flags.tail),
    );
    // Failure actions only run when a criterion can fail.
    let failures: &[ActionPlan] = if s.criteria.is_empty() {
        &[]
    } else {
        &s.on_failure
    };
    let acts = s.on_success.iter().chain(failures);
    let needs_response = flags.tail
        || flags.with_status
        || !s.criteria.is_empty()
        || s.outputs
            .iter()
            .any(|o| !matches!(o.source, OutputSource::Callee(..) | OutputSource::Value(_)))
        || acts
            .clone()
            .any(|a| !a.criteria.is_empty() || matches!(a.kind, ActionKind::Retry { .. }));
    let subject = match &s.kind {
        StepKind::Request(_) | StepKind::Workflow(_) => Subject::Response,
        StepKind::Receive(_) => Subject::Message,
        StepKind::Send(_) => Subject::Nothing,
    };
    // A step that can fail with no response to test (a timeout, a receive that got no
    // message) runs its own failure actions whose criteria do not read one, then fails.
    // `None`: no failure action can run without one, so any error fails the workflow (`?`).
    // A step that timed out has no response to hand on: the workflow's failure actions run here
    // too (the step's list holds them).
    let all_failure = own(&s.on_failure, false);
    let on_timeout = || {
        let (acts, done) = actions(&all_failure, &step, flags, false, Subject::Nothing, None);
        let fail = (!done).then(|| quote! { return Err(error); });
        (!acts.is_empty()).then(|| {
            quote! {
                Err(error) if error.is_timeout() => {
                    #acts
                    #fail
                }
                Err(error) => return Err(error),
            }
        })
    };
    let run = match &s.kind {
        StepKind::Request(r) if r.timeout_ms.is_some() && !s.on_failure.is_empty() => {
            let (prelude, send) = request::send_result(plan, id, r);
            let binding = if needs_response {
                quote! { response }
            } else {
                quote! { _ }
            };
            let sent = match on_timeout() {
                Some(on_timeout) => quote! {
                    match #send {
                        Ok(response) => response,
                        #on_timeout
                    }
                },
                None => quote! { #send? },
            };
            quote! {
                #prelude
                let #binding = #sent;
            }
        }
        StepKind::Request(r) => {
            let (prelude, send) = request::send(plan, id, r);
            if needs_response {
                quote! { #prelude let response = #send; }
            } else {
                quote! { #prelude #send; }
            }
        }
        StepKind::Workflow(c) => {
            let callee_used = s.outputs.iter().any(|o| {
                matches!(o.source, OutputSource::Callee(..)) && (!o.hidden || used.contains(&o.var))
            });
            let callee = if callee_used {
                quote! { callee }
            } else {
                quote! { _ }
            };
            let status = if needs_response {
                quote! { status }
            } else {
                quote! { _ }
            };
            let pattern = quote! { (#callee, #status) };
            // Past the step's `timeout` its failure actions that need no response run.
            let (acts, done) = actions(&all_failure, &step, flags, false, Subject::Nothing, None);
            let call = if c.timeout_ms.is_some() && !acts.is_empty() {
                let fail = (!done).then(|| quote! { return Err(error); });
                call_or_timed_out(c, id, pattern, quote! { #acts #fail })
            } else {
                call(c, id, Some(pattern))
            };
            if needs_response {
                quote! {
                    #call
                    let response = ::arazzo_runtime::Response::status_only(#id, status);
                }
            } else {
                call
            }
        }
        StepKind::Send(m) => {
            let send = message::send_in_arm(plan, id, m);
            match on_timeout() {
                Some(on_timeout) => quote! {
                    match #send {
                        Ok(()) => {}
                        #on_timeout
                    }
                },
                None => quote! { #send?; },
            }
        }
        // Bound as `message` below, once it is known whether anything reads it.
        StepKind::Receive(r) => {
            let receive = message::receive_in_arm(plan, id, r);
            match on_timeout() {
                Some(on_timeout) => quote! {
                    match #receive {
                        Ok(message) => message,
                        #on_timeout
                    }
                },
                None => quote! { #receive? },
            }
        }
    };
    // Message steps have no HTTP status, nor has a workflow of them.
    let no_status = matches!(&s.kind, StepKind::Workflow(c) if !c.status);
    let last = (flags.with_status && subject == Subject::Response && !no_status)
        .then(|| quote! { last_status = response.status(); });
    let callee = quote! { callee };
    let outputs = s
        .outputs
        .iter()
        .filter(|o| !o.hidden || used.contains(&o.var))
        .map(|o| {
            let value = output_value(&o.source, &o.ty, &callee);
            if used.contains(&o.var) {
                let var = format_ident!("{}", o.var);
                quote! { #var = Some(#value); }
            } else {
                let ty = type_tokens(&o.ty);
                quote! { let _: #ty = #value; }
            }
        });
    // A success starts the step's retry count over where the loop goes on.
    let (success_actions, success_done) = actions(&own_success, &step, flags, true, subject, None);
    let next = match (success_done, flags.tail) {
        (false, true) => Some(quote! { (response, None) }),
        // Written once after the `match`.
        _ => None,
    };
    let advances = !success_done && !flags.tail;
    let on_success = quote! {
        #(#outputs)*
        #success_actions
        #next
    };
    // When a failure action takes over, the step's outputs are still read from its response
    // where they can be (an output the response lacks stays unset).
    // Only where something can still read it: the workflow's outputs, or a later step when a
    // failure action keeps the loop going.
    let loops_on = s
        .on_failure
        .iter()
        .any(|a| matches!(a.kind, ActionKind::GotoStep(_) | ActionKind::Retry { .. }));
    // (A message that failed a criterion is not salvaged: its outputs stay unset.)
    let salvage: Vec<TokenStream> = s
        .outputs
        .iter()
        .filter(|_| subject == Subject::Response)
        .filter(|o| used.contains(&o.var) && (loops_on || flags.output_vars.contains(&o.var)))
        .map(|o| {
            let var = format_ident!("{}", o.var);
            let value = output_value_opt(&o.source, &o.ty, &callee);
            quote! { #var = #value; }
        })
        .collect();
    // A received message is bound only when something reads it.
    let bind = |rest: &TokenStream| match &s.kind {
        StepKind::Receive(_) if super::mentions(rest, "message") => {
            quote! { let message = #run; }
        }
        StepKind::Receive(_) => quote! { let _ = #run; },
        _ => run.clone(),
    };
    if s.criteria.is_empty() {
        let run = bind(&on_success);
        return (
            quote! {
                #joins
                #run
                #last
                #on_success
            },
            advances,
        );
    }
    let (failure_actions, failure_done) = actions(&own_failure, &step, flags, false, subject, None);
    let salvage = (!s.on_failure.is_empty()).then(|| quote! { #(#salvage)* });
    // The failure path always leaves the arm (an action, the error, or the failed criterion
    // handed on), so the success path follows it unnested.
    let (failed, test, criterion) = match s.criteria.as_slice() {
        [only] => {
            let text = &only.text;
            (
                None,
                cond_tokens(&negate(&only.condition)),
                quote! { #text },
            )
        }
        several => {
            let mut failed = quote! { None };
            for c in several.iter().rev() {
                let test = cond_tokens(&negate(&c.condition));
                let text = &c.text;
                failed = quote! { if #test { Some(#text) } else { #failed } };
            }
            let test = if failure_done {
                quote! { failed.is_some() }
            } else {
                quote! { let Some(criterion) = failed }
            };
            (
                Some(quote! { let failed: Option<&'static str> = #failed; }),
                test,
                quote! { criterion },
            )
        }
    };
    if flags.tail {
        // The arm's value (its response and the failed criterion, if any) goes to the code
        // after the `match`, unless an action of the step took over.
        let fail = (!failure_done).then(|| quote! { (response, Some(#criterion)) });
        return (
            quote! {
                #joins
                #run
                #last
                #failed
                if #test {
                    #salvage
                    #failure_actions
                    #fail
                } else {
                    #on_success
                }
            },
            advances,
        );
    }
    let fail = (!failure_done).then(|| match subject {
        Subject::Message => quote! { return Err(message.criteria_failed(#id, #criterion)); },
        _ => quote! { return Err(response.criteria_failed(#criterion)); },
    });
    let rest = quote! { #failed #test #failure_actions #fail #on_success };
    let run = bind(&rest);
    (
        quote! {
            #joins
            #run
            #last
            #failed
            if #test {
                #salvage
                #failure_actions
                #fail
            }
            #on_success
        },
        advances,
    )
}

/// What a step's actions can read: the HTTP response (`response`, also the status of a called
/// workflow), a received message (`message`), or nothing (a send, or a step that timed out).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Subject {
    Response,
    Message,
    Nothing,
}

impl Subject {
    /// The variables generated criteria would read that this outcome does not bind.
    fn missing(self) -> &'static [&'static str] {
        match self {
            Subject::Response => &[],
            Subject::Message => &["response"],
            Subject::Nothing => &["response", "message"],
        }
    }
}

/// A step's own actions (all of its actions unless the workflow's run after the `match`).
fn own(list: &[ActionPlan], tail: bool) -> Vec<Shared<'_>> {
    list.iter()
        .filter(|a| !tail || a.shared.is_none())
        .map(|action| Shared {
            action,
            skipped_by: Vec::new(),
        })
        .collect()
}

/// The actions in order, each skipped on the steps in its `skipped_by` (`succeeded`: they
/// follow a success, which starts the step's retry count over); the flag says an unconditional
/// one ends the list (nothing after it could run). `step` names the step in errors; `rerun` is
/// the `receive` a `retry` runs again when its actions run at its join (else the current step).
fn actions(
    list: &[Shared<'_>],
    step: &TokenStream,
    flags: &Flags,
    succeeded: bool,
    subject: Subject,
    rerun: Option<usize>,
) -> (TokenStream, bool) {
    let reset = succeeded.then(|| quote! { .succeeded() });
    let mut out = TokenStream::new();
    for Shared {
        action: a,
        skipped_by,
    } in list
    {
        let criteria = a
            .criteria
            .iter()
            .map(|c| c.condition.clone())
            .reduce(|x, y| CondPlan::And(Box::new(x), Box::new(y)));
        // Criteria over a response or message the step does not have cannot hold.
        if let Some(c) = &criteria
            && subject
                .missing()
                .iter()
                .any(|name| super::mentions(&cond_tokens(c), name))
        {
            continue;
        }
        // A workflow-level action a step overrides by name: not on that step.
        let guard = match skipped_by.as_slice() {
            [] => None,
            [one] => Some(quote! { step != #one }),
            several => Some(quote! { !matches!(step, #(#several)|*) }),
        };
        let test = match (&guard, &criteria) {
            (None, None) => None,
            (Some(g), None) => Some(g.clone()),
            (None, Some(c)) => Some(cond_tokens(c)),
            (Some(g), Some(c)) => {
                let c = cond_tokens_before_and(c);
                Some(quote! { #g && #c })
            }
        };
        let last = flags.with_status.then(|| quote! { last_status = status; });
        let act = match &a.kind {
            ActionKind::End => quote! { steps.end(); break; },
            ActionKind::GotoStep(k) => quote! { steps #reset .goto(#k); continue; },
            // A workflow without a status (message steps only) leaves the last one as it was.
            ActionKind::GotoWorkflow(c) => {
                if flags.with_status && c.status {
                    let call = call_boxed(c, step, Some(quote! { (_, status) }));
                    quote! { #call #last break; }
                } else {
                    let call = call_boxed(c, step, Some(quote! { _ }));
                    quote! { #call break; }
                }
            }
            ActionKind::Retry { limit: 0, .. } => continue,
            ActionKind::Retry {
                after_secs,
                limit,
                step: target,
                workflow,
            } => {
                let first = workflow.as_ref().map(|c| {
                    if flags.with_status && c.status {
                        let call = call_boxed(c, step, Some(quote! { (_, status) }));
                        quote! { #call #last }
                    } else {
                        call_boxed(c, step, Some(quote! { _ }))
                    }
                });
                let first_step = match target {
                    Some(k) => quote! { Some(#k) },
                    None => quote! { None },
                };
                let retry = match (rerun, subject) {
                    (Some(receive), _) => quote! {
                        steps.retry_receive(#receive, #limit, #after_secs, #first_step).await
                    },
                    (None, Subject::Response) => {
                        quote! { steps.retry(&response, #limit, #after_secs, #first_step).await }
                    }
                    (None, Subject::Message | Subject::Nothing) => {
                        quote! { steps.retry_failed(#limit, #after_secs, #first_step).await }
                    }
                };
                // The retry counts only when the criteria hold: test them first, as one operand
                // of `&&` (an `||` in them is parenthesised).
                let guard = match (&guard, &criteria) {
                    (None, None) => retry,
                    (Some(g), None) => quote! { #g && #retry },
                    (None, Some(c)) => {
                        let t = cond_tokens_before_and(c);
                        quote! { #t && #retry }
                    }
                    (Some(g), Some(c)) => {
                        let t = cond_tokens_before_and(c);
                        quote! { #g && #t && #retry }
                    }
                };
                out.extend(quote! {
                    if #guard {
                        #first
                        continue;
                    }
                });
                continue;
            }
        };
        match test {
            Some(t) => out.extend(quote! { if #t { #act } }),
            None => {
                out.extend(act);
                return (out, true);
            }
        }
    }
    (out, false)
}
