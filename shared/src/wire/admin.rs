//! What the administration pages and the server exchange: campaigns, the tree, accounts,
//! the audit log. Every route here is under a campaign, since a tree (and so an
//! administrator's reach) belongs to one campaign.

use serde::{Deserialize, Serialize};

use super::{RefusalCode, Role};

/// Route paths of administration.
pub mod routes {
    /// `POST`: create a campaign.
    pub const CAMPAIGNS: &str = "/api/v1/admin/campaigns";
    /// `PUT`: change a campaign (theme, dates, deadlines, open).
    pub const CAMPAIGN: &str = "/api/v1/admin/campaigns/{campaign}";
    /// `POST` a CSV or XLSX file (or `?from=CAMPAIGN` to copy a tree), `?under=UNIT`:
    /// the changes it would make, writing nothing.
    pub const TREE_PREVIEW: &str = "/api/v1/admin/campaigns/{campaign}/tree/preview";
    /// The same body: applies it in one transaction when it has no problem.
    pub const TREE_IMPORT: &str = "/api/v1/admin/campaigns/{campaign}/tree/import";
    /// The levels of the tree within the caller's reach.
    pub const LEVELS: &str = "/api/v1/admin/campaigns/{campaign}/levels";
    /// `GET ?parent=UNIT`: a unit's children (the caller's top units without it);
    /// `POST`: add a unit.
    pub const UNITS: &str = "/api/v1/admin/campaigns/{campaign}/units";
    /// `PATCH`: rename, move, change kind, mark inactive or active.
    pub const UNIT: &str = "/api/v1/admin/campaigns/{campaign}/units/{unit}";
    /// `GET ?q=`: accounts within reach; `POST`: create one.
    pub const ACCOUNTS: &str = "/api/v1/admin/campaigns/{campaign}/accounts";
    /// `POST`: an account for every unit of a level that has none.
    pub const ACCOUNTS_BULK: &str = "/api/v1/admin/campaigns/{campaign}/accounts/bulk";
    /// `PATCH`: display name, role, unit, disabled.
    pub const ACCOUNT: &str = "/api/v1/admin/campaigns/{campaign}/accounts/{username}";
    /// `POST`: a new first password (every session of the account ends).
    pub const ACCOUNT_PASSWORD: &str =
        "/api/v1/admin/campaigns/{campaign}/accounts/{username}/password";
    /// `GET`: the audit log, newest first.
    pub const AUDIT: &str = "/api/v1/admin/campaigns/{campaign}/audit";
    /// `POST`: add a kind of unit (for every campaign; listed at `routes::UNIT_KINDS`).
    pub const UNIT_KINDS: &str = "/api/v1/admin/campaigns/{campaign}/unit-kinds";
    /// `POST`: teach the import a spelling of a kind (from a preview's unknown kind).
    pub const UNIT_KIND_SPELLINGS: &str = "/api/v1/admin/campaigns/{campaign}/unit-kinds/spellings";
    /// `POST` a form file (the JSON the product ships): add it as a form version, for
    /// every campaign (listed at `routes::FORMS`; a campaign uses it once its form is
    /// set to it). Refused with every problem named (`BAD_FORM`).
    pub const FORMS: &str = "/api/v1/admin/campaigns/{campaign}/forms";
    /// `POST` a form file: the same checks, nothing stored; answers the form as reporters
    /// will see it.
    pub const FORMS_CHECK: &str = "/api/v1/admin/campaigns/{campaign}/forms/check";
    /// `GET`: the provinces within reach that have their own form in the campaign.
    pub const PROVINCE_FORMS: &str = "/api/v1/admin/campaigns/{campaign}/forms/provinces";
    /// `PUT` ([`super::ProvinceFormInput`]): publish a province's own form (a stored
    /// version extending the campaign's) for that province, or go back to the campaign's.
    pub const PROVINCE_FORM: &str = "/api/v1/admin/campaigns/{campaign}/forms/provinces/{unit}";

