//! What the report document (*báo cáo*, Nghị định 30/2020/NĐ-CP) says of who issues it:
//! the parent agency and the agency in its header, its number, the place, who signs and
//! how, and who receives it. Defaults follow the unit's kind; the unit may change them.

use serde::{Deserialize, Serialize};

use crate::tree::UnitKind;

/// The issuer's part of a report document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DocumentFields {
    /// The *cơ quan chủ quản* over the issuing agency, if it has one (a People's
    /// Committee has none).
    pub parent_agency: Option<String>,
    /// The issuing agency, as its header prints it (capitals).
    pub agency: String,
    /// "Số: …/BC-UBND": what follows "Số: ", dots where the number goes by hand.
    pub number: String,
    /// The place before the date ("Hồng Quang, ngày … tháng … năm …").
    pub place: String,
    /// How the issuer signs, one line each ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH",
    /// "PHÓ CHỦ TỊCH").
    pub signature: Vec<String>,
    /// The signer's name, printed under the signature.
    pub signer: String,
    /// *Nơi nhận*, one line each.
    pub recipients: Vec<String>,
}

/// Where the fields a unit is offered come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FieldsSource {
    /// Saved by the unit for this campaign.
    Saved,
    /// Saved by the unit (the same code) for an earlier campaign: offered again.
    LastYear,
    /// Nothing saved: the defaults of its kind.
    Default,
}

impl FieldsSource {
    /// What the form says of them.
    pub fn label(self) -> &'static str {
        match self {
            FieldsSource::Saved => "Đã lưu cho đợt này.",
            FieldsSource::LastYear => "Lấy từ đợt trước: kiểm tra lại rồi lưu.",
            FieldsSource::Default => "Mặc định theo loại đơn vị: sửa cho đúng rồi lưu.",
        }
    }
}

/// Answer of `GET …/report-document/{unit}/fields`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentFieldsAnswer {
    pub fields: DocumentFields,
    pub source: FieldsSource,
}

/// The longest a field may be (letters), and how many lines the lists may have.
pub const FIELD_MAX: usize = 200;
pub const SIGNATURE_LINES_MAX: usize = 4;
pub const RECIPIENTS_MAX: usize = 20;

impl DocumentFields {
    /// Why these fields cannot make a document, in Vietnamese, if they cannot: an empty
    /// agency or signature, a field too long, too many lines, a line break in a field
    /// that is one line.
    pub fn problem(&self) -> Option<String> {
        let one_line = [
            (
                "Tên cơ quan chủ quản",
                self.parent_agency.as_deref().unwrap_or(""),
            ),
            ("Tên cơ quan ban hành", self.agency.as_str()),
            ("Số văn bản", self.number.as_str()),
            ("Địa danh", self.place.as_str()),
            ("Người ký", self.signer.as_str()),
        ];
        let lines = self
            .signature
            .iter()
            .map(|l| ("Chức vụ ký", l.as_str()))
            .chain(self.recipients.iter().map(|l| ("Nơi nhận", l.as_str())));
        for (what, text) in one_line.into_iter().chain(lines) {
            if text.chars().count() > FIELD_MAX {
                return Some(format!("{what} dài quá {FIELD_MAX} ký tự."));
            }
            if text.chars().any(char::is_control) {
                return Some(format!("{what} chỉ được viết trên một dòng."));
            }
        }
        if self.agency.trim().is_empty() {
            return Some("Cần có tên cơ quan ban hành.".into());
        }
        if self.signature.iter().all(|l| l.trim().is_empty()) {
            return Some("Cần có chức vụ của người ký.".into());
        }
        if self.signature.len() > SIGNATURE_LINES_MAX {
            return Some(format!("Chức vụ ký tối đa {SIGNATURE_LINES_MAX} dòng."));
        }
        if self.recipients.len() > RECIPIENTS_MAX {
            return Some(format!("Nơi nhận tối đa {RECIPIENTS_MAX} dòng."));
        }
        None
    }
}

