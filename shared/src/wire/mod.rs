//! What travels between the app and the server: route paths, bodies, the error body.
//! Both sides use these definitions, so a path or a field is never spelled twice.

use serde::{Deserialize, Serialize};

pub mod admin;
mod comment;
mod package;
mod refusal;

pub use comment::{
    CellComment, CommentAnswerRequest, CommentProblem, MAX_COMMENT_CHARS, MAX_COMMENTS_PER_REPORT,
    NewComment, Settled, Written, check_comment, check_text,
};
pub use package::{
    OwnReport, Package, PackageBrief, PackageContents, PackagePart, PackageStatus, PartSource,
    SIGNED_COPY_MAX, SignOffRequest, SignedCopy, package_label, signed_copy_type,
};
pub use refusal::RefusalCode;

use crate::content::{Cell, Content};
use crate::merge::Conflict;
use crate::validate::IssueReport;

/// Route paths, versioned under `/api/v1`.
pub mod routes {
    pub const HEALTHZ: &str = "/healthz";
    pub const FORMS: &str = "/api/v1/forms";
    /// `/api/v1/forms/{version}`
    pub const FORM: &str = "/api/v1/forms/{version}";
    pub const CAMPAIGNS: &str = "/api/v1/campaigns";
    /// `GET`: every kind of unit, shipped and added (`tree::KindDef`).
    pub const UNIT_KINDS: &str = "/api/v1/unit-kinds";
    /// `POST` signs in, `GET` says who is signed in, `DELETE` signs out.
    pub const SESSION: &str = "/api/v1/session";
    pub const REPORT: &str = "/api/v1/campaigns/{campaign}/reports/{unit}";
    pub const REPORT_PUSH: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/push";
    pub const REPORT_SUBMIT: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/submit";
    pub const REPORT_HISTORY: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/history";
    pub const REPORT_RETURN: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/return";
    pub const REPORT_APPROVE: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/approve";
    /// `POST` a [`super::NewComment`] on one cell, by a supervisor of the unit's parent,
    /// without returning the report: the report's state, with the comment.
    pub const REPORT_COMMENTS: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/comments";
    /// `PUT` a [`super::FollowUp`]: a supervisor of the unit's parent marks its report for
    /// follow-up, or clears the mark.
    pub const REPORT_FOLLOW_UP: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/follow-up";
    /// `POST {}`: in a practice campaign, the unit's own staff start their report again
    /// from nothing (`NOT_PRACTICE` in any other).
    pub const REPORT_RESET: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/reset";
    /// `POST {}`: a supervisor above the unit marks a reminder to it as sent ("Đã nhắc").
    pub const UNIT_REMINDED: &str = "/api/v1/campaigns/{campaign}/units/{unit}/reminded";
    /// `POST` a [`super::CommentAnswerRequest`]: the unit's staff answer a comment.
    pub const REPORT_COMMENT_ANSWER: &str =
        "/api/v1/campaigns/{campaign}/reports/{unit}/comments/{id}/answer";
    /// `GET` (`?filled=true` for the current content): the unit's official Excel template,
    /// for anyone who reads the report; `POST` a filled one (the XLSX file as the body), by
    /// whoever may enter the report: its [`super::TemplatePreview`], writing nothing.
    pub const REPORT_TEMPLATE: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/template";
    /// Server-sent events: `ready` ([`super::ReportNews`]) at once, then `changed` with the
    /// same when the report's version or status moves (a push from another device, a
    /// return, an approval), within a quarter of a second.
    pub const REPORT_EVENTS: &str = "/api/v1/campaigns/{campaign}/reports/{unit}/events";
    pub const DASHBOARD: &str = "/api/v1/campaigns/{campaign}/dashboard/{unit}";
    /// Server-sent events: `ready` at once, then `changed` ([`super::DashboardUpdate`])
    /// whenever the subtree's figures, completeness or packages move, at most four a
    /// second, each what the dashboard shows of them then.
    pub const DASHBOARD_EVENTS: &str = "/api/v1/campaigns/{campaign}/dashboard/{unit}/events";
    /// `?offset=N&limit=M` (at most [`super::MISSING_PAGE_MAX`]): a page of the subtree's
    /// units not yet in ([`super::MissingUnits`]), in the dashboard's order.
    pub const DASHBOARD_MISSING: &str = "/api/v1/campaigns/{campaign}/dashboard/{unit}/missing";

    /// `?mode=official|final|provisional` ([`super::FigureMode`]): the official Excel form
    /// of a unit's subtree.
    pub const EXPORT: &str = "/api/v1/campaigns/{campaign}/export/{unit}";
    pub const REPORT_DOCUMENT: &str = "/api/v1/campaigns/{campaign}/report-document/{unit}";
    pub const REPORT_DOCUMENT_FIELDS: &str =
        "/api/v1/campaigns/{campaign}/report-document/{unit}/fields";

    /// `?mode=official|final|provisional`: the narrative report of a unit's subtree, to
    /// print.
    pub const NARRATIVE: &str = "/api/v1/campaigns/{campaign}/narrative/{unit}";

    /// `GET`, by a supervisor of a unit above: the unit's reporter and supervisor
    /// accounts ([`super::admin::AccountInfo`]).
    pub const UNIT_ACCOUNTS: &str = "/api/v1/campaigns/{campaign}/units/{unit}/accounts";
    /// `POST` an empty object, by the same: a new first password for one of them
    /// ([`super::admin::Credentials`]); its sessions end, and it is audited.
    pub const UNIT_ACCOUNT_PASSWORD: &str =
        "/api/v1/campaigns/{campaign}/units/{unit}/accounts/{username}/password";

