//! Sign-off packages ("chốt số liệu"): what a consolidating unit sends up to its parent.
//!
//! A unit with units below it signs off its consolidated report: a snapshot of its own
//! report, the accepted reports of its leaf children and the accepted packages of its
//! consolidating children, with the figures they add up to and the children still
//! missing. Its parent accepts the package or returns it with a reason; the parent's
//! official figures are made of what it accepted (`docs/domain.md`).

use serde::{Deserialize, Serialize};

use super::{ReportStatus, UnitRef};
use crate::content::Content;

/// Where a package is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum PackageStatus {
    /// Signed off and waiting for the parent.
    Sent,
    /// Accepted by the parent: its figures are the parent's official ones for this unit.
    Accepted,
    /// Sent back with a reason.
    Returned,
    /// Replaced by a newer sign-off before the parent reviewed it.
    Superseded,
}

impl PackageStatus {
    pub const ALL: [PackageStatus; 4] = [
        PackageStatus::Sent,
        PackageStatus::Accepted,
        PackageStatus::Returned,
        PackageStatus::Superseded,
    ];

    /// The status as it travels and as it is stored.
    pub fn as_str(self) -> &'static str {
        match self {
            PackageStatus::Sent => "sent",
            PackageStatus::Accepted => "accepted",
            PackageStatus::Returned => "returned",
            PackageStatus::Superseded => "superseded",
        }
    }

    pub fn from_name(s: &str) -> Option<PackageStatus> {
        PackageStatus::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            PackageStatus::Sent => "Đã gửi",
            PackageStatus::Accepted => "Đã chấp nhận",
            PackageStatus::Returned => "Bị trả lại",
            PackageStatus::Superseded => "Đã thay bằng gói mới",
        }
    }
}

/// A unit's latest package, as a dashboard lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageBrief {
    /// 1 for the unit's first sign-off in the campaign, then 2, 3…
    pub seq: u32,
    pub status: PackageStatus,
    /// A report or package below changed after this sign-off: "cần chốt lại".
    pub stale: bool,
    pub signed_by: String,
    /// Unix milliseconds.
    pub signed_at: i64,
    /// The package whose figures the parent counts (the latest accepted), if any.
    pub counted_seq: Option<u32>,
}

impl PackageBrief {
    /// What a person reads for this state: "cần chốt lại" above all.
    pub fn label(&self) -> &'static str {
        if self.stale && self.status != PackageStatus::Returned {
            "Cần chốt lại"
        } else {
            self.status.label()
        }
    }
}

/// The state named for a consolidating unit that may have no package yet.
pub fn package_label(package: Option<&PackageBrief>) -> &'static str {
    package.map_or("Chưa gửi", PackageBrief::label)
}

/// What one part of a package is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PartSource {
    /// A leaf child's accepted (approved) report, at this version.
    Report { version: u64 },
    /// A consolidating child's accepted package.
    Package { seq: u32 },
}

/// One child counted in a package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackagePart {
    pub unit: UnitRef,
    pub source: PartSource,
}

/// The unit's own report as it was signed off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OwnReport {
    pub version: u64,
    pub status: ReportStatus,
    /// Its numbers and texts (the narrative).
    pub content: Content,
}

/// What a package holds besides its figures: stored as signed off, never changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PackageContents {
    /// The unit's own report when it was submitted or approved; `None` when it was not.
    pub own: Option<OwnReport>,
    pub parts: Vec<PackagePart>,
    /// Required children with nothing accepted at sign-off.
    pub missing: Vec<UnitRef>,
}

/// `GET …/units/{unit}/packages/{seq}`: one package, as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Package {
    pub campaign: String,
    pub unit: UnitRef,
    pub form_version: String,
    pub brief: PackageBrief,
    pub reviewed_by: Option<String>,
    pub reviewed_at: Option<i64>,
    pub return_reason: Option<String>,
    /// The form's slots: the unit's official figures when it signed off.
    pub figures: Vec<u128>,
    pub contents: PackageContents,
    /// Whether the reader may accept or return it now: `None` when they may, else the
    /// refusal they would get.
    pub review_refusal: Option<super::RefusalCode>,
    /// The copy the unit's officials signed, once uploaded.
    #[serde(default)]
    pub signed_copy: Option<SignedCopy>,
}

/// What is known of a package's signed copy (the file itself at
/// [`super::routes::signed_copy`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignedCopy {
    pub file_name: String,
    /// `application/pdf`, `image/jpeg` or `image/png`, as read from the file itself.
    pub media_type: String,
    pub size: u64,
    pub uploaded_by: String,
    /// Unix milliseconds.
    pub uploaded_at: i64,
}

/// The largest signed copy taken (bytes): a scanned report of a few pages.
pub const SIGNED_COPY_MAX: usize = 10 * 1024 * 1024;

/// The media type of a signed copy, read from its first bytes: a PDF, a JPEG or a PNG
/// (what a signing tool or a scanner makes); `None` for anything else, whatever it is
/// named.
pub fn signed_copy_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

/// `POST …/units/{unit}/packages`: the unit's supervisor signs off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SignOffRequest {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_read_back_and_stale_is_said_first() {
        for s in PackageStatus::ALL {
            assert_eq!(PackageStatus::from_name(s.as_str()), Some(s));
        }
        let mut brief = PackageBrief {
            seq: 1,
            status: PackageStatus::Accepted,
            stale: false,
            signed_by: "A".into(),
            signed_at: 0,
            counted_seq: Some(1),
        };
        assert_eq!(package_label(Some(&brief)), "Đã chấp nhận");
        brief.stale = true;
        assert_eq!(package_label(Some(&brief)), "Cần chốt lại");
        brief.status = PackageStatus::Returned;
        assert_eq!(package_label(Some(&brief)), "Bị trả lại");
        assert_eq!(package_label(None), "Chưa gửi");
    }
}
