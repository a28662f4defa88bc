//! `GET /api/v1/openapi.json`: the API described in OpenAPI 3.1, for the systems that
//! talk to it (the sector database, statistics tools) and their code generators.
//!
//! The schemas come from the wire types themselves (`utoipa::ToSchema`, derived in
//! `tuanle-shared` under its `openapi` feature), so they cannot drift from what the
//! server reads and writes. What is written here is the list of operations: each
//! route's method, what it takes and gives, in one table beside the router. A test
//! checks that every route of `wire::routes` is described, and another that the real
//! server answers every described operation.

use std::sync::OnceLock;

use axum::http::header;
use axum::response::IntoResponse;
use tuanle_shared::document::{DocumentFields, DocumentFieldsAnswer};
use tuanle_shared::wire::admin::{self as admin, routes as admin_routes};
use tuanle_shared::wire::{self as wire, routes};
use utoipa::ToSchema;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, ParameterBuilder, ParameterIn};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{
    ComponentsBuilder, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, PathItem,
    PathsBuilder, Ref, RefOr, Required, ResponseBuilder,
};

/// A body an operation takes or gives: its media type, its schema, and the named
/// schemas it refers to.
struct Payload {
    media: &'static str,
    schema: RefOr<Schema>,
    components: Vec<(String, RefOr<Schema>)>,
    description: &'static str,
}

/// `T` as JSON.
fn json<T: ToSchema>() -> Payload {
    let mut components = vec![(T::name().into_owned(), T::schema())];
    T::schemas(&mut components);
    Payload {
        media: "application/json",
        schema: Ref::from_schema_name(T::name()).into(),
        components,
        description: "",
    }
}

/// A JSON array of `T`.
fn json_list<T: ToSchema>() -> Payload {
    let one = json::<T>();
    Payload {
        schema: ArrayBuilder::new().items(one.schema).into(),
        ..one
    }
}

/// Any JSON object (a form's definition: its own format, `docs/form.md`).
fn json_object(description: &'static str) -> Payload {
    Payload {
        media: "application/json",
        schema: ObjectBuilder::new().schema_type(Type::Object).into(),
        components: Vec::new(),
        description,
    }
}

/// A file's bytes.
fn file(media: &'static str, description: &'static str) -> Payload {
    Payload {
        media,
        schema: ObjectBuilder::new()
            .schema_type(Type::String)
            .content_media_type(media)
            .into(),
        components: Vec::new(),
        description,
    }
}

/// Server-sent events whose `data` is `T` as JSON.
fn events<T: ToSchema>(description: &'static str) -> Payload {
    Payload {
        media: "text/event-stream",
        description,
        ..json::<T>()
    }
}

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/// One operation of the API.
struct Op {
    method: HttpMethod,
    path: &'static str,
    summary: &'static str,
    query: &'static [(&'static str, &'static str)],
    body: Option<Payload>,
    /// The success status and what it carries.
    answer: (u16, Option<Payload>),
}

fn op(method: HttpMethod, path: &'static str, summary: &'static str) -> Op {
    Op {
        method,
        path,
        summary,
        query: &[],
        body: None,
        answer: (200, None),
    }
}

impl Op {
    fn query(self, query: &'static [(&'static str, &'static str)]) -> Op {
        Op { query, ..self }
    }
    fn takes(self, body: Payload) -> Op {
        Op {
            body: Some(body),
            ..self
        }
    }
    fn gives(self, answer: Payload) -> Op {
        Op {
            answer: (200, Some(answer)),
            ..self
        }
    }
    fn status(self, status: u16) -> Op {
        Op {
            answer: (status, self.answer.1),
            ..self
        }
    }
}

const MODE: &[(&str, &str)] = &[(
    "mode",
    "official (the level's signed-off figures), final (submitted and approved reports; the default) or provisional (drafts too)",
)];

