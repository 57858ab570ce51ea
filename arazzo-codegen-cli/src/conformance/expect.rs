//! What each corpus document should come to, and the judging of one document against it.
//!
//! Judging follows a [`Table`]: the built-in one for the shared corpus (below), a folder's own
//! (`--expect FILE`, `conformance/table.rs`), or none. With a table, every document not
//! listed in its expectations must generate (and compile), unless a folder rule covers its
//! folder. A listed document must report every diagnostic
//! listed for it. An `unsupported-feature` error blocks a
//! document without failing the run; so does a generator bug listed in [`KNOWN_BUGS`] (each
//! names its entry in the findings file), until it is fixed. Anything else fails.

use std::borrow::Cow;

use super::report::{Outcome, Row};
use super::{Checked, Finding};

/// A diagnostic a document must report: its code and a substring of its message, label,
/// notes or help. Warnings count as well as errors.
#[derive(Debug, Clone)]
pub(crate) struct Expectation {
    /// Path relative to the corpus folder, `/`-separated.
    pub(crate) document: Cow<'static, str>,
    /// The diagnostic code.
    pub(crate) code: Cow<'static, str>,
    /// A substring the diagnostic must contain.
    pub(crate) contains: Cow<'static, str>,
    /// Whether the diagnostic must be reported (`false`: it may be, as a consequence of
    /// another defect that a later generator may read past).
    pub(crate) required: bool,
}

/// A diagnostic the document must report; `code` may list alternatives, `a|b` (an error that
/// names the fix, or a warning that reads past it).
const fn e(document: &'static str, code: &'static str, contains: &'static str) -> Expectation {
    Expectation {
        document: Cow::Borrowed(document),
        code: Cow::Borrowed(code),
        contains: Cow::Borrowed(contains),
        required: true,
    }
}

/// Errors with `code` the document may report.
const fn may(document: &'static str, code: &'static str) -> Expectation {
    Expectation {
        document: Cow::Borrowed(document),
        code: Cow::Borrowed(code),
        contains: Cow::Borrowed(""),
        required: false,
    }
}

/// Errors with `code` any document (of a folder rule) may report.
fn may_any(code: &str) -> Expectation {
    Expectation {
        document: Cow::Borrowed(""),
        code: Cow::Owned(code.to_owned()),
        contains: Cow::Borrowed(""),
        required: false,
    }
}

impl Expectation {
    fn has_code(&self, code: &str) -> bool {
        self.code.split('|').any(|c| c == code)
    }

    fn matches(&self, f: &Finding) -> bool {
        self.has_code(&f.code) && f.text.contains(self.contains.as_ref())
    }
}

/// A generator bug that makes documents fail today; see the named entry in the findings file.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KnownBug {
    /// The finding's id in the findings file (`C1`, ...).
    pub(crate) id: &'static str,
    /// Documents whose path starts with this ("" for every document).
    pub(crate) documents: &'static str,
    /// The diagnostic code the bug produces, or [`RUSTC`] for generated code that does not
    /// compile.
    pub(crate) code: &'static str,
    /// A substring of that diagnostic's text (or of rustc's first error line).
    pub(crate) contains: &'static str,
    /// One line: what is wrong with the generator.
    pub(crate) summary: &'static str,
}

impl KnownBug {
    fn matches(&self, document: &str, f: &Finding) -> bool {
        document.starts_with(self.documents)
            && f.code == self.code
            && f.text.contains(self.contains)
    }

    fn matches_rustc(&self, document: &str, error: &str) -> bool {
        self.code == RUSTC && document.starts_with(self.documents) && error.contains(self.contains)
    }

    /// The queue entry for this bug.
    pub(crate) fn key(&self) -> String {
        format!("bug {}: {}", self.id, self.summary)
    }
}