    /// `PUT` a [`super::ChildrenDeadline`], by the unit's own supervisor: the deadline of
    /// its direct children; answers the unit's [`super::Deadlines`].
    pub const CHILDREN_DEADLINE: &str =
        "/api/v1/campaigns/{campaign}/units/{unit}/children-deadline";

    /// `GET` a unit's packages, newest first ([`super::PackageBrief`]); `POST` a
    /// [`super::SignOffRequest`], by the unit's own supervisor: a new sign-off, answered
    /// with its [`super::Package`].
    pub const PACKAGES: &str = "/api/v1/campaigns/{campaign}/units/{unit}/packages";
    /// `GET` one package as sent ([`super::Package`]).
    pub const PACKAGE: &str = "/api/v1/campaigns/{campaign}/units/{unit}/packages/{seq}";
    /// `PUT` the signed copy of a package (a PDF or an image as the body, `?name=` its
    /// file name) by the unit's own supervisor, `GET` it.
    pub const PACKAGE_SIGNED_COPY: &str =
        "/api/v1/campaigns/{campaign}/units/{unit}/packages/{seq}/signed-copy";
    /// `POST` an [`super::ApproveRequest`], by a supervisor of the unit's direct parent.
    pub const PACKAGE_ACCEPT: &str =
        "/api/v1/campaigns/{campaign}/units/{unit}/packages/{seq}/accept";
    /// `POST` a [`super::ReturnRequest`], by the same.
    pub const PACKAGE_RETURN: &str =
        "/api/v1/campaigns/{campaign}/units/{unit}/packages/{seq}/return";

    /// The API's description (OpenAPI 3.1), generated from these types.
    pub const OPENAPI: &str = "/api/v1/openapi.json";

    /// Every route above (the API's description must cover each).
    pub const ALL: &[&str] = &[
        HEALTHZ,
        OPENAPI,
        FORMS,
        FORM,
        CAMPAIGNS,
        UNIT_KINDS,
        SESSION,
        REPORT,
        REPORT_PUSH,
        REPORT_SUBMIT,
        REPORT_HISTORY,
        REPORT_RETURN,
        REPORT_APPROVE,
        REPORT_COMMENTS,
        REPORT_FOLLOW_UP,
        REPORT_RESET,
        UNIT_REMINDED,
        REPORT_COMMENT_ANSWER,
        REPORT_TEMPLATE,
        REPORT_EVENTS,
        DASHBOARD,
        DASHBOARD_EVENTS,
        DASHBOARD_MISSING,
        EXPORT,
        REPORT_DOCUMENT,
        REPORT_DOCUMENT_FIELDS,
        NARRATIVE,
        UNIT_ACCOUNTS,
        UNIT_ACCOUNT_PASSWORD,
        CHILDREN_DEADLINE,
        PACKAGES,
        PACKAGE,
        PACKAGE_SIGNED_COPY,
        PACKAGE_ACCEPT,
        PACKAGE_RETURN,
    ];

    /// A unit's packages, one of them (`seq`), or an action on it (`accept`, `return`).
    pub fn packages(campaign: &str, unit: &str, seq: Option<u32>, action: &str) -> String {
        let base = format!("{CAMPAIGNS}/{campaign}/units/{unit}/packages");
        match (seq, action) {
            (None, _) => base,
            (Some(n), "") => format!("{base}/{n}"),
            (Some(n), a) => format!("{base}/{n}/{a}"),
        }
    }

    /// The path that sets the deadline of a unit's children.
    pub fn unit_reminded(campaign: &str, unit: &str) -> String {
        format!("{CAMPAIGNS}/{campaign}/units/{unit}/reminded")
    }

    pub fn children_deadline(campaign: &str, unit: &str) -> String {
        format!("{CAMPAIGNS}/{campaign}/units/{unit}/children-deadline")
    }

    /// The accounts of a unit, or (with `username`) the reset of one's password.
    pub fn unit_accounts(campaign: &str, unit: &str, username: Option<&str>) -> String {
        let base = format!("{CAMPAIGNS}/{campaign}/units/{unit}/accounts");
        match username {
            Some(u) => format!("{base}/{u}/password"),
            None => base,
        }
    }

    /// The narrative report of a unit's subtree.
    pub fn narrative(campaign: &str, unit: &str, mode: super::FigureMode) -> String {
        format!(
            "{CAMPAIGNS}/{campaign}/narrative/{unit}?mode={}",
            mode.as_str()
        )
    }

    /// The Excel export of a unit's subtree.
    pub fn export(campaign: &str, unit: &str, mode: super::FigureMode) -> String {
        format!(
            "{CAMPAIGNS}/{campaign}/export/{unit}?mode={}",
            mode.as_str()
        )
    }

    /// The report of a unit's subtree as a Word document (`.docx`).
    pub fn report_document(campaign: &str, unit: &str, mode: super::FigureMode) -> String {
        format!(
            "{CAMPAIGNS}/{campaign}/report-document/{unit}?mode={}",
            mode.as_str()
        )
    }

    /// The signed copy of a unit's package `seq`.
    pub fn signed_copy(campaign: &str, unit: &str, seq: u32) -> String {
        format!("{CAMPAIGNS}/{campaign}/units/{unit}/packages/{seq}/signed-copy")
    }

