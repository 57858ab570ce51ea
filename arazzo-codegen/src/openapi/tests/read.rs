//! Reading descriptions into the operation table.

use super::{MemDocs, read_ok};
use crate::diagnostic::FileId;
use crate::openapi::{Location, Method, OpenApi, SchemaRef, SecuritySchemeKind, Style, Version};

const PETS_30: &str = r##"
openapi: 3.0.3
info: { title: Pets, version: "1" }
servers:
  - url: https://{region}.example.com/{base}
    description: main
    variables:
      region: { default: eu, enum: [eu, us] }
      base: { default: v1 }
security:
  - bearer: []
paths:
  /pets:
    parameters:
      - { name: limit, in: query, schema: { type: integer } }
      - { name: X-Trace, in: header, schema: { type: string } }
    get:
      operationId: listPets
      summary: List pets
      parameters:
        - { name: limit, in: query, required: true, schema: { type: integer, format: int32 } }
        - { name: x-trace, in: header, required: true, schema: { type: string } }
        - { name: tags, in: query, style: pipeDelimited, explode: false, schema: { type: array, items: { type: string } } }
        - $ref: "#/components/parameters/Session"
      responses:
        200:
          description: ok
          headers:
            X-Next: { schema: { type: string } }
            X-Rate: { $ref: "#/components/headers/Rate" }
          content:
            application/json: { schema: { $ref: "#/components/schemas/Pets" } }
        4XX: { $ref: "#/components/responses/Problem" }
        default: { description: other }
    post:
      operationId: createPet
      security: []
      servers: [{ url: "https://upload.example.com" }]
      requestBody: { $ref: "#/components/requestBodies/Pet" }
      responses:
        "201": { description: created }
  /pets/{petId}:
    get:
      operationId: showPetById
      deprecated: true
      parameters:
        - { name: petId, in: path, required: true, schema: { type: string } }
        - { name: sid, in: cookie, schema: { type: string } }
      responses:
        "200": { description: ok }