/// Known document defects: each listed diagnostic must be reported. A document listed here
/// generates only if every entry of it is a warning.
#[rustfmt::skip]
pub(crate) const EXPECTED: &[Expectation] = &[
    // The official examples. README defects: FAPI-PAR calls `PAR` (declared `Par`);
    // LoginAndRetrievePets and ExtendedParametersExample name sources not in the corpus. The BNPL
    // and pet-coupons examples also use parameters, outputs and response members their OpenAPI
    // does not declare.
    e("oai/ExtendedParametersExample.arazzo.yaml", "cannot-load-source", "`./animals.yaml`"),
    e("oai/FAPI-PAR.arazzo.yaml", "unknown-operation", "did you mean `Par`"),
    e("oai/LoginAndRetrievePets.arazzo.yaml", "cannot-load-source", "swagger-petstore"),
    e("oai/bnpl-arazzo.yaml", "unknown-response-field", "`findEligibleProducts`"),
    // The README's count() defect: `$[?count(@.products) > 0]` does not test non-emptiness.
    e("oai/bnpl-arazzo.yaml", "suspicious-criterion", "`$[?count(@.products) > 0]`"),
    e("oai/bnpl-arazzo.yaml", "missing-parameter", "`AuthorizationToken`"),
    e("oai/bnpl-arazzo.yaml", "undeclared-parameter", "`getAuthorization`"),
    e("oai/bnpl-arazzo.yaml", "unknown-step-output", "`initiateBnplTransaction`"),
    may("oai/bnpl-arazzo.yaml", "invalid-expression"),
    e("oai/pet-coupons.arazzo.yaml", "undeclared-parameter", "`findPetsByTags`"),
    e("oai/pet-coupons.arazzo.yaml", "unknown-parameter", "`getPetCoupons`"),
    e("oai/pet-coupons.arazzo.yaml", "missing-parameter", "`petId`"),
    // jentic fixtures: written for a lenient runner. Dotted body paths (`$response.body.x`),
    // `$steps.x.y` without `.outputs` (the README's spotify case: the fix must be named), ids
    // with spaces, `name#/paths/...` operation paths, and undeclared inputs.
    e("jentic/bnpl/bnpl-arazzo.yaml", "unknown-response-field", "`findEligibleProducts`"),
    e("jentic/bnpl/bnpl-arazzo.yaml", "suspicious-criterion", "`$[?count(@.products) > 0]`"),
    e("jentic/bnpl/bnpl-arazzo.yaml", "unknown-input", "`$inputs.customer.firstName`"),
    e("jentic/bnpl/bnpl-arazzo.yaml", "missing-parameter", "`AuthorizationToken`"),
    e("jentic/bnpl/bnpl-arazzo.yaml", "undeclared-parameter", "`getAuthorization`"),
    may("jentic/bnpl/bnpl-arazzo.yaml", "invalid-expression"),
    e("jentic/bnpl/bnpl-arazzo.yaml", "unknown-step-output", "`initiateBnplTransaction`"),
    e("jentic/discord/discord.arazzo.yaml", "invalid-expression|lenient-expression", "`$response.body#/id`"),
    e("jentic/newyork_times/newyork_times.arazzo.yaml", "invalid-id", "`Search Articles by Keyword`"),
    e("jentic/newyork_times/newyork_times.arazzo.yaml", "unresolved-operation-path|lenient-expression", "`openapi_source#/paths/~1articlesearch.json/get`"),
    may("jentic/newyork_times/newyork_times.arazzo.yaml", "invalid-expression"),
    // `hl` and `facet_filter` are boolean query parameters, `page` an integer one; the
    // document declares all three inputs `type: string`.
    e("jentic/newyork_times/newyork_times.arazzo.yaml", "type-mismatch", "input `hl` is `string`"),
    e("jentic/newyork_times/newyork_times.arazzo.yaml", "type-mismatch", "input `page` is `string`"),
    e("jentic/pet_coupons/pet-coupons.arazzo.yaml", "missing-parameter", "`petId`"),
    e("jentic/pet_coupons/pet-coupons.arazzo.yaml", "unknown-parameter", "`getPetCoupons`"),
    e("jentic/sample_login_workflow/login_workflow.yaml", "invalid-expression|lenient-expression", "`$response.body#/token`"),
    e("jentic/sample_test/example_workflow.yaml", "invalid-expression|lenient-expression", "`$response.body#/message`"),
    e("jentic/spotify/spotify.arazzo.yaml", "invalid-expression|lenient-expression", "`$response.body#/preview_url`"),
    e("jentic/spotify/spotify.arazzo.yaml", "invalid-expression|lenient-expression", "`$steps.getTrack.outputs.preview_url`"),
    e("jentic/train/train.arazzo.yaml", "invalid-id", "`Plan a Trip`"),
    e("jentic/train/train.arazzo.yaml", "unknown-input", "`$inputs.create_booking_body`"),
    may("jentic/train/train.arazzo.yaml", "invalid-expression"),
    // `bicycles` is a boolean query parameter; the document declares the input a string.
    e("jentic/train/train.arazzo.yaml", "type-mismatch", "input `bicycles` is `string`"),
    e("jentic/xkcd/xkcd.arazzo.yaml", "unresolved-operation-path|lenient-expression", "`xkcdApi#/paths/~1info.0.json/get`"),
    e("jentic/xkcd/xkcd.arazzo.yaml", "invalid-expression|literal-output", "output `date`"),
    // Inputs declared `type: string` feeding the `integer` path parameter `petId` (type checks,
    // README Decisions): a string input would be sent as `/pets/Rex`.
    e("jaredce/arazzo/openapi-parameter-tests/path/label/primitive-exploded.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-parameter-tests/path/label/primitive.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-parameter-tests/path/matrix/primitive-exploded.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-parameter-tests/path/matrix/primitive.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-parameter-tests/path/simple/primitive-exploded.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-parameter-tests/path/simple/primitive.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/operation/multiple.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/operation/single.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/operation/variable-default.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/operation/variable-enum.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/path/multiple.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/path/single.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/path/variable-default.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/path/variable-enum.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/root/multiple.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/root/single.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/root/variable-default.json", "type-mismatch", "input `petId` is `string`"),
    e("jaredce/arazzo/openapi-server-tests/root/variable-enum.json", "type-mismatch", "input `petId` is `string`"),
    // JaredCE's mocks: the deliberately broken ones (missing fields, wrong source names, the
    // `hhttps://` and readmeio cases), and copy-paste slips: `$response.body#/id` on operations
    // returning arrays, undeclared inputs and outputs, `/` in workflowIds.
    e("jaredce/arazzo/arazzo-dependsOn/internal-workflow.json", "unknown-input", "`$inputs.put`"),
    e("jaredce/arazzo/arazzo-rules/onFailure/retry/step/set-to-retry-a-step-before-current-step.json", "unknown-input", "`$inputs.user`"),
    e("jaredce/arazzo/arazzo-rules/onFailure/retry/step/set-to-retry-a-workflow-before-current-step.json", "unknown-input", "`$inputs.user`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/deepObject/object.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/form/array-exploded.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/form/array.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/form/object-exploded.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/form/object.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/form/primitive-exploded.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/form/primitive.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/pipeDelimited/array-exploded.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/pipeDelimited/array.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/pipeDelimited/object-exploded.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/pipeDelimited/object.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/spaceDelimited/array-exploded.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/spaceDelimited/array.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/spaceDelimited/object-exploded.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-parameter-tests/query/spaceDelimited/object.json", "unknown-response-field", "`findPetsByTags`"),
    e("jaredce/arazzo/openapi-requestBody-tests/application-json.json", "invalid-id", "`addPet-application/json`"),
    e("jaredce/arazzo/openapi-requestBody-tests/application-octet-stream.json", "invalid-id", "`uploadImage-application/octet-stream`"),
    e("jaredce/arazzo/openapi-requestBody-tests/application-x-www-form-urlencoded-string.json", "invalid-id", "`updatePet-application/x-www-form-urlencoded-string`"),
    e("jaredce/arazzo/openapi-requestBody-tests/application-x-www-form-urlencoded.json", "invalid-id", "`updatePet-application/x-www-form-urlencoded`"),
    e("jaredce/arazzo/openapi-requestBody-tests/application-xml.json", "invalid-id", "`updatePet-application/xml`"),
    e("jaredce/arazzo/openapi-requestBody-tests/application-xml.json", "unknown-input", "`$inputs.petDrink`"),
    e("jaredce/arazzo/openapi-requestBody-tests/multipart-form-data.json", "invalid-id", "`uploadImage-multipart/form-data`"),
    e("jaredce/arazzo/openapi-requestBody-tests/other.json", "unknown-operation", "`getPetById`"),
    e("jaredce/arazzo/openapi-requestBody-tests/text-html.json", "invalid-id", "`updatePet-text/html`"),
    e("jaredce/arazzo/openapi-requestBody-tests/text-plain.json", "invalid-id", "`updatePet-text/plain`"),
    e("jaredce/arazzo/openapi-requestBody-tests/text-xml.json", "invalid-id", "`updatePet-text/xml`"),
    e("jaredce/arazzo/openapi-requestBody-tests/text-xml.json", "unknown-input", "`$inputs.petDrink`"),
    e("jaredce/arazzo/openapi-security-tests/mutualTLS/users-arazzo.json", "missing-request-body", "`loginUser`"),
    e("jaredce/arazzo/openapi-security-tests/oauth2/users-arazzo.json", "unknown-input", "`$inputs.password`"),
    e("jaredce/arazzo/openapi-security-tests/openIdConnect/users-arazzo.json", "unknown-input", "`$inputs.password`"),
    e("jaredce/arazzoMockMissingSourceDescriptions.json", "invalid-document", "`sourceDescriptions`"),
    e("jaredce/arazzoMockMissingSteps.json", "invalid-document", "`steps`"),
    e("jaredce/arazzoMockMissingWorkflows.json", "invalid-document", "`workflows`"),
    e("jaredce/arazzoMockWithInvalidInputs.json", "invalid-document", "`/workflows/0/steps/0/parameters`"),
    e("jaredce/correctSourceDescriptionReference-pets-arazzo.json", "invalid-expression", "`/AccessToken`"),
    e("jaredce/incorrectSourceDescriptionReference-pets-arazzo.json", "unknown-source", "`usersOpenAP`"),
    e("jaredce/multiple-workflows/single-sourceDescription/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-different-workflow.json", "invalid-expression", "`$workflow`"),
    e("jaredce/multiple-workflows/single-sourceDescription/onFailure/arazzoMock-user-with-successCriteria-and-onFailure-set-to-goto-different-workflow.json", "invalid-expression", "`$workflow`"),
    e("jaredce/single-workflow/multiple-steps/arazzoMock-user-single-workflow-multiple-step.json", "unknown-input", "`$inputs.username`"),
    e("jaredce/single-workflow/multiple-steps/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-end.json", "unknown-step-output", "`createAUser`"),
    e("jaredce/single-workflow/multiple-steps/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-step.json", "unknown-step-output", "`createAUser`"),
    e("jaredce/single-workflow/multiple-steps/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-workflow.json", "unknown-step-output", "`createAUser`"),
    e("jaredce/single-workflow/multiple-steps/onFailure/arazzoMock-user-with-successCriteria-and-onFailure-set-to-execute-a-step-and-retry-do-not-execute-sequential-step.json", "unknown-response-field", "`createUsersWithArrayInput`"),
    e("jaredce/single-workflow/single-step/arazzoMock-user-single-workflow-single-step copy.json", "unknown-response-field", "`createUsersWithArrayInput`"),
    e("jaredce/single-workflow/single-step/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-sourceDescription-workflow.json", "unknown-step-output", "`createAUser`"),
    e("jaredce/single-workflow/single-step/onFailure/arazzoMock-user-with-successCriteria-and-onFailure-set-to-retry-with-delay.json", "cannot-load-source", "unknown scheme `hhttps`"),
    e("jaredce/users-arazzo.json", "unknown-operation", "`createWithArray`"),
    e("jaredce/workingArazzoMock.json", "cannot-load-source", "readmeio/oas-examples"),
    // goto targets that do not exist, a `$sourceDescription.` typo, and `$workflows.X.outputs`
    // read from workflows that neither `dependsOn` nor a step runs (or under another case).
    e("jaredce/single-workflow/multiple-steps/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-step.json", "unknown-step", "`nonExistant`"),
    e("jaredce/single-workflow/multiple-steps/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-workflow.json", "unknown-workflow", "`nonExistant`"),
    e("jaredce/single-workflow/single-step/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-step.json", "unknown-step", "`nonExistant`"),
    e("jaredce/single-workflow/single-step/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-workflow.json", "unknown-workflow", "`nonExistant`"),
    e("jaredce/single-workflow/single-step/onFailure/arazzoMock-user-with-successCriteria-and-onFailure-set-to-goto-non-existant-step.json", "unknown-step", "`nonExistant`"),
    e("jaredce/single-workflow/single-step/onFailure/arazzoMock-user-with-successCriteria-and-onFailure-set-to-goto-non-existant-workflow.json", "unknown-workflow", "`nonExistant`"),
    e("jaredce/single-workflow/arazzo-sourceDescription/arazzoMock-user-single-workflow-single-step.json", "unknown-workflow", "`$sourceDescription.users-arazzo.createUser`"),
    e("jaredce/users-arazzo.json", "unknown-workflow-output", "`$workflows.LoginExistingUser.outputs.AccessToken`"),
    may("jaredce/users-arazzo.json", "unknown-source"),
    e("jaredce/single-workflow/multiple-steps/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-sourceDescription-workflow.json", "unknown-source", "`nonExistant`"),
    e("jaredce/single-workflow/single-step/arazzoMock-user-with-successCriteria-and-onSuccess-set-to-goto-non-existant-sourceDescription-workflow.json", "unknown-source", "`nonExistant`"),
    e("jaredce/multiple-workflows/multiple-sourceDescription/arazzoMock-user-multiple-workflow.json", "unknown-workflow-output", "`createUserMultiStep`"),
    e("jaredce/multiple-workflows/single-sourceDescription/arazzoMock-user-multiple-workflow-multiple-step.json", "unknown-workflow-output", "`createUserMultiStep`"),
    e("jaredce/multiple-workflows/single-sourceDescription/onFailure/arazzoMock-user-with-successCriteria-and-onFailure-set-to-execute-a-step-and-retry-workflow.json", "unknown-workflow-output", "`createUserMultiStep`"),
    e("jaredce/arazzo/openapi-security-tests/http/basic/users-arazzo-path-security-and-apiKey.json", "unknown-input", "`$inputs.AccessToken`"),
    // Redocly's museum: `$steps.list-events.outputs.events.0.dates.0` is Redocly's dotted
    // path, not a 1.0.1 expression.
    may("redocly-museum/museum-api.arazzo.yaml", "unknown-step-output"),
    // Arazzo 1.1 schema tests that the schema rejects: each gets the diagnostic of the fault
    // its file name describes (more may follow from the same lines: `may`).
    e("oai-1.1/schema-fail/async-both-operationId-and-channelPath.arazzo.yaml", "invalid-step-target", "both `operationId` and `channelPath`"),
    may("oai-1.1/schema-fail/async-both-operationId-and-channelPath.arazzo.yaml", "invalid-channel-path"),
    e("oai-1.1/schema-fail/async-channelPath-without-action.arazzo.yaml", "missing-action", "`receiveEvent` names an AsyncAPI channel but has no `action`"),
    may("oai-1.1/schema-fail/async-channelPath-without-action.arazzo.yaml", "invalid-channel-path"),
    e("oai-1.1/schema-fail/async-depends-on-duplicate-values.arazzo.yaml", "invalid-depends-on", "`sendEvent` is listed twice"),
    e("oai-1.1/schema-fail/async-depends-on-empty.arazzo.yaml", "invalid-depends-on", "`dependsOn` of step `receiveEvent` is empty"),
    e("oai-1.1/schema-fail/async-depends-on-invalid-reference.arazzo.yaml", "invalid-depends-on", "write `sendEvent`"),
    e("oai-1.1/schema-fail/channel-path-is-invalid-for-openapi.arazzo.yaml", "invalid-channel-path", "no `type: asyncapi` source"),
    e("oai-1.1/schema-fail/invalid-arazzo-version.yaml", "unsupported-version", "not `2`"),
    e("oai-1.1/schema-fail/invalid-async-correlation-id-non-receive-action.arazzo.yaml", "invalid-correlation-id", "has `action: send`"),
    e("oai-1.1/schema-fail/invalid-async-parameter-without-in.arazzo.yaml", "missing-parameter-location", "`correlationId` of step `sendEvent` has no `in`"),
    e("oai-1.1/schema-fail/invalid-async.arazzo.yaml", "invalid-action", "not `invalid`"),
    e("oai-1.1/schema-fail/invalid-expression-type-object.arazzo.yaml", "invalid-expression-type", "`rfc9535` is not a version of `xpath`"),
    may("oai-1.1/schema-fail/invalid-expression-type-object.arazzo.yaml", "invalid-selector"),
    may("oai-1.1/schema-fail/invalid-expression-type-object.arazzo.yaml", "unknown-field"),
    e("oai-1.1/schema-fail/invalid-openapi-parameter-without-in.arazzo.yaml", "missing-parameter-location", "`limit` of step `getUsers` has no `in`"),
    e("oai-1.1/schema-fail/invalid-openapi-success-criteria.arazzo.yaml", "empty-list", "`successCriteria` of step `getUsers` is empty"),
    e("oai-1.1/schema-fail/invalid-querystring-without-value.arazzo.yaml", "missing-parameter-value", "`q` of step `search` has no `value`"),
    e("oai-1.1/schema-fail/invalid-selector-object.arazzo.yaml", "invalid-selector", "no `type`"),
    may("oai-1.1/schema-fail/invalid-selector-object.arazzo.yaml", "unknown-field"),
    e("oai-1.1/schema-fail/invalid-self-fragment.arazzo.yaml", "invalid-self", "must not contain a fragment"),
    e("oai-1.1/schema-fail/invalid-targetSelectorType.arazzo.yaml", "invalid-expression-type", "`jmespath` is not a selector type"),
    e("oai-1.1/schema-fail/invalid-workflow-step-with-operationId.arazzo.yaml", "invalid-step-target", "both `operationId` and `workflowId`"),
    // Its child step calls a bare `listUsers` of the only (AsyncAPI) source with no `action`.
    may("oai-1.1/schema-fail/invalid-workflow-step-with-operationId.arazzo.yaml", "missing-action"),
    e("oai-1.1/schema-fail/invalid-workflow-success-criteria.arazzo.yaml", "empty-list", "`successCriteria` of step `nestedWorkflow` is empty"),
    may("oai-1.1/schema-fail/invalid-workflow-success-criteria.arazzo.yaml", "missing-action"),
    e("oai-1.1/schema-fail/not-an-object.yaml", "invalid-document", "must be a mapping"),
    e("oai-1.1/schema-fail/openapi-both-operationId-and-operationPath.arazzo.yaml", "invalid-step-target", "both `operationId` and `operationPath`"),
    e("oai-1.1/schema-fail/openapi-duplicate-parameters.arazzo.yaml", "duplicate-parameter", "`limit` (in query) of step `getUsers` is listed twice"),
    e("oai-1.1/schema-fail/openapi-missing-operation-target.arazzo.yaml", "invalid-step-target", "`getUsers` does not say what to call"),
    e("oai-1.1/schema-fail/workflow-duplicate-parameters.arazzo.yaml", "duplicate-parameter", "`userId` of step `nestedWorkflow` is listed twice"),
    e("oai-1.1/schema-fail/workflow-missing-workflowId.arazzo.yaml", "invalid-step-target", "`nestedWorkflow` does not say what to call"),
    e("oai-1.1/schema-fail/workflow-step-with-action.arazzo.yaml", "invalid-action", "runs a workflow and has no `action`"),
    e("oai-1.1/schema-fail/workflow-step-with-channelPath.arazzo.yaml", "invalid-step-target", "both `channelPath` and `workflowId`"),
    may("oai-1.1/schema-fail/workflow-step-with-channelPath.arazzo.yaml", "invalid-channel-path"),
    // 1.1 schema tests the schema lets through although the text rules them out.
    e("oai-1.1/schema-pass/characterization-async-invalid-channelPath-string.arazzo.yaml", "invalid-channel-path", "`definitely-not-a-runtime-expression` does not name its source"),
    e("oai-1.1/schema-pass/characterization-asyncapi-operationId-without-action.arazzo.yaml", "missing-action", "`sendEvent` names an operation of AsyncAPI source `eventAPI`"),
    e("oai-1.1/schema-pass/characterization-openapi-invalid-operationPath-string.arazzo.yaml", "unresolved-operation-path", "`definitely-not-a-runtime-expression` is not an operation path"),
    e("oai-1.1/schema-pass/characterization-openapi-operationId-with-action.arazzo.yaml", "invalid-action", "source `userAPI` is an OpenAPI description"),
    e("oai-1.1/schema-pass/characterization-openapi-receive-with-correlationId.arazzo.yaml", "invalid-action", "source `userAPI` is an OpenAPI description"),
    e("oai-1.1/schema-pass/characterization-workflow-step-with-requestBody.arazzo.yaml", "invalid-document", "sends no request body"),
    // Decision: `channelPath: createUser` breaks the same sentence as the characterization
    // above ("A Runtime Expression syntax MUST be used to identify the source description
    // document"); the two cannot be told apart, so both are diagnosed.
    e("oai-1.1/schema-pass/async-with-channel-path.arazzo.yaml", "invalid-channel-path", "`createUser` does not name its source"),
    // The BNPL example again, under 1.1 (its OpenAPI URL is remapped): the same defects as
    // `oai/bnpl-arazzo.yaml`, and `customer` is a `oneOf` whose fields are not all declared.
    e("oai-1.1/schema-pass/bnpl-example.yaml", "unknown-response-field", "`findEligibleProducts`"),
    e("oai-1.1/schema-pass/bnpl-example.yaml", "suspicious-criterion", "`$[?count(@.products) > 0]`"),
    e("oai-1.1/schema-pass/bnpl-example.yaml", "unknown-input", "`$inputs.customer.firstName`"),
    e("oai-1.1/schema-pass/bnpl-example.yaml", "missing-parameter", "`AuthorizationToken`"),
    e("oai-1.1/schema-pass/bnpl-example.yaml", "undeclared-parameter", "`getAuthorization`"),
    e("oai-1.1/schema-pass/bnpl-example.yaml", "unknown-step-output", "`initiateBnplTransaction`"),
    may("oai-1.1/schema-pass/bnpl-example.yaml", "invalid-expression"),
    // Defects the schema cannot see: `$sourceDescriptions.userAPI` where the source is
    // `UserAPI` (names are case-sensitive).
    e("oai-1.1/schema-pass/openapi-success-criteria.arazzo.yaml", "unknown-source", "`UserAPI`"),
    e("oai-1.1/schema-pass/workflow-success-criteria.arazzo.yaml", "unknown-source", "`UserAPI`"),
];