/// A People's Committee's full name from a commune's or province's: "Phường Hồng Quang"
/// → "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG QUANG".
fn committee_of(name: &str) -> String {
    format!("ỦY BAN NHÂN DÂN {}", name.to_uppercase())
}

/// The agency a unit of `kind` named `name` issues as.
fn agency_of(kind: Option<UnitKind>, name: &str) -> String {
    match kind {
        Some(UnitKind::XaPhuong | UnitKind::Huyen) => committee_of(name),
        _ => name.to_uppercase(),
    }
}

/// The centrally-run cities since 2025, whose People's Committees are "thành phố".
const CITIES: [&str; 6] = [
    "Hà Nội",
    "Hồ Chí Minh",
    "Hải Phòng",
    "Đà Nẵng",
    "Cần Thơ",
    "Huế",
];

/// The place name in a unit's name: "Phường Hồng Quang" → "Hồng Quang", "Sở Giáo dục và
/// Đào tạo tỉnh Ninh Bình" → "Ninh Bình".
fn place_of(name: &str) -> String {
    const PREFIXES: [&str; 9] = [
        "Sở Giáo dục và Đào tạo tỉnh ",
        "Sở Giáo dục và Đào tạo thành phố ",
        "Sở GDĐT tỉnh ",
        "Sở GDĐT ",
        "Phường ",
        "Xã ",
        "Đặc khu ",
        "Thị trấn ",
        "Thành phố ",
    ];
    PREFIXES
        .iter()
        .find_map(|p| name.strip_prefix(p))
        .unwrap_or("……")
        .to_owned()
}