    /// The issuer's fields of a unit's report document (GET, PUT).
    pub fn report_document_fields(campaign: &str, unit: &str) -> String {
        format!("{CAMPAIGNS}/{campaign}/report-document/{unit}/fields")
    }

    /// The dashboard of a unit's subtree (`events` for its live stream).
    pub fn dashboard(campaign: &str, unit: &str, events: bool) -> String {
        let base = format!("{CAMPAIGNS}/{campaign}/dashboard/{unit}");
        if events {
            format!("{base}/events")
        } else {
            base
        }
    }

    /// A page of a dashboard's missing units.
    pub fn dashboard_missing(campaign: &str, unit: &str, offset: u32, limit: u32) -> String {
        format!("{CAMPAIGNS}/{campaign}/dashboard/{unit}/missing?offset={offset}&limit={limit}")
    }

    /// The path of one form version.
    /// A form with its rows' guidance notes, as this build reads it.
    pub fn form_with_guidance(version: &str) -> String {
        format!("{}?guidance=true", form(version))
    }

    pub fn form(version: &str) -> String {
        format!("{FORMS}/{version}")
    }

    /// The path of one unit's report in one campaign, and of its actions (`push`,
    /// `submit`, `history`; empty for the report itself).
    pub fn report(campaign: &str, unit: &str, action: &str) -> String {
        let base = format!("{CAMPAIGNS}/{campaign}/reports/{unit}");
        if action.is_empty() {
            base
        } else {
            format!("{base}/{action}")
        }
    }
}

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "tuanle_session";

/// Every refusal: a stable code for programs, a Vietnamese message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub code: RefusalCode,
    pub message: String,
    /// The validation findings, when a submission is refused because of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub issues: Vec<IssueReport>,
    /// Every problem of an uploaded file, when it is refused for them (`BAD_FORM`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

impl ApiError {
    /// A refusal with a message more precise than its code's own.
    pub fn new(code: RefusalCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            issues: Vec::new(),
            problems: Vec::new(),
        }
    }
}

impl From<RefusalCode> for ApiError {
    /// A refusal with its code's own message.
    fn from(code: RefusalCode) -> Self {
        ApiError::new(code, code.message())
    }
}

/// What a person is allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Enters and submits one unit's report.
    Reporter,
    /// Watches a unit's subtree, returns and approves the reports of the units directly
    /// below, resets the passwords of the accounts below; reports for the unit.
    Supervisor,
    /// Reads a unit's subtree (dashboards, reports, documents) and changes nothing: for
    /// the People's Committees, which receive the reports too.
    Observer,
    /// Manages campaigns, trees and accounts.
    Admin,
}

crate::names::by_name!(Role { Reporter = "reporter", Supervisor = "supervisor", Observer = "observer", Admin = "admin" });

impl Role {
    /// The role's name in the UI.
    pub fn label(self) -> &'static str {
        match self {
            Role::Reporter => "Báo cáo",
            Role::Supervisor => "Giám sát",
            Role::Observer => "Theo dõi",
            Role::Admin => "Quản trị",
        }
    }
}

/// `POST /api/v1/session`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub username: String,
    pub password: String,
}

/// Who is signed in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The unit, by its stable code (matched in each campaign's tree).
    pub unit_code: Option<String>,
}

/// Where a report is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ReportStatus {
    /// Synced to the server, not counted as final.
    Draft,
    Submitted,
    /// Sent back for correction, with a reason: editable again.
    Returned,
    /// Locked for good.
    Approved,
}

crate::names::by_name!(ReportStatus { Draft = "draft", Submitted = "submitted", Returned = "returned", Approved = "approved" });

impl ReportStatus {
    /// The status as it travels and as it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportStatus::Draft => "draft",
            ReportStatus::Submitted => "submitted",
            ReportStatus::Returned => "returned",
            ReportStatus::Approved => "approved",
        }
    }

    /// The status named `s` ([`ReportStatus::as_str`]), if any.
    pub fn from_name(s: &str) -> Option<ReportStatus> {
        [
            ReportStatus::Draft,
            ReportStatus::Submitted,
            ReportStatus::Returned,
            ReportStatus::Approved,
        ]
        .into_iter()
        .find(|status| status.as_str() == s)
    }

    /// Whether pushes are refused (`REPORT_LOCKED`).
    pub fn is_locked(self) -> bool {
        matches!(self, ReportStatus::Submitted | ReportStatus::Approved)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportStatus::Draft => "Bản nháp",
            ReportStatus::Submitted => "Đã nộp",
            ReportStatus::Returned => "Bị trả lại",
            ReportStatus::Approved => "Đã duyệt",
        }
    }
}