    /// Every route above (the API's description must cover each).
    pub const ALL: &[&str] = &[
        CAMPAIGNS,
        CAMPAIGN,
        TREE_PREVIEW,
        TREE_IMPORT,
        LEVELS,
        UNITS,
        UNIT,
        ACCOUNTS,
        ACCOUNTS_BULK,
        ACCOUNT,
        ACCOUNT_PASSWORD,
        AUDIT,
        UNIT_KINDS,
        UNIT_KIND_SPELLINGS,
        FORMS,
        FORMS_CHECK,
        PROVINCE_FORMS,
        PROVINCE_FORM,
    ];

    /// `/api/v1/admin/campaigns/{campaign}` followed by `rest` (`/units`, `/audit`…).
    pub fn campaign(campaign: &str, rest: &str) -> String {
        format!("{CAMPAIGNS}/{campaign}{rest}")
    }
}

/// A province's own form in a campaign (`GET …/forms/provinces`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProvinceForm {
    pub unit_code: String,
    pub unit_name: String,
    /// The stored version, extending the campaign's form.
    pub form_version: String,
}

/// `PUT …/forms/provinces/{unit}`: the province's own form from now on; `null` for the
/// campaign's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ProvinceFormInput {
    pub form_version: Option<String>,
}

/// The report deadline of one level (depth) of a campaign's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    /// 0 for the root.
    pub depth: u32,
    /// ISO date: reports are due by the end of this day, Vietnam time.
    pub due_on: String,
}

/// `POST /admin/campaigns` and `PUT /admin/campaigns/{campaign}` (code, year and form are
/// kept on a change once the campaign has reports).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub code: String,
    pub year: i32,
    pub theme: String,
    pub starts_on: String,
    pub ends_on: String,
    pub form_version: String,
    pub deadlines: Vec<Deadline>,
    pub open: bool,
    /// A practice campaign, for training: counted nowhere else, and each unit may reset
    /// its report. Absent (a build before it): a new campaign is not one, and a change
    /// keeps what is stored. Fixed once the campaign has reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub practice: Option<bool>,
}

/// One problem of an import file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreeProblem {
    /// Line in the file (the header is line 1).
    pub line: u32,
    pub code: String,
    pub message: String,
    /// For an unknown kind (`UNKNOWN_KIND`), as the file spells it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spelled: Option<String>,
    /// For an unknown kind, the nearest kinds, nearest first: one may be chosen, which
    /// teaches the import the spelling ([`routes::UNIT_KIND_SPELLINGS`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<KindChoice>,
}

/// A kind of unit offered for an unknown one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindChoice {
    pub code: String,
    pub name: String,
}

/// `POST` [`routes::UNIT_KIND_SPELLINGS`]: `spelled` is to be read as the kind `code`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct KindSpelling {
    pub code: String,
    pub spelled: String,
}

/// One change an import makes, described for a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreeChange {
    pub code: String,
    pub name: String,
    /// "thêm mới", "đổi tên (trước: …)", "chuyển từ … sang …", "ngừng hoạt động…", "xoá".
    pub what: String,
}

/// Answer of a tree preview or import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TreePreview {
    /// Data rows read.
    pub rows: u64,
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub removed: u64,
    pub deactivated: u64,
    /// The first problems (all when few), by line.
    pub problems: Vec<TreeProblem>,
    pub problems_total: u64,
    /// The first changes (all when few).
    pub changes: Vec<TreeChange>,
    pub changes_total: u64,
    /// Whether the changes were written (an import with no problem).
    pub applied: bool,
    /// How the file was read, when it took more than UTF-8: its encoding, names
    /// converted from TCVN3 or VNI. Shown above the changes.
    #[serde(default)]
    pub notices: Vec<String>,
    /// Rows that give a contact person or phone (the file has those columns).
    #[serde(default)]
    pub contacts: u64,
    /// Rows that name a predecessor, or clear it (the file has that column).
    #[serde(default)]
    pub predecessors: u64,
}

/// A unit as administration shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUnit {
    pub code: String,
    pub name: String,
    /// Stored kind code (`truong_tieu_hoc`).
    pub kind: String,
    pub parent: Option<String>,
    pub depth: u32,
    pub active: bool,
    /// Asked to report rather than required (a mass organisation, a library): its report
    /// counts in the figures, and it never counts as missing.
    #[serde(default)]
    pub asked: bool,
    pub children: u64,
    pub has_report: bool,
    /// The code of the unit it continues from the earlier campaigns (a merged province,
    /// a renumbered commune or school): its "last year" is that unit's. `None`: the unit
    /// of the same code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub predecessor: Option<String>,
}