components:
  parameters:
    Session: { name: session, in: query, allowReserved: true, schema: { type: string } }
  headers:
    Rate: { schema: { type: integer } }
  requestBodies:
    Pet:
      required: true
      content:
        application/json: { schema: { $ref: "#/components/schemas/Pet" } }
        text/plain: {}
  responses:
    Problem:
      description: problem
      content: { application/problem+json: { schema: { type: object } } }
  schemas:
    Pet: { type: object, properties: { name: { type: string } } }
    Pets: { type: array, items: { $ref: "#/components/schemas/Pet" } }
  securitySchemes:
    bearer: { type: http, scheme: Bearer, bearerFormat: JWT }
    key: { type: apiKey, name: X-Key, in: header }
    authKey: { type: apiKey, name: authorization, in: header }
    basic: { type: http, scheme: basic }
    oauth: { type: oauth2, flows: {} }
    oidc: { type: openIdConnect, openIdConnectUrl: https://x }
    tls: { type: mutualTLS }
"##;

fn pets() -> (MemDocs, OpenApi) {
    let mut docs = MemDocs::new(&[("pets.yaml", PETS_30)]);
    let (api, problems) = read_ok(&mut docs, "pets.yaml");
    assert!(problems.is_empty(), "{problems:#?}");
    (docs, api)
}

#[test]
fn reads_document_level_fields() {
    let (_, api) = pets();
    assert_eq!(api.version, Version::V3_0);
    assert_eq!(api.title, "Pets");
    assert_eq!(api.servers.len(), 1);
    let server = &api.servers[0];
    assert_eq!(server.description.as_deref(), Some("main"));
    assert_eq!(
        server.variables,
        vec![("region".into(), "eu".into()), ("base".into(), "v1".into())]
    );
    assert_eq!(server.default_url(), "https://eu.example.com/v1");
    assert_eq!(api.security, vec![vec!["bearer".to_owned()]]);
    let kinds: Vec<_> = api
        .security_schemes
        .iter()
        .map(|s| (s.name.as_str(), &s.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (
                "bearer",
                &SecuritySchemeKind::HttpBearer {
                    format: Some("JWT".into())
                }
            ),
            (
                "key",
                &SecuritySchemeKind::ApiKey {
                    name: "X-Key".into(),
                    location: Location::Header
                }
            ),
            (
                "authKey",
                &SecuritySchemeKind::ApiKey {
                    name: "authorization".into(),
                    location: Location::Header
                }
            ),
            ("basic", &SecuritySchemeKind::HttpBasic),
            ("oauth", &SecuritySchemeKind::OAuth2),
            ("oidc", &SecuritySchemeKind::OpenIdConnect),
            ("tls", &SecuritySchemeKind::MutualTls),
        ]
    );
}

#[test]
fn reads_operations_in_document_order() {
    let (_, api) = pets();
    let rows: Vec<_> = api
        .operations
        .iter()
        .map(|o| {
            (
                o.operation_id.as_deref().unwrap(),
                o.method.clone(),
                o.path.as_str(),
                o.pointer.as_str(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("listPets", Method::Get, "/pets", "/paths/~1pets/get"),
            ("createPet", Method::Post, "/pets", "/paths/~1pets/post"),
            (
                "showPetById",
                Method::Get,
                "/pets/{petId}",
                "/paths/~1pets~1{petId}/get"
            ),
        ]
    );
    let show = api.operation_by_id("showPetById").unwrap();
    assert!(show.deprecated);
    assert_eq!(show.method.as_str(), "GET");
    let list = api.operation_by_id("listPets").unwrap();
    assert_eq!(list.summary.as_deref(), Some("List pets"));
    assert!(!list.deprecated);
}

#[test]
fn merges_path_level_parameters_with_operation_overrides() {
    let (docs, api) = pets();
    let list = api.operation_by_id("listPets").unwrap();
    let names: Vec<_> = list
        .parameters
        .iter()
        .map(|p| (p.name.as_str(), p.location, p.required))
        .collect();
    // limit and X-Trace keep their path-level place but take the operation's definition
    // (header names match case-insensitively); new ones follow.
    assert_eq!(
        names,
        vec![
            ("limit", Location::Query, true),
            ("x-trace", Location::Header, true),
            ("tags", Location::Query, false),
            ("session", Location::Query, false),
        ]
    );
    let limit = &list.parameters[0];
    assert_eq!(
        limit.pointer,
        (
            docs.id("pets.yaml"),
            "/paths/~1pets/get/parameters/0".to_owned()
        )
    );
    assert_eq!(
        limit.schema,
        Some(SchemaRef {
            file: docs.id("pets.yaml"),
            pointer: "/paths/~1pets/get/parameters/0/schema".into()
        })
    );
    let session = &list.parameters[3];
    assert!(session.allow_reserved);
    assert_eq!(session.pointer.1, "/components/parameters/Session");
    assert_eq!(
        session.schema.as_ref().unwrap().pointer,
        "/components/parameters/Session/schema"
    );
}

#[test]
fn fills_style_and_explode_defaults() {
    let (_, api) = pets();
    let list = api.operation_by_id("listPets").unwrap();
    let limit = &list.parameters[0];
    assert_eq!(
        (limit.style, limit.explode, limit.allow_reserved),
        (Style::Form, true, false)
    );
    let trace = &list.parameters[1];
    assert_eq!((trace.style, trace.explode), (Style::Simple, false));
    let tags = &list.parameters[2];
    assert_eq!((tags.style, tags.explode), (Style::PipeDelimited, false));
    let show = api.operation_by_id("showPetById").unwrap();
    let pet_id = &show.parameters[0];
    assert_eq!(
        (
            pet_id.location,
            pet_id.style,
            pet_id.explode,
            pet_id.required
        ),
        (Location::Path, Style::Simple, false, true)
    );
    let sid = &show.parameters[1];
    assert_eq!(
        (sid.location, sid.style, sid.explode, sid.required),
        (Location::Cookie, Style::Form, true, false)
    );
}

#[test]
fn reads_bodies_responses_and_headers_through_refs() {
    let (_, api) = pets();
    let create = api.operation_by_id("createPet").unwrap();
    let body = create.request_body.as_ref().unwrap();
    assert!(body.required);
    let media: Vec<_> = body
        .content
        .iter()
        .map(|m| {
            (
                m.media_type.as_str(),
                m.schema.as_ref().map(|s| s.pointer.as_str()),
            )
        })
        .collect();
    assert_eq!(
        media,
        vec![
            (
                "application/json",
                Some("/components/requestBodies/Pet/content/application~1json/schema")
            ),
            ("text/plain", None),
        ]
    );
    assert_eq!(create.servers[0].url, "https://upload.example.com");
    assert_eq!(create.security, Some(vec![]));

    let list = api.operation_by_id("listPets").unwrap();
    let statuses: Vec<_> = list.responses.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, vec!["200", "4XX", "default"]);
    let ok = &list.responses[0];
    assert_eq!(ok.description.as_deref(), Some("ok"));
    assert_eq!(ok.headers[0].0, "X-Next");
    assert_eq!(ok.headers[1].0, "X-Rate");
    assert_eq!(
        ok.headers[1].1.as_ref().unwrap().pointer,
        "/components/headers/Rate/schema"
    );
    assert_eq!(
        ok.content[0].schema.as_ref().unwrap().pointer,
        "/paths/~1pets/get/responses/200/content/application~1json/schema"
    );
    let problem = &list.responses[1];
    assert_eq!(problem.description.as_deref(), Some("problem"));
    assert_eq!(problem.content[0].media_type, "application/problem+json");
    assert!(list.servers.is_empty());
    assert_eq!(list.security, None);
}

#[test]
fn looks_up_responses_exact_then_range_then_default() {
    let (_, api) = pets();
    let list = api.operation_by_id("listPets").unwrap();
    assert_eq!(list.response(200).unwrap().status, "200");
    assert_eq!(list.response(404).unwrap().status, "4XX");
    assert_eq!(list.response(500).unwrap().status, "default");
    let success: Vec<_> = list
        .success_responses()
        .map(|r| r.status.as_str())
        .collect();
    assert_eq!(success, vec!["200"]);
    let show = api.operation_by_id("showPetById").unwrap();
    assert!(show.response(500).is_none());
}

#[test]
fn finds_operations_by_pointer_as_arazzo_writes_them() {
    let (_, api) = pets();
    let id = |p: &str| {
        api.operation_by_pointer(p)
            .and_then(|o| o.operation_id.as_deref())
    };
    assert_eq!(id("/paths/~1pets~1{petId}/get"), Some("showPetById"));
    assert_eq!(id("#/paths/~1pets~1%7BpetId%7D/get"), Some("showPetById"));
    assert_eq!(id("/paths/~1pets/POST"), Some("createPet"));
    assert_eq!(id("/paths/~1pets~1{petId}"), None);
    assert_eq!(id("/paths/~1pets/delete"), None);
    assert_eq!(id("/paths/pets/get"), None);
}

#[test]
fn tells_whether_authorization_is_covered_by_security() {
    let (_, api) = pets();
    let list = api.operation_by_id("listPets").unwrap();
    assert!(api.has_http_security(list), "root bearer applies");
    let create = api.operation_by_id("createPet").unwrap();
    assert!(!api.has_http_security(create), "security: [] removes it");

    let with = |security: &str| {
        let text = PETS_30.replace(
            "security:\n  - bearer: []",
            &format!("security:\n  - {security}: []"),
        );
        let mut docs = MemDocs::new(&[("p.yaml", &text)]);
        let (api, _) = read_ok(&mut docs, "p.yaml");
        let op = api.operation_by_id("listPets").unwrap().clone();
        api.has_http_security(&op)
    };
    assert!(with("basic"));
    assert!(with("authKey"));
    assert!(with("oauth"));
    assert!(with("oidc"));
    assert!(!with("key"));
    assert!(!with("tls"));
}

#[test]
fn suggests_similar_operation_ids() {
    let text = r##"
openapi: 3.1.0
info: { title: t, version: "1" }
paths:
  /a: { post: { operationId: webPubSub_sendToAll, responses: {} } }
  /b: { post: { operationId: webPubSub_sendToUser, responses: {} } }
  /c: { post: { operationId: webPubSub_generateClientToken, responses: {} } }
  /d: { post: { operationId: Par, responses: {} } }
  /e: { get: { operationId: healthCheck, responses: {} } }
"##;
    let mut docs = MemDocs::new(&[("a.yaml", text)]);
    let (api, _) = read_ok(&mut docs, "a.yaml");
    let similar = api.similar_operation_ids("webPubSub_sendToAl");
    assert_eq!(similar.first(), Some(&"webPubSub_sendToAll"));
    assert!(similar.len() <= 3);
    assert!(!similar.contains(&"healthCheck"));
    assert_eq!(api.similar_operation_ids("PAR"), vec!["Par"]);
    assert!(
        api.similar_operation_ids("somethingElseEntirely")
            .is_empty()
    );
}

#[test]
fn reads_3_1_path_item_refs_across_files() {
    let root = r##"
openapi: 3.1.0
info: { title: Split, version: "1" }
paths:
  /users/{id}:
    $ref: "./items.yaml#/UserItem"
    summary: local fields win
  /local:
    $ref: "#/components/pathItems/Local"
components:
  pathItems:
    Local:
      get: { operationId: local, responses: { "204": { description: none } } }
"##;
    let items = r##"
UserItem:
  parameters:
    - $ref: "params.yaml#/Id"
  get:
    operationId: getUser
    responses:
      "200":
        description: ok
        content:
          application/json:
            schema: { type: [object, "null"], properties: { id: { type: string } } }
  delete:
    operationId: deleteUser
    parameters:
      - { name: id, in: path, required: true, description: overridden, schema: { type: integer } }
    responses: { "204": { description: gone } }
"##;
    let params = r##"
Id: { name: id, in: path, required: true, schema: { $ref: "#/IdSchema" } }
IdSchema: { type: string, format: uuid }
"##;
    let mut docs = MemDocs::new(&[
        ("root.yaml", root),
        ("items.yaml", items),
        ("params.yaml", params),
    ]);
    let (api, problems) = read_ok(&mut docs, "root.yaml");
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(api.version, Version::V3_1);
    let get = api.operation_by_id("getUser").unwrap();
    assert_eq!(get.pointer, "/paths/~1users~1{id}/get");
    assert_eq!(
        get.location,
        (docs.id("items.yaml"), "/UserItem/get".to_owned())
    );
    assert_eq!(get.parameters.len(), 1);
    let id = &get.parameters[0];
    assert_eq!(id.pointer, (docs.id("params.yaml"), "/Id".to_owned()));
    assert_eq!(
        id.schema,
        Some(SchemaRef {
            file: docs.id("params.yaml"),
            pointer: "/Id/schema".into()
        })
    );
    let delete = api.operation_by_id("deleteUser").unwrap();
    assert_eq!(delete.parameters.len(), 1);
    assert_eq!(
        delete.parameters[0].description.as_deref(),
        Some("overridden")
    );
    assert_eq!(
        api.operation_by_pointer("/paths/~1local/get")
            .unwrap()
            .operation_id
            .as_deref(),
        Some("local")
    );
}

#[test]
fn reads_3_2_query_and_additional_operations() {
    let text = r##"
openapi: 3.2.0
info: { title: New, version: "1" }
paths:
  /search:
    query:
      operationId: search
      parameters:
        - name: q
          in: querystring
          content: { application/x-www-form-urlencoded: { schema: { type: object } } }
        - { name: prefs, in: cookie, style: cookie, schema: { type: object } }
      responses: { "200": { description: ok } }
    additionalOperations:
      LINK: { operationId: linkIt, responses: { "204": { description: linked } } }
"##;
    let mut docs = MemDocs::new(&[("n.yaml", text)]);
    let (api, problems) = read_ok(&mut docs, "n.yaml");
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(api.version, Version::V3_2);
    let search = api.operation_by_id("search").unwrap();
    assert_eq!(search.method, Method::Query);
    assert_eq!(search.pointer, "/paths/~1search/query");
    let q = &search.parameters[0];
    assert_eq!(q.location, Location::QueryString);
    assert_eq!(
        q.schema.as_ref().unwrap().pointer,
        "/paths/~1search/query/parameters/0/content/application~1x-www-form-urlencoded/schema"
    );
    let prefs = &search.parameters[1];
    assert_eq!(
        (prefs.location, prefs.style, prefs.explode),
        (Location::Cookie, Style::Cookie, true)
    );
    let link = api.operation_by_id("linkIt").unwrap();
    assert_eq!(link.method, Method::Other("LINK".into()));
    assert_eq!(link.pointer, "/paths/~1search/additionalOperations/LINK");
    assert_eq!(
        api.operation_by_pointer("/paths/~1search/additionalOperations/LINK")
            .unwrap()
            .method
            .as_str(),
        "LINK"
    );

    // Before 3.2 neither field is an operation.
    let old = text.replace("3.2.0", "3.1.1");
    let mut docs = MemDocs::new(&[("o.yaml", &old)]);
    let (api, _) = read_ok(&mut docs, "o.yaml");
    assert!(api.operations.is_empty());
}

#[test]
fn rejects_swagger_2_and_other_versions() {
    let cases = [
        (
            "swagger: \"2.0\"\ninfo: { title: old }\npaths: {}\n",
            "unsupported-openapi-version",
            "Swagger 2.0",
        ),
        (
            "swagger: 2.0\npaths: {}\n",
            "unsupported-openapi-version",
            "only OpenAPI 3.0, 3.1 and 3.2",
        ),
        (
            "openapi: 4.0.0\npaths: {}\n",
            "unsupported-openapi-version",
            "`4.0.0`",
        ),
        (
            "arazzo: 1.0.1\nworkflows: []\n",
            "invalid-openapi",
            "no `openapi` field",
        ),
        ("- a\n- b\n", "invalid-openapi", "not a mapping"),
    ];
    for (text, code, needle) in cases {
        let docs = MemDocs::new(&[("x.yaml", text)]);
        let (api, problems) = OpenApi::read(&docs, FileId(0));
        assert!(api.is_none(), "{text}");
        assert_eq!(problems.len(), 1, "{text}");
        let d = &problems[0].diagnostic;
        assert!(d.is_error());
        assert_eq!(d.code, code, "{text}");
        assert!(d.message.contains(needle), "{}", d.message);
        assert!(d.help.is_some());
        assert!(d.span.is_none());
    }
    let docs = MemDocs::new(&[("x.yaml", "swagger: \"2.0\"\n")]);
    let (_, problems) = OpenApi::read(&docs, FileId(0));
    assert_eq!(problems[0].pointer, "/swagger");
    assert!(
        problems[0]
            .diagnostic
            .help
            .as_deref()
            .unwrap()
            .contains("OpenAPI 3")
    );
}

#[test]
fn accepts_unquoted_version_numbers() {
    let docs = MemDocs::new(&[(
        "x.yaml",
        "openapi: 3.0\ninfo: { title: t, version: '1' }\npaths: {}\n",
    )]);
    let (api, problems) = OpenApi::read(&docs, FileId(0));
    assert_eq!(api.unwrap().version, Version::V3_0);
    assert!(problems.is_empty());
}

#[test]
fn collects_every_problem_and_keeps_the_rest() {
    let text = r##"
openapi: 3.1.0
info: { title: Broken, version: "1" }
paths:
  /a/{id}:
    get:
      operationId: a
      parameters:
        - { in: query }
        - { name: id, in: path, schema: { type: string } }
        - { name: q, in: query, style: matrix }
        - { name: z, in: body }
        - $ref: "#/components/parameters/Missing"
        - { name: c, in: cookie, style: cookie }
      requestBody: { $ref: "other.yaml#/Body" }
      responses: { "200": { description: ok } }
    put: not an operation
  /b:
    get: { operationId: a, responses: {} }
  c:
    get: { operationId: c, responses: {} }
  /empty:
  /d/{x}:
    get: { operationId: d, security: [{ nope: [] }], responses: {} }
components: {}
"##;
    let docs = MemDocs::new(&[("b.yaml", text)]);
    let (api, problems) = OpenApi::read(&docs, FileId(0));
    let api = api.unwrap();
    let ids: Vec<_> = api
        .operations
        .iter()
        .map(|o| o.operation_id.clone().unwrap())
        .collect();
    assert_eq!(ids, vec!["a", "a", "d"]);
    let a = &api.operations[0];
    let names: Vec<_> = a.parameters.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, vec!["id", "q", "c"]);
    assert!(
        a.parameters[0].required,
        "path parameters are always required"
    );
    assert_eq!(
        a.parameters[1].style,
        Style::Form,
        "a bad style falls back to the default"
    );
    assert!(a.request_body.is_none());

    let found: Vec<(bool, &str, &str)> = problems
        .iter()
        .map(|p| {
            (
                p.diagnostic.is_error(),
                p.diagnostic.code,
                p.pointer.as_str(),
            )
        })
        .collect();
    let expect = [
        (true, "invalid-openapi", "/paths/~1a~1{id}/get/parameters/0"),
        (
            false,
            "invalid-openapi",
            "/paths/~1a~1{id}/get/parameters/1",
        ),
        (
            true,
            "invalid-openapi",
            "/paths/~1a~1{id}/get/parameters/2/style",
        ),
        (
            true,
            "invalid-openapi",
            "/paths/~1a~1{id}/get/parameters/3/in",
        ),
        (true, "unresolved-ref", "/paths/~1a~1{id}/get/parameters/4"),
        (
            true,
            "invalid-openapi",
            "/paths/~1a~1{id}/get/parameters/5/style",
        ),
        (true, "unresolved-ref", "/paths/~1a~1{id}/get/requestBody"),
        (true, "invalid-openapi", "/paths/~1a~1{id}/put"),
        (true, "invalid-openapi", "/paths/c"),
        (false, "invalid-openapi", "/paths/~1d~1{x}/get"),
        (
            false,
            "duplicate-operation-id",
            "/paths/~1b/get/operationId",
        ),
        (false, "invalid-openapi", "/paths/~1d~1{x}/get/security"),
    ];
    for e in expect {
        assert!(found.contains(&e), "missing {e:?} in {found:#?}");
    }
    assert_eq!(found.len(), expect.len(), "{problems:#?}");
    for p in &problems {
        assert!(p.diagnostic.span.is_none());
        let shown = format!("`#{}`", p.pointer);
        assert!(
            p.diagnostic.message.contains(&shown),
            "{} lacks {shown}",
            p.diagnostic.message
        );
    }
    let missing_ref = problems
        .iter()
        .find(|p| p.pointer.ends_with("parameters/4"))
        .unwrap();
    assert!(
        missing_ref
            .diagnostic
            .message
            .contains("#/components/parameters/Missing"),
        "{}",
        missing_ref.diagnostic.message
    );
    let missing_file = problems
        .iter()
        .find(|p| p.pointer.ends_with("requestBody"))
        .unwrap();
    assert!(
        missing_file
            .diagnostic
            .message
            .contains("no file `other.yaml`"),
        "{}",
        missing_file.diagnostic.message
    );
}

#[test]
fn reports_ref_cycles() {
    let text = r##"
openapi: 3.0.0
info: { title: Loop, version: "1" }
paths:
  /a:
    get:
      parameters: [{ $ref: "#/components/parameters/A" }]
      responses: {}
components:
  parameters:
    A: { $ref: "#/components/parameters/B" }
    B: { $ref: "#/components/parameters/A" }
"##;
    let docs = MemDocs::new(&[("l.yaml", text)]);
    let (api, problems) = OpenApi::read(&docs, FileId(0));
    assert_eq!(api.unwrap().operations.len(), 1);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].diagnostic.code, "unresolved-ref");
    assert!(
        problems[0].diagnostic.message.contains("cycle"),
        "{}",
        problems[0].diagnostic.message
    );
}