/// What a whole folder expects (schema test suites): `listed` folders need an [`EXPECTED`]
/// entry for every document (the specific fault each one's name describes); otherwise an
/// unlisted document must report `default` (when not empty). `allowed` codes may be reported
/// by any document of the folder.
#[derive(Debug, Clone)]
pub(crate) struct FolderRule {
    /// Documents whose path starts with this.
    pub(crate) prefix: Cow<'static, str>,
    /// Every document must have its own entry.
    pub(crate) listed: bool,
    /// The code an unlisted document must report ("" for none).
    pub(crate) default: Cow<'static, str>,
    /// Codes any document of the folder may report.
    pub(crate) allowed: Cow<'static, [Cow<'static, str>]>,
}

/// The Arazzo 1.1 schema tests: structure only, with placeholder source URLs that cannot be
/// loaded. A `schema-pass` document reports nothing but that (or what its expectation entry
/// names: the `characterization-*` ones the text rules out); each `schema-fail` document
/// names its fault.
pub(crate) const FOLDER_RULES: &[FolderRule] = &[
    FolderRule {
        prefix: Cow::Borrowed("oai-1.1/schema-pass/"),
        listed: false,
        default: Cow::Borrowed("cannot-load-source"),
        allowed: Cow::Borrowed(&[Cow::Borrowed("cannot-load-source")]),
    },
    FolderRule {
        prefix: Cow::Borrowed("oai-1.1/schema-fail/"),
        listed: true,
        default: Cow::Borrowed(""),
        allowed: Cow::Borrowed(&[Cow::Borrowed("cannot-load-source")]),
    },
];