/// `GET` a report: the current server version and the report's state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportState {
    pub campaign: String,
    pub unit_code: String,
    pub unit_name: String,
    pub form_version: String,
    /// 0 when nothing has been pushed yet.
    pub version: u64,
    pub content: Content,
    pub status: ReportStatus,
    pub late: bool,
    pub return_reason: Option<String>,
    /// The unit's deadline, ISO date.
    pub deadline: Option<String>,
    /// Who made the current version, and when (Unix milliseconds).
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
    /// Why the report takes no changes whatever its status, when it does not:
    /// [`RefusalCode::CampaignClosed`] or [`RefusalCode::UnitInactive`], what a push
    /// would be refused with.
    #[serde(default)]
    pub read_only: Option<RefusalCode>,
    /// Whether the reader may return or approve the report once it is submitted: `None`
    /// when they may (a supervisor of its direct parent, while it takes changes), else
    /// the refusal a review would get, which the app says instead of offering it.
    #[serde(default = "not_the_readers_to_review")]
    pub review_refusal: Option<RefusalCode>,
    /// The comments on the report's cells, oldest first: what the unit's staff see at
    /// each cell, offline too once pulled.
    #[serde(default)]
    pub comments: Vec<CellComment>,
    /// What the report is compared with: the unit's own last year (its submitted or
    /// accepted report) and its peers' fences, for the warnings offline.
    #[serde(default)]
    pub reference: crate::peers::Reference,
    /// Who the unit's staff ask for help: its parent and the parent's contact.
    #[serde(default)]
    pub help: Option<HelpContact>,
    /// Marked for follow-up by a supervisor of its parent.
    #[serde(default)]
    pub follow_up: bool,
    /// Its latest submission had values far above its peers'.
    #[serde(default)]
    pub flagged: bool,
    /// The yes/no rows that do not count units of this unit's kind (7.2, education
    /// institutions, for a ward): its answer there would count nowhere, so none is asked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_counted: Vec<crate::code::Code>,
}

/// A server before `review_refusal` offered no reader anything new: none may review.
fn not_the_readers_to_review() -> Option<RefusalCode> {
    Some(RefusalCode::Forbidden)
}

/// `POST …/push`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PushRequest {
    /// Made once when the push is queued, reused on every retry.
    pub push_id: String,
    pub device_id: String,
    /// The server version this content was edited from.
    pub base_version: u64,
    pub content: Content,
    /// The form version the content was typed on (the one the device shows). A report
    /// not yet started is started on the form its unit uses now; a draft typed offline
    /// on the version before, whose cells that form lacks, is started on the version it
    /// was typed on instead, when other reports of the campaign are on it (else it would
    /// be refused for good, its cells out of sight). A started report keeps its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub form_version: Option<String>,
}

/// A push accepted (200): the new version, the content it holds (merged if needed) and
/// the cells that came from the other device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushAccepted {
    pub version: u64,
    pub content: Content,
    #[serde(default)]
    pub from_theirs: Vec<Cell>,
}

/// A push refused because another device changed the same cells (409). Nothing was
/// written; the body carries the current version for the user to choose from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushConflict {
    /// Always [`RefusalCode::Conflict`].
    pub code: RefusalCode,
    pub message: String,
    pub version: u64,
    pub content: Content,
    pub conflicts: Vec<Conflict>,
    pub changed_by: String,
    pub changed_at: i64,
}

/// `POST …/submit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SubmitRequest {
    /// The version submitted: what the person saw.
    pub version: u64,
    pub device_id: String,
    /// The person has read the warnings and submits anyway.
    #[serde(default)]
    pub acknowledge_warnings: bool,
}

/// `POST …/return`: a supervisor sends a submitted report back for correction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ReturnRequest {
    /// Shown to the reporter; required.
    pub reason: String,
    /// Cells marked wrong, each with its comment, made with the return.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<NewComment>,
}

/// `POST …/template`: what a filled Excel template holds, before anything is written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplatePreview {
    /// The values read (those with a problem left out).
    pub content: Content,
    /// What blocks putting it into the report: unreadable values, another unit's file,
    /// the shared rules' errors. Each names its line.
    pub problems: Vec<TemplateProblem>,
    /// The shared rules' warnings, to acknowledge at submission.
    pub warnings: Vec<TemplateProblem>,
}

/// One problem of a template, on the spreadsheet's line (from 1; 0 when no one line).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TemplateProblem {
    pub line: u32,
    /// The form's row or item, when the problem is one's.
    pub code: Option<String>,
    pub message: String,
}

/// Which figures a dashboard table, an export or a printed report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FigureMode {
    /// What the unit's level accepted (`Dashboard::official_figures`): its own report
    /// when submitted, its leaf children's approved reports, its other children's
    /// accepted packages. What a sign-off sends up.
    Official,
    /// Live, tạm tính: every submitted or approved report of the subtree.
    Final,
    /// Live, tạm tính: every synced report of the subtree, drafts included.
    Provisional,
}

crate::names::by_name!(FigureMode { Official = "official", Final = "final", Provisional = "provisional" });

impl FigureMode {
    pub const ALL: [FigureMode; 3] = [
        FigureMode::Official,
        FigureMode::Final,
        FigureMode::Provisional,
    ];

    /// The mode as it travels (`?mode=`).
    pub fn as_str(self) -> &'static str {
        match self {
            FigureMode::Official => "official",
            FigureMode::Final => "final",
            FigureMode::Provisional => "provisional",
        }
    }

    pub fn from_name(s: &str) -> Option<FigureMode> {
        FigureMode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// How a document says which figures it holds.
    pub fn label(self) -> &'static str {
        match self {
            FigureMode::Official => "số liệu chính thức (đã chốt)",
            FigureMode::Final => "số liệu tạm tính theo các báo cáo đã nộp",
            FigureMode::Provisional => "số liệu tạm tính (kể cả bản nháp)",
        }
    }
}