#[test]
fn warns_about_upper_case_methods_and_missing_template_parameters() {
    let text = r##"
openapi: 3.0.0
info: { title: Case, version: "1" }
paths:
  /a/{id}:
    GET: { operationId: shouted, responses: {} }
    get: { operationId: fine, responses: {} }
"##;
    let mut docs = MemDocs::new(&[("c.yaml", text)]);
    let (api, problems) = read_ok(&mut docs, "c.yaml");
    assert_eq!(api.operations.len(), 1);
    let messages: Vec<_> = problems
        .iter()
        .map(|p| p.diagnostic.message.as_str())
        .collect();
    assert_eq!(messages.len(), 2, "{messages:#?}");
    assert!(
        messages
            .iter()
            .any(|m| m.contains("declares no path parameter `id`"))
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("`GET` is not a path item field"))
    );
}

#[test]
fn finds_parameters_and_flags_reserved_headers() {
    let text = r##"
openapi: 3.0.0
info: { title: Headers, version: "1" }
security: [bearer]
paths:
  /login:
    post:
      operationId: login
      parameters:
        - { name: Content-Type, in: header, schema: { type: string } }
        - { name: Authorization, in: header, required: true, schema: { type: string } }
        - { name: X-Request-Id, in: header, schema: { type: string } }
        - { name: content-type, in: query, schema: { type: string } }
      responses: { "200": { description: ok } }
"##;
    let docs = MemDocs::new(&[("h.yaml", text)]);
    let (api, problems) = OpenApi::read(&docs, FileId(0));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].pointer, "/security/0");
    assert!(problems[0].diagnostic.is_error());
    let api = api.unwrap();
    assert!(api.security.is_empty());
    let login = api.operation_by_id("login").unwrap();
    let auth = login.parameter("authorization", Location::Header).unwrap();
    assert_eq!(auth.name, "Authorization");
    assert!(auth.is_reserved_header());
    assert!(
        login
            .parameter("content-type", Location::Header)
            .unwrap()
            .is_reserved_header()
    );
    assert!(
        !login
            .parameter("x-request-id", Location::Header)
            .unwrap()
            .is_reserved_header()
    );
    assert!(
        !login
            .parameter("content-type", Location::Query)
            .unwrap()
            .is_reserved_header()
    );
    assert!(
        login.parameter("Content-type", Location::Query).is_none(),
        "query names are case-sensitive"
    );
}