/// Generator bugs the corpus shows today; each id is an entry under `## from conformance` in
/// the project's findings file.
pub(crate) const KNOWN_BUGS: &[KnownBug] = &[KnownBug {
    id: "C8",
    documents: "",
    code: "unknown-workflow-output",
    contains: "reads a workflow this one does not depend on",
    summary: "`$workflows.<id>.outputs` of a workflow an earlier step ran is refused (help says: add to `dependsOn`, which runs it twice)",
}];

/// How documents are judged.
#[derive(Debug, Clone)]
pub(crate) struct Table {
    /// Diagnostics listed documents must report.
    pub(crate) expected: Vec<Expectation>,
    /// Rules for whole folders.
    pub(crate) folders: Vec<FolderRule>,
    /// Generator bugs that block documents without failing them.
    pub(crate) known_bugs: &'static [KnownBug],
    /// No table at all: a document is judged by what it reports alone (see [`judge_open`]).
    pub(crate) open: bool,
}

impl Table {
    /// The shared corpus's table: [`EXPECTED`], [`FOLDER_RULES`] and [`KNOWN_BUGS`].
    pub(crate) fn corpus() -> Self {
        Self {
            expected: EXPECTED.to_vec(),
            folders: FOLDER_RULES.to_vec(),
            known_bugs: KNOWN_BUGS,
            open: false,
        }
    }