impl DocumentFields {
    /// What a unit of `kind` named `name`, under a parent of `parent_kind` named
    /// `parent`, prints unless it says otherwise: a People's Committee signs "TM. ỦY BAN
    /// NHÂN DÂN / KT. CHỦ TỊCH / PHÓ CHỦ TỊCH", a Sở's director "GIÁM ĐỐC", a school's
    /// head "HIỆU TRƯỞNG", the ministry "KT. BỘ TRƯỞNG / THỨ TRƯỞNG".
    pub fn defaults(
        kind: Option<UnitKind>,
        name: &str,
        parent: Option<(Option<UnitKind>, &str)>,
    ) -> DocumentFields {
        let lines = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let parent_agency = match kind {
            Some(UnitKind::XaPhuong | UnitKind::Huyen | UnitKind::Bo) => None,
            // A Sở answers to its province's (or centrally-run city's) People's
            // Committee, not to the ministry.
            Some(UnitKind::Tinh) => {
                let place = place_of(name);
                let level = if CITIES.contains(&place.as_str()) || name.contains("thành phố") {
                    "thành phố"
                } else {
                    "tỉnh"
                };
                Some(committee_of(&format!("{level} {place}")))
            }
            _ => parent.map(|(k, n)| agency_of(k, n)),
        };
        let (number, signature) = match kind {
            Some(UnitKind::XaPhuong | UnitKind::Huyen) => (
                "……/BC-UBND",
                lines(&["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]),
            ),
            Some(UnitKind::Tinh) => ("……/BC-SGDĐT", lines(&["GIÁM ĐỐC"])),
            Some(UnitKind::SoNganh | UnitKind::Tthtcd | UnitKind::ThuVien) => {
                ("……/BC-……", lines(&["GIÁM ĐỐC"]))
            }
            Some(UnitKind::Bo) => ("……/BC-BGDĐT", lines(&["KT. BỘ TRƯỞNG", "THỨ TRƯỞNG"])),
            Some(
                UnitKind::TruongMamNon
                | UnitKind::TruongTieuHoc
                | UnitKind::TruongThcs
                | UnitKind::TruongThpt,
            ) => ("……/BC-……", lines(&["HIỆU TRƯỞNG"])),
            Some(UnitKind::ToChuc | UnitKind::Khac) | None => {
                ("……/BC-……", lines(&["THỦ TRƯỞNG ĐƠN VỊ"]))
            }
        };
        let place = match (kind, parent) {
            (Some(UnitKind::XaPhuong | UnitKind::Huyen | UnitKind::Tinh | UnitKind::Bo), _)
            | (_, None) => place_of(name),
            (_, Some((_, parent))) => place_of(parent),
        };
        let place = if kind == Some(UnitKind::Bo) {
            "Hà Nội".to_owned()
        } else {
            place
        };
        let mut recipients = Vec::new();
        if let Some((k, n)) = parent {
            recipients.push(format!("- {} (để báo cáo);", agency_of(k, n)));
        }
        recipients.push("- Lưu: VT.".to_owned());
        DocumentFields {
            parent_agency,
            agency: agency_of(kind, name),
            number: number.to_owned(),
            place,
            signature,
            signer: String::new(),
            recipients,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_signs_as_it_does_on_paper() {
        let ward = DocumentFields::defaults(
            Some(UnitKind::XaPhuong),
            "Phường Hồng Quang",
            Some((
                Some(UnitKind::Tinh),
                "Sở Giáo dục và Đào tạo tỉnh Ninh Bình",
            )),
        );
        assert_eq!(ward.parent_agency, None);
        assert_eq!(ward.agency, "ỦY BAN NHÂN DÂN PHƯỜNG HỒNG QUANG");
        assert_eq!(
            ward.signature,
            ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"]
        );
        assert_eq!(ward.number, "……/BC-UBND");
        assert_eq!(ward.place, "Hồng Quang");

        let school = DocumentFields::defaults(
            Some(UnitKind::TruongTieuHoc),
            "Trường Tiểu học Hồng Quang",
            Some((Some(UnitKind::XaPhuong), "Phường Hồng Quang")),
        );
        assert_eq!(
            school.parent_agency.as_deref(),
            Some("ỦY BAN NHÂN DÂN PHƯỜNG HỒNG QUANG")
        );
        assert_eq!(school.agency, "TRƯỜNG TIỂU HỌC HỒNG QUANG");
        assert_eq!(school.signature, ["HIỆU TRƯỞNG"]);
        assert_eq!(school.place, "Hồng Quang");

        let province = DocumentFields::defaults(
            Some(UnitKind::Tinh),
            "Sở Giáo dục và Đào tạo tỉnh Ninh Bình",
            Some((Some(UnitKind::Bo), "Bộ Giáo dục và Đào tạo")),
        );
        assert_eq!(
            province.parent_agency.as_deref(),
            Some("ỦY BAN NHÂN DÂN TỈNH NINH BÌNH")
        );
        assert_eq!(province.signature, ["GIÁM ĐỐC"]);
        assert_eq!(province.place, "Ninh Bình");
        assert_eq!(
            province.recipients[0],
            "- BỘ GIÁO DỤC VÀ ĐÀO TẠO (để báo cáo);"
        );

        assert_eq!(province.problem(), None, "the defaults make a document");
        let mut bad = province.clone();
        bad.signature.clear();
        assert!(bad.problem().is_some());
        bad = province.clone();
        bad.signer = "x".repeat(FIELD_MAX + 1);
        assert!(bad.problem().is_some_and(|p| p.contains("Người ký")));
        bad = province.clone();
        bad.place = "Ninh\nBình".into();
        assert!(bad.problem().is_some());

        let city = DocumentFields::defaults(Some(UnitKind::Tinh), "Sở GDĐT Hà Nội", None);
        assert_eq!(
            city.parent_agency.as_deref(),
            Some("ỦY BAN NHÂN DÂN THÀNH PHỐ HÀ NỘI")
        );

        let ministry = DocumentFields::defaults(Some(UnitKind::Bo), "Bộ Giáo dục và Đào tạo", None);
        assert_eq!(ministry.parent_agency, None);
        assert_eq!(ministry.place, "Hà Nội");
        assert_eq!(ministry.recipients, ["- Lưu: VT."]);
    }
}