/// `GET …/units?parent=`: a unit and its children.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AdminUnits {
    /// The unit whose children these are; `None` at the caller's top.
    pub parent: Option<AdminUnit>,
    pub units: Vec<AdminUnit>,
}

/// `POST …/units`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewUnit {
    pub code: String,
    pub name: String,
    /// A kind as a person writes it, or its code.
    pub kind: String,
    pub parent: String,
}

/// `PATCH …/units/{unit}`: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UnitChange {
    pub name: Option<String>,
    pub kind: Option<String>,
    pub parent: Option<String>,
    pub active: Option<bool>,
    /// Asked rather than required ([`AdminUnit::asked`]).
    pub asked: Option<bool>,
    /// The code of its predecessor in the earlier campaigns ([`AdminUnit::predecessor`]);
    /// empty: the unit of the same code.
    #[serde(default)]
    pub predecessor: Option<String>,
}

/// One level of the tree within reach.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Level {
    pub depth: u32,
    pub units: u64,
    /// Units of this level that have no account yet.
    pub without_account: u64,
    /// The kinds found at this level (labels), most frequent first.
    pub kinds: Vec<String>,
    pub due_on: Option<String>,
}

/// A level of the tree named by the kinds of unit it holds ("Xã/phường", "Trường tiểu
/// học, Trường THCS, Trường mầm non…": three at most), never by its depth; a level with no
/// unit yet (a campaign without a tree) by its place.
pub fn level_name(depth: u32, kinds: &[String]) -> String {
    match kinds {
        [] => match depth {
            0 => "Đơn vị gốc".to_owned(),
            1 => "Đơn vị trực thuộc đơn vị gốc".to_owned(),
            _ => "Đơn vị cấp dưới nữa".to_owned(),
        },
        [a, b, c, _, ..] => format!("{a}, {b}, {c}…"),
        _ => kinds.join(", "),
    }
}

/// An account as administration shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountInfo {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    /// The unit's name in this campaign's tree.
    pub unit_name: Option<String>,
    pub disabled: bool,
}

/// `POST …/accounts`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Required for reporters and supervisors; for an administrator, the subtree they
    /// manage (`None`: everything).
    pub unit_code: Option<String>,
}

/// `PATCH …/accounts/{username}`: only the fields given change. `unit_code: ""` takes
/// the unit away (a national administrator).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub role: Option<Role>,
    pub unit_code: Option<String>,
    pub disabled: Option<bool>,
}

/// A username with its first password: shown once, to hand over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Credentials {
    pub username: String,
    pub password: String,
    pub display_name: String,
    pub role: Role,
    pub unit_code: Option<String>,
    /// The unit's parent, by name: a sign-in sheet groups its slips by it (a ward's
    /// schools on a page of their own).
    #[serde(default)]
    pub parent_name: Option<String>,
}

/// `POST …/accounts/bulk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkAccounts {
    pub depth: u32,
    /// Only below this unit (default: the caller's reach).
    pub under: Option<String>,
}

/// Answer of a bulk creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkCreated {
    pub created: Vec<Credentials>,
    /// Units of the level that already had an account.
    pub skipped: u64,
}

/// `POST …/accounts/{username}/password`: an empty JSON object (a change is always a
/// JSON request, so no cross-site form can make one).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordReset {}

/// `POST …/tree/preview?from=` and `…/tree/import?from=`: an empty JSON object, for the
/// same reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CopyTree {}

/// One entry of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Unix milliseconds.
    pub at: i64,
    pub username: String,
    /// A stable code: `campaign.create`, `tree.import`, `unit.update`, `account.create`…
    pub action: String,
    /// What changed, in Vietnamese.
    pub summary: String,
}

/// A field of a request that cannot be used: a precise code and a Vietnamese message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub code: RefusalCode,
    pub message: String,
}

fn field(code: RefusalCode, message: impl Into<String>) -> FieldError {
    FieldError {
        code,
        message: message.into(),
    }
}

/// Whether `s` is an ISO calendar date (`2025-10-16`).
pub fn is_iso_date(s: &str) -> bool {
    super::parse_iso_date(s).is_some()
}