    /// No expectations: for a folder that is not the shared corpus and has no `--expect`.
    pub(crate) fn none() -> Self {
        Self {
            expected: Vec::new(),
            folders: Vec::new(),
            known_bugs: &[],
            open: true,
        }
    }
}

/// Judges one document: see the module docs.
pub(crate) fn judge(c: &Checked, table: &Table) -> Row {
    if table.open {
        return judge_open(c);
    }
    let mut expected: Vec<&Expectation> = table
        .expected
        .iter()
        .filter(|e| e.document == c.document.as_str())
        .collect();
    let mut folder = Vec::new();
    if let Some(rule) = table
        .folders
        .iter()
        .find(|r| c.document.starts_with(r.prefix.as_ref()))
    {
        if expected.is_empty() && rule.listed {
            return Row {
                document: c.document.clone(),
                outcome: Outcome::Failed,
                detail: format!(
                    "every document under `{}` needs an expectation entry naming its specific diagnostic",
                    rule.prefix
                ),
                blockers: Vec::new(),
            };
        }
        if expected.is_empty() && !rule.default.is_empty() {
            folder.push(Expectation {
                document: Cow::Borrowed(""),
                code: rule.default.clone(),
                contains: Cow::Borrowed(""),
                required: true,
            });
        }
        folder.extend(rule.allowed.iter().map(|code| may_any(code)));
    }
    expected.extend(folder.iter());
    let unmet: Vec<&&Expectation> = expected
        .iter()
        .filter(|e| e.required && !c.findings.iter().any(|f| e.matches(f)))
        .collect();
    let mut unsupported = Vec::new();
    let mut bugs = Vec::new();
    let mut unexplained = Vec::new();
    for f in c.findings.iter().filter(|f| f.error) {
        // The substring must be found once; more errors of an expected code are the same
        // defect repeated.
        if expected.iter().any(|e| e.has_code(&f.code)) {
            continue;
        }
        if f.code == "unsupported-feature" {
            unsupported.push(f);
        } else if let Some(bug) = table.known_bugs.iter().find(|b| b.matches(&c.document, f)) {
            bugs.push((bug, f));
        } else {
            unexplained.push(f);
        }
    }
    let mut blockers: Vec<String> = unsupported
        .iter()
        .map(|f| feature_key(&f.message))
        .collect();
    blockers.extend(bugs.iter().map(|(b, _)| b.key()));
    blockers.sort();
    blockers.dedup();
    let row = |outcome, detail: String, blockers: Vec<String>| Row {
        document: c.document.clone(),
        outcome,
        detail,
        blockers,
    };
    if let Some(f) = unexplained.first() {
        return row(Outcome::Failed, f.headline(), Vec::new());
    }
    let blocked = |detail: String| {
        if unsupported.is_empty() {
            row(Outcome::KnownBug, detail, blockers.clone())
        } else {
            row(Outcome::Unsupported, detail, blockers.clone())
        }
    };
    let first_blocker = unsupported.first().map(|f| f.headline()).or_else(|| {
        bugs.first()
            .map(|(b, f)| format!("{} (finding {})", f.headline(), b.id))
    });
    if let Some(e) = unmet.first() {
        let wanted = format!("expected [arazzo::{}] with `{}`", e.code, e.contains);
        return match first_blocker {
            Some(blocker) => blocked(format!("{blocker}; then {wanted}")),
            None => {
                let got = c
                    .findings
                    .first()
                    .map_or_else(|| "it generated".to_owned(), |f| f.headline());
                row(Outcome::Failed, format!("{wanted}, got: {got}"), Vec::new())
            }
        };
    }
    // Every expected diagnostic is there: an expected error means the document is diagnosed,
    // whatever else blocks it.
    let expected_error = c
        .findings
        .iter()
        .find(|f| f.error && expected.iter().any(|e| e.matches(f)));
    if let Some(f) = expected_error {
        return row(Outcome::Diagnosed, f.headline(), Vec::new());
    }
    if let Some(blocker) = first_blocker {
        return blocked(blocker);
    }
    let detail = c
        .findings
        .first()
        .map_or_else(String::new, |f| f.headline());
    match c.code {
        Some(_) => row(Outcome::Generated, detail, Vec::new()),
        None => row(
            Outcome::Failed,
            "generation failed without an error".to_owned(),
            Vec::new(),
        ),
    }
}