/// Every operation the server answers, as the router in [`super::router`] declares it.
fn operations() -> Vec<Op> {
    use HttpMethod::{Delete, Get, Patch, Post, Put};
    vec![
        op(
            Get,
            routes::HEALTHZ,
            "The server is up and its database answers",
        )
        .gives(json::<wire::Health>()),
        op(Get, routes::OPENAPI, "This description").gives(json_object("The API in OpenAPI 3.1")),
        op(Get, routes::FORMS, "Every form version")
            .query(&[("guidance", "true: with each row's guidance note")])
            .gives(json_object("A list of form definitions (docs/form.md)")),
        op(Get, routes::FORM, "One form version")
            .query(&[("guidance", "true: with each row's guidance note")])
            .gives(json_object("A form definition (docs/form.md)")),
        op(Get, routes::CAMPAIGNS, "The campaigns the caller may open")
            .gives(json_list::<wire::CampaignSummary>()),
        op(
            Get,
            routes::UNIT_KINDS,
            "Every kind of unit, shipped and added",
        )
        .gives(json_list::<tuanle_shared::tree::KindDef>()),
        op(Post, routes::SESSION, "Signs in: sets the session cookie")
            .takes(json::<wire::SignIn>())
            .gives(json::<wire::Me>()),
        op(Get, routes::SESSION, "Who is signed in").gives(json::<wire::Me>()),
        op(
            Delete,
            routes::SESSION,
            "Signs out (everywhere=true: on every device)",
        )
        .query(&[("everywhere", "true: end every session of the account")])
        .status(204),
        op(
            Get,
            routes::REPORT,
            "A unit's report: its content, status, comments and reference",
        )
        .gives(json::<wire::ReportState>()),
        op(
            Post,
            routes::REPORT_PUSH,
            "Sends a device's edits (exactly once per push_id; merged per cell)",
        )
        .takes(json::<wire::PushRequest>())
        .gives(json::<wire::PushAccepted>()),
        op(Post, routes::REPORT_SUBMIT, "Submits a version")
            .takes(json::<wire::SubmitRequest>())
            .gives(json::<wire::ReportState>()),
        op(
            Get,
            routes::REPORT_HISTORY,
            "Every version and review of a report",
        )
        .gives(json::<wire::History>()),
        op(
            Post,
            routes::REPORT_RETURN,
            "Returns a report with a reason and comments on cells (the parent's supervisor)",
        )
        .takes(json::<wire::ReturnRequest>())
        .gives(json::<wire::ReportState>()),
        op(
            Post,
            routes::REPORT_APPROVE,
            "Approves a report (the parent's supervisor)",
        )
        .takes(json::<wire::ApproveRequest>())
        .gives(json::<wire::ReportState>()),
        op(
            Post,
            routes::REPORT_COMMENTS,
            "Comments on one cell without returning",
        )
        .takes(json::<wire::NewComment>())
        .gives(json::<wire::ReportState>()),
        op(
            Put,
            routes::REPORT_FOLLOW_UP,
            "Marks a report for follow-up, or clears the mark",
        )
        .takes(json::<wire::FollowUp>())
        .gives(json::<wire::ReportState>()),
        op(
            Post,
            routes::REPORT_RESET,
            "Starts a practice campaign's report again",
        )
        .takes(json::<wire::ApproveRequest>())
        .gives(json::<wire::ReportState>()),
        op(
            Post,
            routes::UNIT_REMINDED,
            "Marks a reminder to a unit as sent",
        )
        .takes(json::<wire::ApproveRequest>())
        .gives(json::<wire::Reminded>()),
        op(
            Post,
            routes::REPORT_COMMENT_ANSWER,
            "The unit's answer to a comment",
        )
        .takes(json::<wire::CommentAnswerRequest>())
        .gives(json::<wire::ReportState>()),
        op(
            Get,
            routes::REPORT_TEMPLATE,
            "The unit's official Excel template",
        )
        .query(&[("filled", "true: with the report's current content")])
        .gives(file(XLSX, "The template")),
        op(
            Post,
            routes::REPORT_TEMPLATE,
            "Previews a filled template, writing nothing",
        )
        .takes(file(XLSX, "The filled template"))
        .gives(json::<wire::TemplatePreview>()),
        op(
            Get,
            routes::REPORT_EVENTS,
            "The report's live news: `ready`, then `changed` when its version or status moves",
        )
        .gives(events::<wire::ReportNews>(
            "Server-sent events; each event's data is this JSON",
        )),
        op(
            Get,
            routes::DASHBOARD,
            "A unit's dashboard: its subtree's figures, completeness and children",
        )
        .gives(json::<wire::Dashboard>()),
        op(
            Get,
            routes::DASHBOARD_EVENTS,
            "The dashboard's live updates: `ready`, then `changed` at most four a second",
        )
        .gives(events::<wire::DashboardUpdate>(
            "Server-sent events; each `changed` event's data is this JSON",
        )),
        op(
            Get,
            routes::DASHBOARD_MISSING,
            "A page of the subtree's units not yet in",
        )
        .query(&[
            ("offset", "units to skip"),
            ("limit", "units in the page, at most 200"),
        ])
        .gives(json::<wire::MissingUnits>()),
        op(
            Get,
            routes::EXPORT,
            "The official Excel form of a unit's subtree",
        )
        .query(MODE)
        .gives(file(XLSX, "The workbook")),
        op(
            Get,
            routes::REPORT_DOCUMENT,
            "The unit's report as a Word document (Nghị định 30/2020)",
        )
        .query(MODE)
        .gives(file(DOCX, "The report")),
        op(
            Get,
            routes::REPORT_DOCUMENT_FIELDS,
            "The issuer's fields of the report document",
        )
        .gives(json::<DocumentFieldsAnswer>()),
        op(
            Put,
            routes::REPORT_DOCUMENT_FIELDS,
            "Saves the issuer's fields",
        )
        .takes(json::<DocumentFields>())
        .gives(json::<DocumentFieldsAnswer>()),
        op(
            Get,
            routes::NARRATIVE,
            "The narrative report of a unit's subtree, with its figures",
        )
        .query(MODE)
        .gives(json::<wire::Narrative>()),
        op(
            Get,
            routes::UNIT_ACCOUNTS,
            "The accounts of a unit below the caller's",
        )
        .gives(json_list::<admin::AccountInfo>()),
        op(
            Post,
            routes::UNIT_ACCOUNT_PASSWORD,
            "A new first password for one of them",
        )
        .takes(json::<admin::PasswordReset>())
        .gives(json::<admin::Credentials>()),
        op(
            Put,
            routes::CHILDREN_DEADLINE,
            "Sets the deadline of the unit's direct children",
        )
        .takes(json::<wire::ChildrenDeadline>())
        .gives(json::<wire::Deadlines>()),
        op(
            Get,
            routes::PACKAGES,
            "A unit's sign-off packages, newest first",
        )
        .gives(json_list::<wire::PackageBrief>()),
        op(
            Post,
            routes::PACKAGES,
            "Signs off the unit's figures and sends them up",
        )
        .takes(json::<wire::SignOffRequest>())
        .gives(json::<wire::Package>()),
        op(Get, routes::PACKAGE, "One package as sent").gives(json::<wire::Package>()),
        op(
            Get,
            routes::PACKAGE_SIGNED_COPY,
            "The package's signed copy",
        )
        .gives(file("application/octet-stream", "A PDF, JPEG or PNG")),
        op(
            Put,
            routes::PACKAGE_SIGNED_COPY,
            "Attaches the signed copy (at most 10 MB)",
        )
        .query(&[("name", "the file's name")])
        .takes(file("application/octet-stream", "A PDF, JPEG or PNG"))
        .gives(json::<wire::SignedCopy>()),
        op(Post, routes::PACKAGE_ACCEPT, "Accepts a child's package")
            .takes(json::<wire::ApproveRequest>())
            .gives(json::<wire::Package>()),
        op(
            Post,
            routes::PACKAGE_RETURN,
            "Returns a child's package with a reason",
        )
        .takes(json::<wire::ReturnRequest>())
        .gives(json::<wire::Package>()),
        op(Post, admin_routes::CAMPAIGNS, "Creates a campaign")
            .takes(json::<admin::CampaignInput>())
            .status(201),
        op(Put, admin_routes::CAMPAIGN, "Changes a campaign")
            .takes(json::<admin::CampaignInput>())
            .status(204),
        op(
            Post,
            admin_routes::TREE_PREVIEW,
            "The changes a tree file would make (422 with its problems by line)",
        )
        .query(&[
            ("under", "import below this unit"),
            ("from", "copy this campaign's tree instead"),
            ("name", "the file's name"),
        ])
        .takes(file("text/csv", "A CSV or XLSX file"))
        .gives(json::<admin::TreePreview>()),
        op(
            Post,
            admin_routes::TREE_IMPORT,
            "Applies a tree file (422 with its problems by line)",
        )
        .query(&[
            ("under", "import below this unit"),
            ("from", "copy this campaign's tree instead"),
            ("name", "the file's name"),
        ])
        .takes(file("text/csv", "A CSV or XLSX file"))
        .gives(json::<admin::TreePreview>()),
        op(
            Get,
            admin_routes::LEVELS,
            "The levels of the tree within reach",
        )
        .gives(json_list::<admin::Level>()),
        op(Get, admin_routes::UNITS, "A unit's children")
            .query(&[("parent", "the unit")])
            .gives(json::<admin::AdminUnits>()),
        op(Post, admin_routes::UNITS, "Adds a unit")
            .takes(json::<admin::NewUnit>())
            .gives(json::<admin::AdminUnit>())
            .status(201),
        op(
            Patch,
            admin_routes::UNIT,
            "Renames, moves, (de)activates a unit",
        )
        .takes(json::<admin::UnitChange>())
        .gives(json::<admin::AdminUnit>()),
        op(Get, admin_routes::ACCOUNTS, "Accounts within reach")
            .query(&[("q", "a part of the name or username")])
            .gives(json_list::<admin::AccountInfo>()),
        op(Post, admin_routes::ACCOUNTS, "Creates an account")
            .takes(json::<admin::NewAccount>())
            .gives(json::<admin::Credentials>())
            .status(201),
        op(
            Post,
            admin_routes::ACCOUNTS_BULK,
            "An account for every unit of a level that has none",
        )
        .takes(json::<admin::BulkAccounts>())
        .gives(json::<admin::BulkCreated>()),
        op(Patch, admin_routes::ACCOUNT, "Changes an account")
            .takes(json::<admin::AccountChange>())
            .gives(json::<admin::AccountInfo>()),
        op(Post, admin_routes::ACCOUNT_PASSWORD, "A new first password")
            .takes(json::<admin::PasswordReset>())
            .gives(json::<admin::Credentials>()),
        op(Get, admin_routes::AUDIT, "The audit log, newest first")
            .gives(json_list::<admin::AuditEntry>()),
        op(Post, admin_routes::UNIT_KINDS, "Adds a kind of unit")
            .takes(json::<tuanle_shared::tree::KindDef>())
            .gives(json::<tuanle_shared::tree::KindDef>())
            .status(201),
        op(
            Post,
            admin_routes::UNIT_KIND_SPELLINGS,
            "Teaches the import a spelling of a kind",
        )
        .takes(json::<admin::KindSpelling>())
        .gives(json::<tuanle_shared::tree::KindDef>()),
        op(
            Post,
            admin_routes::FORMS_CHECK,
            "Checks a form file, storing nothing: the form, or 400 BAD_FORM with every problem",
        )
        .query(FORM_FILE_QUERY)
        .takes(file(
            "application/json",
            "A form definition, as the shipped ones; or the appendix as an XLSX sheet (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), read against the campaign's form",
        ))
        .gives(json_object(
            "The form as reporters will see it (docs/form.md)",
        )),
        op(
            Post,
            admin_routes::FORMS,
            "Adds a form version (201; 200 when the same file was added before)",
        )
        .query(FORM_FILE_QUERY)
        .takes(file(
            "application/json",
            "A form definition, as the shipped ones; or the appendix as an XLSX sheet (application/vnd.openxmlformats-officedocument.spreadsheetml.sheet), read against the campaign's form",
        ))
        .gives(json_object("The stored form (docs/form.md)"))
        .status(201),
        op(
            Get,
            admin_routes::PROVINCE_FORMS,
            "The provinces within reach that have their own form",
        )
        .gives(json_list::<admin::ProvinceForm>()),
        op(
            Put,
            admin_routes::PROVINCE_FORM,
            "Publishes a province's own form for it, or goes back to the campaign's (204)",
        )
        .takes(json::<admin::ProvinceFormInput>())
        .status(204),
    ]
}