/// A unit as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitRef {
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// How far a subtree has got: every unit in it (itself included) is in exactly one
/// of these states.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Completeness {
    pub units: u64,
    pub not_started: u64,
    /// Synced drafts: started, not submitted.
    pub draft: u64,
    pub on_time: u64,
    pub late: u64,
    pub returned: u64,
    pub approved: u64,
    /// Reports whose latest submission had values far above their peers'.
    #[serde(default)]
    pub flagged: u64,
    /// Reports a supervisor of their parent marked for follow-up.
    #[serde(default)]
    pub follow_up: u64,
}

impl Completeness {
    /// Submitted (on time or late) or approved: counted in the final totals.
    pub fn done(&self) -> u64 {
        self.on_time + self.late + self.approved
    }
}

/// How far the units of one kind in a subtree have got ("100% TTHTCĐ").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindProgress {
    /// The kind's stored code (`tthtcd`).
    pub kind: String,
    /// Units of the kind the subtree expects (asked units only in their own subtree).
    pub units: u64,
    /// Of them, submitted or approved.
    pub done: u64,
}

/// One direct child on a dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChildProgress {
    pub unit: UnitRef,
    /// Whether it has units below it (a dashboard to walk down to, a package to send).
    pub has_children: bool,
    pub completeness: Completeness,
    /// Its latest package, for a child that consolidates units below it.
    #[serde(default)]
    pub package: Option<PackageBrief>,
    /// Only asked to report (it is never missing).
    #[serde(default)]
    pub asked: bool,
}

/// `GET …/dashboard/{unit}`: the consolidated figures and the completeness of a subtree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Dashboard {
    pub campaign: String,
    pub unit: UnitRef,
    /// From the caller's own unit down to this one, for walking back up.
    pub path: Vec<UnitRef>,
    pub form_version: String,
    /// The form's slots summed over submitted and approved reports.
    pub final_figures: Vec<u128>,
    /// Also synced drafts and returned reports.
    pub provisional_figures: Vec<u128>,
    /// What the unit's level has accepted: its own report when submitted, its leaf
    /// children's approved reports and its other children's accepted packages. What a
    /// sign-off of the unit would send up.
    #[serde(default)]
    pub official_figures: Vec<u128>,
    /// The unit's own latest package, if it ever signed off.
    #[serde(default)]
    pub package: Option<PackageBrief>,
    pub completeness: Completeness,
    /// The same, kind by kind.
    #[serde(default)]
    pub by_kind: Vec<KindProgress>,
    pub children: Vec<ChildProgress>,
    /// Always empty now. Builds before 2026-12-04 read the first missing units here and
    /// require the field; with it empty they show the count and read the units with
    /// their "Xem thêm", page by page.
    #[serde(default)]
    pub missing: Vec<UnitRef>,
    /// How many units of the subtree are not yet in. The units themselves are read page
    /// by page ([`routes::dashboard_missing`]), when the list is opened: finding them
    /// walks a level of the subtree, which opening the view must not cost.
    pub missing_total: u64,
    #[serde(default)]
    pub deadlines: Deadlines,
    /// When the server read these figures (Unix milliseconds): the newer of this and a
    /// live update is shown.
    #[serde(default)]
    pub read_at: i64,
}

/// The event `changed` of a dashboard's live stream: the part of a [`Dashboard`] that
/// moves, read once for all the unit's viewers. A viewer applies it with
/// [`Dashboard::apply`] and asks for nothing (but the list of missing units, which it
/// loads again when their count moved).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DashboardUpdate {
    /// When the server read it (Unix milliseconds).
    pub read_at: i64,
    /// When the latest change it shows was committed, when known.
    pub changed_at: Option<i64>,
    /// The form the figures are laid out by (it changes when a province's own form is
    /// published or withdrawn while the dashboard is open). Absent from an older server:
    /// the dashboard's.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub form_version: String,
    pub final_figures: Vec<u128>,
    pub provisional_figures: Vec<u128>,
    pub official_figures: Vec<u128>,
    pub package: Option<PackageBrief>,
    pub completeness: Completeness,
    pub by_kind: Vec<KindProgress>,
    /// The rows of the children that moved (by code), or of every child.
    pub children: Vec<ChildProgress>,
    /// `children` is every child (the list to show), not only those that moved since
    /// the stream's previous event.
    pub every_child: bool,
    pub missing_total: u64,
}

impl Dashboard {
    /// Takes a live update unless the dashboard was read after it (an answer and an
    /// event can cross). Says whether it took it.
    pub fn apply(&mut self, update: DashboardUpdate) -> bool {
        if update.read_at < self.read_at {
            return false;
        }
        self.read_at = update.read_at;
        if !update.form_version.is_empty() {
            self.form_version = update.form_version;
        }
        self.final_figures = update.final_figures;
        self.provisional_figures = update.provisional_figures;
        self.official_figures = update.official_figures;
        self.package = update.package;
        self.completeness = update.completeness;
        self.by_kind = update.by_kind;
        if update.every_child {
            self.children = update.children;
        } else {
            for row in update.children {
                match self
                    .children
                    .iter_mut()
                    .find(|c| c.unit.code == row.unit.code)
                {
                    Some(shown) => *shown = row,
                    None => {
                        let at = self
                            .children
                            .partition_point(|c| c.unit.code < row.unit.code);
                        self.children.insert(at, row);
                    }
                }
            }
        }
        self.missing_total = update.missing_total;
        true
    }
}

/// The longest page of missing units one request gets.
pub const MISSING_PAGE_MAX: u32 = 200;