/// Longest theme accepted.
pub const MAX_THEME_CHARS: usize = 500;

impl CampaignInput {
    /// Checks what can be checked without storage (the form version is checked against
    /// the known forms by the caller).
    pub fn check(&self) -> Result<(), FieldError> {
        let code_ok = !self.code.is_empty()
            && self.code.len() <= 20
            && self
                .code
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !code_ok {
            return Err(field(
                RefusalCode::BadCampaignCode,
                "Mã đợt chỉ gồm chữ không dấu, chữ số và dấu “-”, tối đa 20 ký tự (ví dụ 2026).",
            ));
        }
        if !(2000..=2100).contains(&self.year) {
            return Err(field(RefusalCode::BadYear, "Năm phải từ 2000 đến 2100."));
        }
        let theme = self.theme.trim();
        if theme.is_empty() || theme.chars().count() > MAX_THEME_CHARS {
            return Err(field(
                RefusalCode::BadTheme,
                format!("Chủ đề không được để trống và dài tối đa {MAX_THEME_CHARS} ký tự."),
            ));
        }
        if !is_iso_date(&self.starts_on) || !is_iso_date(&self.ends_on) {
            return Err(field(
                RefusalCode::BadDate,
                "Ngày bắt đầu và kết thúc phải là ngày hợp lệ.",
            ));
        }
        if super::parse_iso_date(&self.starts_on) > super::parse_iso_date(&self.ends_on) {
            return Err(field(
                RefusalCode::BadDate,
                "Ngày kết thúc không được trước ngày bắt đầu.",
            ));
        }
        let mut depths: Vec<u32> = self.deadlines.iter().map(|d| d.depth).collect();
        depths.sort_unstable();
        if depths.windows(2).any(|w| w[0] == w[1]) || depths.iter().any(|&d| d > 20) {
            return Err(field(
                RefusalCode::BadDeadlines,
                "Mỗi cấp của cây chỉ có một hạn báo cáo (tối đa 21 cấp).",
            ));
        }
        if let Some(d) = self.deadlines.iter().find(|d| !is_iso_date(&d.due_on)) {
            return Err(field(
                RefusalCode::BadDeadlines,
                format!("Hạn báo cáo “{}” không phải ngày hợp lệ.", d.due_on),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn campaign() -> CampaignInput {
        CampaignInput {
            code: "2026".into(),
            year: 2026,
            theme: "Học tập suốt đời".into(),
            starts_on: "2026-10-01".into(),
            ends_on: "2026-10-07".into(),
            form_version: "2025".into(),
            deadlines: vec![Deadline {
                depth: 1,
                due_on: "2026-10-16".into(),
            }],
            open: true,
            practice: None,
        }
    }

    #[test]
    fn a_campaign_is_checked_field_by_field() {
        assert_eq!(campaign().check(), Ok(()));
        let code = |c: CampaignInput| c.check().map_err(|e| e.code);
        assert_eq!(
            code(CampaignInput {
                code: "20 26".into(),
                ..campaign()
            }),
            Err(RefusalCode::BadCampaignCode)
        );
        assert_eq!(
            code(CampaignInput {
                theme: "  ".into(),
                ..campaign()
            }),
            Err(RefusalCode::BadTheme)
        );
        assert_eq!(
            code(CampaignInput {
                ends_on: "2026-09-30".into(),
                ..campaign()
            }),
            Err(RefusalCode::BadDate)
        );
        assert_eq!(
            code(CampaignInput {
                starts_on: "2026-02-30x".into(),
                ..campaign()
            }),
            Err(RefusalCode::BadDate)
        );
        assert_eq!(
            code(CampaignInput {
                starts_on: "2026-02-30".into(),
                ..campaign()
            }),
            Err(RefusalCode::BadDate),
            "a day February does not have"
        );
        let twice = vec![
            Deadline {
                depth: 1,
                due_on: "2026-10-16".into(),
            },
            Deadline {
                depth: 1,
                due_on: "2026-10-20".into(),
            },
        ];
        assert_eq!(
            code(CampaignInput {
                deadlines: twice,
                ..campaign()
            }),
            Err(RefusalCode::BadDeadlines)
        );
    }
}
