//! The kinds of unit a campaign's tree holds, with their Vietnamese names and the many
//! ways provinces' spreadsheets spell them.

use serde::{Deserialize, Serialize};

/// What a unit is. Stored by [`UnitKind::code`]; shown by [`UnitKind::label`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum UnitKind {
    /// Bộ Giáo dục và Đào tạo.
    Bo,
    /// Tỉnh, thành phố trực thuộc trung ương (its Sở GDĐT).
    Tinh,
    /// Provincial departments beside the Sở GDĐT (Sở VH&TT, Sở TT&TT…).
    SoNganh,
    /// Organisations: Hội Khuyến học, Liên đoàn Lao động, Đoàn TNCS HCM, Hội LHPN…
    ToChuc,
    /// Huyện, quận, thị xã, thành phố thuộc tỉnh (the level removed in 2025).
    Huyen,
    /// Xã, phường, đặc khu.
    XaPhuong,
    TruongMamNon,
    TruongTieuHoc,
    TruongThcs,
    TruongThpt,
    /// Trung tâm học tập cộng đồng.
    Tthtcd,
    ThuVien,
    /// Ward offices and anything else that reports.
    Khac,
}

impl UnitKind {
    pub const ALL: [UnitKind; 13] = [
        UnitKind::Bo,
        UnitKind::Tinh,
        UnitKind::SoNganh,
        UnitKind::ToChuc,
        UnitKind::Huyen,
        UnitKind::XaPhuong,
        UnitKind::TruongMamNon,
        UnitKind::TruongTieuHoc,
        UnitKind::TruongThcs,
        UnitKind::TruongThpt,
        UnitKind::Tthtcd,
        UnitKind::ThuVien,
        UnitKind::Khac,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            UnitKind::Bo => "bo",
            UnitKind::Tinh => "tinh",
            UnitKind::SoNganh => "so_nganh",
            UnitKind::ToChuc => "to_chuc",
            UnitKind::Huyen => "huyen",
            UnitKind::XaPhuong => "xa_phuong",
            UnitKind::TruongMamNon => "truong_mam_non",
            UnitKind::TruongTieuHoc => "truong_tieu_hoc",
            UnitKind::TruongThcs => "truong_thcs",
            UnitKind::TruongThpt => "truong_thpt",
            UnitKind::Tthtcd => "tthtcd",
            UnitKind::ThuVien => "thu_vien",
            UnitKind::Khac => "khac",
        }
    }

    /// The name people use.
    pub fn label(self) -> &'static str {
        match self {
            UnitKind::Bo => "Bộ GDĐT",
            UnitKind::Tinh => "Tỉnh/thành phố",
            UnitKind::SoNganh => "Sở, ngành",
            UnitKind::ToChuc => "Tổ chức, đoàn thể",
            UnitKind::Huyen => "Huyện/thị xã",
            UnitKind::XaPhuong => "Xã/phường",
            UnitKind::TruongMamNon => "Trường mầm non",
            UnitKind::TruongTieuHoc => "Trường tiểu học",
            UnitKind::TruongThcs => "Trường THCS",
            UnitKind::TruongThpt => "Trường THPT",
            UnitKind::Tthtcd => "TTHTCĐ",
            UnitKind::ThuVien => "Thư viện",
            UnitKind::Khac => "Khác",
        }
    }

    /// The kind a stored code names.
    pub fn from_code(code: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// Reads a kind as a person wrote it: the code, the label, or a usual spelling, with
    /// or without diacritics (`Trường Tiểu học`, `tieu hoc`, `TH`, `Phường`…).
    pub fn parse(text: &str) -> Option<UnitKind> {
        // Stored codes first: a copied tree and most files use them.
        if let Some(k) = UnitKind::from_code(text) {
            return Some(k);
        }
        let words = fold(text).replace(['_', '/', '-', ',', '.'], " ");
        let words: Vec<&str> = words.split_whitespace().collect();
        let phrase = words.join(" ");
        let bare = phrase.strip_prefix("truong ").unwrap_or(&phrase);
        let kind = match bare {
            "bo" | "bo gddt" | "bo giao duc va dao tao" | "ministry" => UnitKind::Bo,
            "tinh"
            | "tinh thanh pho"
            | "thanh pho truc thuoc trung uong"
            | "so gddt"
            | "so giao duc va dao tao"
            | "province" => UnitKind::Tinh,
            "so" | "nganh" | "so nganh" | "department" => UnitKind::SoNganh,
            "to chuc" | "doan the" | "hoi" | "to chuc doan the" | "organisation"
            | "organization" => UnitKind::ToChuc,
            "huyen"
            | "huyen thi xa"
            | "quan"
            | "thi xa"
            | "thanh pho"
            | "thanh pho thuoc tinh"
            | "phong gddt"
            | "district" => UnitKind::Huyen,
            "xa" | "phuong" | "xa phuong" | "dac khu" | "thi tran" | "ward" | "commune" => {
                UnitKind::XaPhuong
            }
            "mam non" | "mn" | "mau giao" | "nha tre" | "kindergarten" => UnitKind::TruongMamNon,
            "tieu hoc" | "th" | "primary" | "primary school" => UnitKind::TruongTieuHoc,
            "thcs" | "trung hoc co so" | "lower secondary" => UnitKind::TruongThcs,
            "thpt" | "trung hoc pho thong" | "upper secondary" => UnitKind::TruongThpt,
            "tthtcd" | "trung tam hoc tap cong dong" | "cllc" => UnitKind::Tthtcd,
            "thu vien" | "library" => UnitKind::ThuVien,
            "khac" | "co quan" | "other" => UnitKind::Khac,
            _ => return None,
        };
        Some(kind)
    }
}

pub use crate::text::fold;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_however_spreadsheets_spell_them() {
        for (text, kind) in [
            ("Trường Tiểu học", UnitKind::TruongTieuHoc),
            ("tieu hoc", UnitKind::TruongTieuHoc),
            ("TH", UnitKind::TruongTieuHoc),
            ("Phường", UnitKind::XaPhuong),
            ("Xã/phường", UnitKind::XaPhuong),
            ("xa_phuong", UnitKind::XaPhuong),
            ("TTHTCĐ", UnitKind::Tthtcd),
            ("Trung tâm học tập cộng đồng", UnitKind::Tthtcd),
            ("  THCS ", UnitKind::TruongThcs),
            ("Sở GDĐT", UnitKind::Tinh),
            ("Thư viện", UnitKind::ThuVien),
        ] {
            assert_eq!(UnitKind::parse(text), Some(kind), "{text}");
        }
        assert_eq!(UnitKind::parse("bệnh viện"), None);
        assert_eq!(UnitKind::parse(""), None);
    }

    #[test]
    fn every_kind_round_trips_through_its_code_and_label() {
        for k in UnitKind::ALL {
            assert_eq!(UnitKind::from_code(k.code()), Some(k));
            assert_eq!(UnitKind::parse(k.code()), Some(k));
            assert_eq!(UnitKind::parse(k.label()), Some(k), "{}", k.label());
        }
    }

    #[test]
    fn folding_removes_vietnamese_diacritics() {
        assert_eq!(fold(" Mã Đơn Vị Cấp Trên "), "ma don vi cap tren");
        assert_eq!(
            fold("Trường Mầm non Hồng Quang"),
            "truong mam non hong quang"
        );
    }
}