/// `GET …/dashboard/{unit}/missing`: units of the subtree not yet in (no report, a
/// draft, or a returned one; never a unit only asked to report), the unit first, then
/// level by level in code order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingUnits {
    pub offset: u32,
    pub units: Vec<UnitRef>,
    /// How many in all.
    pub total: u64,
    /// For each of `units`, in the same order: who to call, its deadline, and the latest
    /// reminder marked as sent.
    #[serde(default)]
    pub details: Vec<MissingDetail>,
}

/// A unit's contact person and phone, from the tree import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitContact {
    pub name: Option<String>,
    pub phone: Option<String>,
}

/// A reminder marked as sent ("Đã nhắc"): who marked it, when (Unix milliseconds).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Reminded {
    pub by: String,
    pub at: i64,
}

/// What the missing list shows of one unit beside its name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MissingDetail {
    pub contact: UnitContact,
    /// The deadline its parent set for it, else its level's (ISO date).
    pub deadline: Option<String>,
    pub reminded: Option<Reminded>,
}

/// Who a reporter asks for help: their unit's parent and its contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HelpContact {
    pub unit_name: String,
    pub contact: UnitContact,
}

/// The text of a reminder to a unit not yet in, ready to paste into a message: whom it
/// is for, what is due and by when, and who sends it.
pub fn reminder_text(
    unit_name: &str,
    contact: &UnitContact,
    deadline: Option<&str>,
    year: i32,
    from: &str,
) -> String {
    let to = match contact.name.as_deref() {
        Some(name) => format!("Kính gửi {name} ({unit_name})"),
        None => format!("Kính gửi {unit_name}"),
    };
    let due = match deadline {
        Some(d) => format!(" trước ngày {}", format_date(d)),
        None => String::new(),
    };
    format!(
        "{to}: đơn vị chưa nộp báo cáo kết quả tổ chức Tuần lễ hưởng ứng học tập suốt đời năm {year}. \
         Đề nghị đơn vị nhập và nộp báo cáo trên hệ thống{due}. Trân trọng, {from}."
    )
}

/// The events of a report's live stream: where the report stands on the server. An app
/// whose copy differs syncs at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReportNews {
    /// 0 when nothing has been pushed yet.
    pub version: u64,
    pub status: ReportStatus,
    /// When the current version or status was made (Unix milliseconds).
    pub updated_at: Option<i64>,
    /// When the latest comment or answer on its cells was written
    /// ([`comments_at`]): an app that has an older one pulls.
    #[serde(default)]
    pub comments_at: Option<i64>,
}

/// The latest time a comment or its answer was written, as [`ReportNews`] says it.
pub fn comments_at(comments: &[CellComment]) -> Option<i64> {
    comments
        .iter()
        .flat_map(|c| std::iter::once(c.comment.at).chain(c.answer.as_ref().map(|a| a.at)))
        .max()
}

/// The deadlines at one unit (ISO dates). Each level sets its own children's deadline
/// within its own; a unit without one set for it has its level's in the campaign.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Deadlines {
    /// The unit's own: the one its parent set, else its level's.
    pub own: Option<String>,
    /// Its direct children's level deadline in the campaign.
    pub children_by_campaign: Option<String>,
    /// Its direct children's as the unit set it, which applies instead.
    pub children_set: Option<String>,
}

/// `PUT …/units/{unit}/children-deadline`: the deadline of the unit's direct children,
/// no later than the unit's own; `None` gives them their level's in the campaign again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ChildrenDeadline {
    pub due_on: Option<String>,
}

/// The texts written for one narrative item (or the text row), gathered over a subtree
/// as "unit name: text".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GatheredTexts {
    pub code: String,
    pub texts: Vec<String>,
}

/// `GET …/narrative/{unit}`: the narrative report (BÁO CÁO TỔNG KẾT TUẦN LỄ) of a unit or
/// a subtree, with the consolidated figures of its table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Narrative {
    pub unit_name: String,
    pub year: i64,
    /// Not the official figures: a live view (tạm tính).
    pub provisional: bool,
    /// Which figures exactly (a server before it sent only `provisional`).
    #[serde(default = "final_mode")]
    pub mode: FigureMode,
    pub form_version: String,
    pub figures: Vec<u128>,
    pub texts: Vec<GatheredTexts>,
}

fn final_mode() -> FigureMode {
    FigureMode::Final
}

/// `PUT …/follow-up`: whether the report is marked for follow-up ("Cần theo dõi").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub follow_up: bool,
}

/// `POST …/approve`: an empty JSON object (a body is required so that, like every change,
/// it needs the JSON content type a cross-site form cannot send).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApproveRequest {}

/// Longest username, in characters (ASCII): a sign-in with a longer one is refused
/// before anything is checked or stored.
pub const MAX_USERNAME_CHARS: usize = 40;

/// Longest password accepted at sign-in, in bytes: no account has a longer one, and a
/// longer one is refused before it is hashed.
pub const MAX_PASSWORD_BYTES: usize = 256;

/// Longest reason for a return, in characters.
pub const MAX_REASON_CHARS: usize = 2_000;
/// Longest request target (path and query) the API reads, in bytes. Ours are short;
/// a longer one is refused before anything else is done with it.
pub const MAX_URI_BYTES: usize = 8 * 1024;
/// Longest display name of an account, in characters.
pub const MAX_DISPLAY_NAME_CHARS: usize = 200;
/// Longest search text of the account list, in characters.
pub const MAX_QUERY_CHARS: usize = 100;