/// The `code` of known bugs in generated code: matched against rustc's first error line.
pub(crate) const RUSTC: &str = "rustc";

/// Judges a document whose generated code does not compile (`error` is rustc's first error):
/// a known bug, or a failure. Returns the outcome and its blockers.
pub(crate) fn compile_failure(
    table: &Table,
    document: &str,
    error: &str,
) -> (Outcome, Vec<String>) {
    match table
        .known_bugs
        .iter()
        .find(|b| b.matches_rustc(document, error))
    {
        Some(bug) => (Outcome::KnownBug, vec![bug.key()]),
        None => (Outcome::Failed, Vec::new()),
    }
}

/// Known-bug entries nothing showed in this run: fixed, so they can go. `compile_failures`
/// (document, first error) is `None` when nothing was compiled; bugs in generated code are
/// then not judged.
pub(crate) fn unseen_known_bugs(
    table: &Table,
    checked: &[Checked],
    compile_failures: Option<&[(String, String)]>,
) -> Vec<String> {
    table
        .known_bugs
        .iter()
        .filter(|b| {
            if b.code == RUSTC {
                return compile_failures
                    .is_some_and(|fs| !fs.iter().any(|(d, e)| b.matches_rustc(d, e)));
            }
            !checked.iter().any(|c| {
                c.findings
                    .iter()
                    .any(|f| f.error && b.matches(&c.document, f))
            })
        })
        .map(|b| {
            format!(
                "{} ({} in {})",
                b.key(),
                b.code,
                display_prefix(b.documents)
            )
        })
        .collect()
}