/// The query of a form upload: how a sheet is read (a JSON file names its own version).
const FORM_FILE_QUERY: &[(&str, &str)] = &[
    (
        "version",
        "for a sheet: the version name of the form read from it",
    ),
    (
        "province",
        "for a sheet: true for a province's form, extending the campaign's",
    ),
];

/// A method as operation ids spell it.
fn method_name(method: &HttpMethod) -> &'static str {
    match method {
        HttpMethod::Get => "get",
        HttpMethod::Post => "post",
        HttpMethod::Put => "put",
        HttpMethod::Delete => "delete",
        HttpMethod::Options => "options",
        HttpMethod::Head => "head",
        HttpMethod::Patch => "patch",
        HttpMethod::Trace => "trace",
    }
}

/// The whole description.
pub fn document() -> OpenApi {
    let mut paths = PathsBuilder::new();
    let mut components = ComponentsBuilder::new().security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            wire::SESSION_COOKIE,
            "The session cookie `POST /api/v1/session` sets",
        ))),
    );
    let error = json::<wire::ApiError>();
    for (name, schema) in error.components {
        components = components.schema(name, schema);
    }
    let error_schema = error.schema;
    for op in operations() {
        let mut operation = OperationBuilder::new()
            .summary(Some(op.summary))
            .operation_id(Some(format!(
                "{}{}",
                method_name(&op.method),
                op.path.replace(['/', '{', '}', '.', '-'], "_")
            )));
        if op.path != routes::SESSION
            && op.path != routes::HEALTHZ
            && op.path != routes::OPENAPI
            && op.path != routes::FORMS
            && op.path != routes::FORM
        {
            operation =
                operation.security(SecurityRequirement::new("session", Vec::<String>::new()));
        }
        for name in op
            .path
            .split('/')
            .filter_map(|p| p.strip_prefix('{')?.strip_suffix('}'))
        {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(name)
                    .parameter_in(ParameterIn::Path)
                    .required(Required::True)
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        for (name, description) in op.query {
            operation = operation.parameter(
                ParameterBuilder::new()
                    .name(*name)
                    .parameter_in(ParameterIn::Query)
                    .required(Required::False)
                    .description(Some(*description))
                    .schema(Some(ObjectBuilder::new().schema_type(Type::String))),
            );
        }
        if let Some(body) = op.body {
            operation = operation.request_body(Some(
                RequestBodyBuilder::new()
                    .required(Some(Required::True))
                    .description((!body.description.is_empty()).then_some(body.description))
                    .content(
                        body.media,
                        ContentBuilder::new().schema(Some(body.schema)).build(),
                    )
                    .build(),
            ));
            for (name, schema) in body.components {
                components = components.schema(name, schema);
            }
        }
        let (status, answer) = op.answer;
        let mut response = ResponseBuilder::new().description(match status {
            201 => "Created",
            204 => "Done, nothing to say",
            _ => "Done",
        });
        if let Some(answer) = answer {
            if !answer.description.is_empty() {
                response = response.description(answer.description);
            }
            response = response.content(
                answer.media,
                ContentBuilder::new().schema(Some(answer.schema)).build(),
            );
            for (name, schema) in answer.components {
                components = components.schema(name, schema);
            }
        }
        operation = operation.response(status.to_string(), response.build());
        operation = operation.response(
            "default",
            ResponseBuilder::new()
                .description(
                    "Refused: `{code, message}`, the code saying why (decide from it, not from the status), the message in Vietnamese",
                )
                .content(
                    "application/json",
                    ContentBuilder::new().schema(Some(error_schema.clone())).build(),
                )
                .build(),
        );
        paths = paths.path(op.path, PathItem::new(op.method, operation.build()));
    }
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Tuần lễ hưởng ứng học tập suốt đời: báo cáo")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "Reports of Lifelong Learning Week, consolidated up the tree of units. \
                     Sign in with `POST /api/v1/session`; every other call carries the session cookie.",
                ))
                .build(),
        )
        .paths(paths.build())
        .components(Some(components.build()))
        .build()
}

/// The description as JSON, made once.
fn text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        document()
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    })
}

pub async fn openapi_get() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/json")], text())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_described_with_its_schemas() {
        let doc: serde_json::Value = serde_json::from_str(text()).expect("JSON");
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths");
        for route in routes::ALL.iter().chain(admin_routes::ALL) {
            assert!(paths.contains_key(*route), "{route} is not described");
        }
        // Every schema referred to is there.
        let schemas = doc["components"]["schemas"].as_object().expect("schemas");
        let text = text();
        for name in text
            .split("\"$ref\":\"#/components/schemas/")
            .skip(1)
            .filter_map(|r| r.split('"').next())
        {
            assert!(
                schemas.contains_key(name),
                "{name} is referred to, not described"
            );
        }
        // The error body, and every refusal code in it.
        let codes = schemas["RefusalCode"]["enum"].as_array().expect("codes");
        assert_eq!(codes.len(), wire::RefusalCode::ALL.len());
        assert!(schemas.contains_key("ApiError"));
        let push = &paths[routes::REPORT_PUSH]["post"];
        assert_eq!(
            push["requestBody"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/PushRequest"
        );
    }
}