/// One accepted version of a report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VersionInfo {
    pub version: u64,
    pub username: String,
    pub display_name: String,
    pub device_id: String,
    pub push_id: String,
    pub created_at: i64,
    /// Entered by a supervisor of the unit's parent ("nhập hộ bởi …").
    #[serde(default)]
    pub on_behalf: bool,
}

/// A submission, return or approval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventInfo {
    pub kind: String,
    pub version: u64,
    pub username: String,
    pub display_name: String,
    pub reason: Option<String>,
    pub late: bool,
    pub created_at: i64,
    /// Submitted by a supervisor of the unit's parent on its behalf.
    #[serde(default)]
    pub on_behalf: bool,
}

/// `GET …/history`: every version and every event, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct History {
    pub versions: Vec<VersionInfo>,
    pub events: Vec<EventInfo>,
    /// Every comment on a cell and its answer, oldest first.
    #[serde(default)]
    pub comments: Vec<CellComment>,
}

/// A campaign as listed to the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CampaignSummary {
    /// Stable code, e.g. `2025`.
    pub code: String,
    pub year: i32,
    /// Chủ đề.
    pub theme: String,
    /// ISO dates (`2025-10-01`).
    pub starts_on: String,
    pub ends_on: String,
    pub form_version: String,
    /// The content hash of that form (empty from a server before it): a device keeps
    /// its copy of the form while the hash is the same.
    #[serde(default)]
    pub form_hash: String,
    pub open: bool,
    /// The deadline of each level of the tree.
    #[serde(default)]
    pub deadlines: Vec<admin::Deadline>,
    /// Whether the signed-in person's unit is in this campaign's tree (false when
    /// signed out): the app opens the newest open campaign that has it.
    #[serde(default)]
    pub has_my_unit: bool,
    /// A practice campaign ("Đợt tập huấn"): its figures count nowhere else; the app
    /// opens it only when the person chose it.
    #[serde(default)]
    pub practice: bool,
}