fn display_prefix(documents: &str) -> &str {
    if documents.is_empty() {
        "any document"
    } else {
        documents
    }
}

/// Expectations no document showed (a document renamed or removed, or a table typo).
pub(crate) fn unseen_expectations(table: &Table, checked: &[Checked]) -> Vec<String> {
    let mut stale: Vec<String> = table
        .expected
        .iter()
        .filter(|e| !checked.iter().any(|c| e.document == c.document.as_str()))
        .map(|e| format!("{} (no such document)", e.document))
        .collect();
    stale.dedup();
    stale
}

/// Judges a document with no table: what it reports is all there is. A document whose errors
/// (other than `unsupported-feature`) all point at a place in a file is `diagnosed`: the
/// generator did its job. An error with no place (a file that cannot be read, a generator
/// panic) fails: nothing shows the user where to look.
fn judge_open(c: &Checked) -> Row {
    let row = |outcome, detail: String, blockers: Vec<String>| Row {
        document: c.document.clone(),
        outcome,
        detail,
        blockers,
    };
    let errors: Vec<&Finding> = c.findings.iter().filter(|f| f.error).collect();
    let (unsupported, others): (Vec<&Finding>, Vec<&Finding>) =
        errors.iter().partition(|f| f.code == "unsupported-feature");
    if let Some(f) = others.iter().find(|f| !f.located) {
        return row(
            Outcome::Failed,
            format!("{} (no location)", f.headline()),
            Vec::new(),
        );
    }
    if let Some(f) = others.first() {
        return row(Outcome::Diagnosed, f.headline(), Vec::new());
    }
    if let Some(f) = unsupported.first() {
        let mut blockers: Vec<String> = unsupported
            .iter()
            .map(|f| feature_key(&f.message))
            .collect();
        blockers.sort();
        blockers.dedup();
        return row(Outcome::Unsupported, f.headline(), blockers);
    }
    let detail = c
        .findings
        .first()
        .map_or_else(String::new, |f| f.headline());
    match c.code {
        Some(_) => row(Outcome::Generated, detail, Vec::new()),
        None => row(
            Outcome::Failed,
            "generation failed without an error".to_owned(),
            Vec::new(),
        ),
    }
}