/// Answer of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// `2025-10-01` → `01/10/2025`, as Vietnamese documents write dates. Anything else is
/// returned unchanged.
pub fn format_date(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

/// A date as Vietnamese people type it, `16/10/2025` (day, month, year; `-` or `.`
/// between them too, one or two digits for the day and month), or an ISO date pasted in
/// (`2025-10-16`): the ISO date, when it is a day the calendar has.
pub fn parse_vn_date(text: &str) -> Option<String> {
    let text = text.trim();
    if parse_iso_date(text).is_some() {
        return Some(text.to_owned());
    }
    let parts: Vec<&str> = text.split(['/', '-', '.']).map(str::trim).collect();
    let [d, m, y] = parts[..] else {
        return None;
    };
    let short = |s: &str| (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    if !short(d) || !short(m) || y.len() != 4 {
        return None;
    }
    let iso = format!("{y}-{m:0>2}-{d:0>2}");
    parse_iso_date(&iso).map(|_| iso)
}

/// The day of a moment (Unix milliseconds) in Vietnam (UTC+7), as documents write it:
/// `04/12/2026`. Out of range: empty.
pub fn format_day(ms: i64) -> String {
    let Ok(at) = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else {
        return String::new();
    };
    let Ok(offset) = time::UtcOffset::from_hms(7, 0, 0) else {
        return String::new();
    };
    let d = at.to_offset(offset).date();
    format!("{:02}/{:02}/{}", d.day(), u8::from(d.month()), d.year())
}

/// An ISO calendar date (`2025-10-16`): four-digit year, two-digit month and day, a day
/// that the month has (the calendar is `time`'s). `2026-02-30` is none. Read by hand
/// rather than with `time`'s format parser, whose machinery cost the app 10 KB for
/// this one layout.
pub fn parse_iso_date(iso: &str) -> Option<time::Date> {
    let digits = |s: &str| {
        (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u16>().ok())
            .flatten()
    };
    let [y, m, d] = iso.split('-').collect::<Vec<_>>()[..] else {
        return None;
    };
    if (y.len(), m.len(), d.len()) != (4, 2, 2) {
        return None;
    }
    let month = time::Month::try_from(u8::try_from(digits(m)?).ok()?).ok()?;
    let day = u8::try_from(digits(d)?).ok()?;
    time::Date::from_calendar_date(i32::from(digits(y)?), month, day).ok()
}

/// The last millisecond of an ISO date's day in Vietnam (UTC+7), as Unix milliseconds:
/// a report due "by 16/10" is on time until midnight in Vietnam.
pub fn end_of_day_vietnam_ms(iso: &str) -> Option<i64> {
    let next_midnight = parse_iso_date(iso)?
        .next_day()?
        .with_hms(0, 0, 0)
        .ok()?
        .assume_offset(time::UtcOffset::from_hms(7, 0, 0).ok()?);
    let ms = next_midnight.unix_timestamp_nanos() / 1_000_000;
    i64::try_from(ms).ok().map(|ms| ms - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_typed_day_first() {
        assert_eq!(parse_vn_date("16/10/2025").as_deref(), Some("2025-10-16"));
        assert_eq!(parse_vn_date(" 1/9/2025 ").as_deref(), Some("2025-09-01"));
        assert_eq!(parse_vn_date("16-10-2025").as_deref(), Some("2025-10-16"));
        assert_eq!(parse_vn_date("2025-10-16").as_deref(), Some("2025-10-16"));
        for bad in [
            "30/02/2026",
            "10/16/2025",
            "16/10/25",
            "",
            "16/10",
            "aa/bb/cccc",
        ] {
            assert_eq!(parse_vn_date(bad), None, "{bad}");
        }
        assert_eq!(format_date("2025-10-16"), "16/10/2025");
    }

    fn child(code: &str, done: u64) -> ChildProgress {
        ChildProgress {
            unit: UnitRef {
                code: code.into(),
                name: code.into(),
                kind: "truong_th".into(),
            },
            has_children: false,
            completeness: Completeness {
                units: 1,
                on_time: done,
                not_started: 1 - done,
                ..Completeness::default()
            },
            package: None,
            asked: false,
        }
    }

    /// A live update replaces the moving part, merges the moved children's rows in code
    /// order (or replaces the list when it has every child), and is ignored when the
    /// dashboard was read after it.
    #[test]
    fn a_dashboard_takes_live_updates_newer_than_itself() {
        let mut d = Dashboard {
            campaign: "2025".into(),
            unit: UnitRef {
                code: "W".into(),
                name: "W".into(),
                kind: "xa".into(),
            },
            path: Vec::new(),
            form_version: "v".into(),
            final_figures: vec![1],
            provisional_figures: vec![1],
            official_figures: vec![0],
            package: None,
            completeness: Completeness::default(),
            by_kind: Vec::new(),
            children: vec![child("A", 0), child("C", 0)],
            missing: Vec::new(),
            missing_total: 2,
            deadlines: Deadlines::default(),
            read_at: 100,
        };
        let update = DashboardUpdate {
            read_at: 200,
            changed_at: None,
            form_version: String::new(),
            final_figures: vec![5],
            provisional_figures: vec![1],
            official_figures: vec![0],
            package: None,
            completeness: Completeness::default(),
            by_kind: Vec::new(),
            children: vec![child("C", 1), child("B", 0)],
            every_child: false,
            missing_total: 1,
        };
        assert!(d.apply(update.clone()));
        let rows: Vec<(&str, u64)> = d
            .children
            .iter()
            .map(|c| (c.unit.code.as_str(), c.completeness.done()))
            .collect();
        assert_eq!(rows, [("A", 0), ("B", 0), ("C", 1)]);
        assert_eq!(
            (d.final_figures.as_slice(), d.missing_total, d.read_at),
            (&[5u128][..], 1, 200)
        );

        let mut older = update.clone();
        older.read_at = 150;
        older.final_figures = vec![9];
        assert!(!d.apply(older), "read before the dashboard was");
        assert_eq!(d.final_figures, [5]);

        let mut whole = update;
        whole.read_at = 300;
        whole.children = vec![child("A", 1)];
        whole.every_child = true;
        assert!(d.apply(whole));
        assert_eq!(d.children.len(), 1, "every child: the list replaced");
    }

    #[test]
    fn a_deadline_ends_at_midnight_in_vietnam() {
        // 2025-10-16T17:00:00Z is midnight of the 17th in Hanoi.
        assert_eq!(
            end_of_day_vietnam_ms("2025-10-16"),
            Some(1_760_634_000_000 - 1)
        );
        assert_eq!(
            end_of_day_vietnam_ms("1970-01-01"),
            Some(86_400_000 - 7 * 3_600_000 - 1)
        );
        assert_eq!(end_of_day_vietnam_ms("2025-13-01"), None);
        assert_eq!(end_of_day_vietnam_ms("16/10/2025"), None);
        // Only days the month has.
        assert_eq!(end_of_day_vietnam_ms("2026-02-30"), None);
        assert_eq!(end_of_day_vietnam_ms("2025-04-31"), None);
        assert!(end_of_day_vietnam_ms("2024-02-29").is_some(), "a leap day");
        assert_eq!(end_of_day_vietnam_ms("2025-02-29"), None);
        for odd in [
            "2025-1-16",
            "2025-01-16 ",
            "+2025-01-16",
            "2025-01-16T00:00",
            "2025-00-16",
            "2025-0a-16",
            "2025-+1-16",
            "2025-01-1\u{0663}",
            "2025-01-16-01",
            "",
        ] {
            assert_eq!(end_of_day_vietnam_ms(odd), None, "{odd:?}");
        }
    }

    #[test]
    fn dates_are_written_the_vietnamese_way() {
        assert_eq!(format_date("2025-10-01"), "01/10/2025");
        assert_eq!(format_date("soon"), "soon");
    }

    #[test]
    fn a_status_reads_back_from_its_name_and_its_wire_form() {
        for status in [
            ReportStatus::Draft,
            ReportStatus::Submitted,
            ReportStatus::Returned,
            ReportStatus::Approved,
        ] {
            assert_eq!(ReportStatus::from_name(status.as_str()), Some(status));
            let json = serde_json::to_string(&status).expect("serializes");
            assert_eq!(json, format!("\"{}\"", status.as_str()));
        }
        assert_eq!(ReportStatus::from_name("locked"), None);
    }

    #[test]
    fn form_paths_are_built_from_the_constant() {
        assert_eq!(routes::form("2025"), "/api/v1/forms/2025");
        // 2026-12-04 18:00 UTC is already the 5th in Vietnam.
        assert_eq!(format_day(1_796_407_200_000), "05/12/2026");
    }
}