/// Groups an unsupported-feature message by the feature: an expression in backticks keeps
/// only its first segment (`$workflows.x.outputs.y` → `$workflows.…`).
pub(crate) fn feature_key(message: &str) -> String {
    let mut out = String::new();
    let mut parts = message.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push('`');
        if i % 2 == 0 && part.starts_with('$') && part.contains('.') {
            let head = part.split('.').next().unwrap_or(part);
            out.push_str(head);
            out.push_str(".…");
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(code: &str, message: &str) -> Finding {
        Finding {
            error: true,
            code: code.to_owned(),
            message: message.to_owned(),
            text: message.to_owned(),
            located: true,
        }
    }

    fn checked(document: &str, findings: Vec<Finding>, code: bool) -> Checked {
        Checked {
            document: document.to_owned(),
            findings,
            code: code.then(String::new),
        }
    }

    #[test]
    fn compile_errors_of_known_bugs_block_and_others_fail() {
        // Every compile-time known bug blocks the documents it names.
        for bug in KNOWN_BUGS.iter().filter(|b| b.code == RUSTC) {
            let (outcome, blockers) = compile_failure(
                &Table::corpus(),
                bug.documents,
                &format!("error: {}", bug.contains),
            );
            assert_eq!(outcome, Outcome::KnownBug, "{}", bug.id);
            assert!(
                blockers[0].starts_with(&format!("bug {}", bug.id)),
                "{blockers:?}"
            );
        }
        let (outcome, _) = compile_failure(
            &Table::corpus(),
            "oai/x.arazzo.yaml",
            "error[E0308]: mismatched types",
        );
        assert_eq!(outcome, Outcome::Failed);
    }

    #[test]
    fn expressions_group_by_their_first_segment() {
        assert_eq!(
            feature_key("`$workflows.a.outputs.b` is not supported by this generator yet"),
            "`$workflows.…` is not supported by this generator yet"
        );
        assert_eq!(
            feature_key("`onSuccess` is not supported by this generator yet"),
            "`onSuccess` is not supported by this generator yet"
        );
    }

    #[test]
    fn a_known_defect_reported_is_diagnosed() {
        let c = checked(
            "oai/FAPI-PAR.arazzo.yaml",
            vec![finding(
                "unknown-operation",
                "no operation `PAR`\nhelp: did you mean `Par`?",
            )],
            false,
        );
        assert_eq!(judge(&c, &Table::corpus()).outcome, Outcome::Diagnosed);
    }

    #[test]
    fn a_known_defect_with_the_wrong_message_fails() {
        let c = checked(
            "oai/FAPI-PAR.arazzo.yaml",
            vec![finding("unknown-operation", "no operation `PAR`")],
            false,
        );
        assert_eq!(judge(&c, &Table::corpus()).outcome, Outcome::Failed);
        let generated = checked("oai/FAPI-PAR.arazzo.yaml", Vec::new(), true);
        assert_eq!(judge(&generated, &Table::corpus()).outcome, Outcome::Failed);
    }

    #[test]
    fn unsupported_features_block_without_failing() {
        let c = checked(
            "x.arazzo.yaml",
            vec![finding(
                "unsupported-feature",
                "`onSuccess` is not supported by this generator yet",
            )],
            false,
        );
        let row = judge(&c, &Table::corpus());
        assert_eq!(row.outcome, Outcome::Unsupported);
        assert_eq!(
            row.blockers,
            vec!["`onSuccess` is not supported by this generator yet"]
        );
    }

    #[test]
    fn any_other_error_fails_and_a_clean_document_generates() {
        let c = checked(
            "x.arazzo.yaml",
            vec![
                finding("unsupported-feature", "`onSuccess` is not supported"),
                finding("unknown-input", "`$inputs.a` is not declared"),
            ],
            false,
        );
        assert_eq!(judge(&c, &Table::corpus()).outcome, Outcome::Failed);
        assert_eq!(
            judge(
                &checked("x.arazzo.yaml", Vec::new(), true),
                &Table::corpus()
            )
            .outcome,
            Outcome::Generated
        );
    }
}
