//! The kinds of unit a campaign's tree holds, as data (issue 22): each with its name,
//! the ways provinces' spreadsheets spell it, its group, and whether a unit of it is
//! asked rather than required to report.
//!
//! The product ships a list of kinds ([`Kinds::builtin`]); administrators add kinds and
//! spellings of their own, which the server keeps and adds to it ([`Kinds::with`]). A
//! few built-in kinds are also known to the product's logic ([`UnitKind`]: the
//! administrative levels write their documents as People's Committees and Sở); every
//! other kind, shipped or added, acts by its group.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

pub use crate::text::fold;

/// The built-in kinds the product's own logic knows by code. Stored by
/// [`UnitKind::code`] like any other kind.
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

    /// The built-in kind a stored code names.
    pub fn from_code(code: &str) -> Option<UnitKind> {
        UnitKind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// The four groups kinds fall in: what a kind added by an administrator acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum KindGroup {
    /// Schools of every level, and the ethnic boarding and inter-level ones.
    School,
    /// Centres: community learning, continuing education, culture, libraries.
    Centre,
    /// Associations, unions and other organisations.
    Organisation,
    /// The ministry, provinces, communes and their departments.
    Administration,
}

crate::names::by_name!(KindGroup { School = "school", Centre = "centre", Organisation = "organisation", Administration = "administration" });

impl KindGroup {
    pub const ALL: [KindGroup; 4] = [
        KindGroup::School,
        KindGroup::Centre,
        KindGroup::Organisation,
        KindGroup::Administration,
    ];

    pub fn code(self) -> &'static str {
        match self {
            KindGroup::School => "school",
            KindGroup::Centre => "centre",
            KindGroup::Organisation => "organisation",
            KindGroup::Administration => "administration",
        }
    }

    pub fn from_code(code: &str) -> Option<KindGroup> {
        KindGroup::ALL.into_iter().find(|g| g.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            KindGroup::School => "Trường học",
            KindGroup::Centre => "Trung tâm, thư viện",
            KindGroup::Organisation => "Tổ chức, đoàn thể",
            KindGroup::Administration => "Cơ quan quản lý",
        }
    }

    /// The built-in kind a kind of this group signs its documents like.
    fn acts_as(self) -> UnitKind {
        match self {
            KindGroup::School => UnitKind::TruongTieuHoc,
            KindGroup::Centre => UnitKind::Tthtcd,
            KindGroup::Organisation => UnitKind::ToChuc,
            KindGroup::Administration => UnitKind::Khac,
        }
    }
}

/// One kind of unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct KindDef {
    /// Stored with each unit: lower-case ASCII letters, digits and `_`.
    pub code: String,
    /// The name people read ("Trường TH và THCS").
    pub name: String,
    /// Other spellings the import reads as this kind ("TH&THCS", "tieu hoc va thcs"),
    /// with or without diacritics, in any case.
    #[serde(default)]
    pub aliases: Vec<String>,
    pub group: KindGroup,
    /// Whether a new unit of this kind is only asked to report (never missing), rather
    /// than required (issue 17's asked units).
    #[serde(default)]
    pub asked: bool,
    /// Shipped with the product (not removable); `false` for a kind an administrator
    /// added.
    #[serde(default)]
    pub builtin: bool,
}

impl KindDef {
    /// The built-in kind whose documents a unit of this kind writes like: itself when it
    /// is one, else the one of its group.
    pub fn acts_as(&self) -> UnitKind {
        UnitKind::from_code(&self.code).unwrap_or(self.group.acts_as())
    }
}

/// The longest kind name or spelling, in characters.
pub const MAX_KIND_CHARS: usize = 120;
/// The longest kind code, in characters.
pub const MAX_KIND_CODE_CHARS: usize = 40;
/// The most spellings a kind is added with.
pub const MAX_KIND_ALIASES: usize = 50;

/// Why a kind or a spelling cannot be added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KindError {
    #[error(
        "Mã loại đơn vị “{0}” không hợp lệ: chỉ dùng chữ thường không dấu, chữ số và “_”, tối đa {MAX_KIND_CODE_CHARS} ký tự."
    )]
    BadCode(String),
    #[error("Cần có tên loại đơn vị (tối đa {MAX_KIND_CHARS} ký tự).")]
    BadName,
    #[error("Cách viết “{0}” trống hoặc dài quá {MAX_KIND_CHARS} ký tự.")]
    BadAlias(String),
    #[error("Một loại đơn vị có tối đa {MAX_KIND_ALIASES} cách viết.")]
    TooManyAliases,
    #[error("Cách viết “{0}” được ghi hai lần (không phân biệt hoa thường, dấu).")]
    AliasTwice(String),
    #[error("Mã loại đơn vị “{0}” đã có.")]
    CodeTaken(String),
    #[error("“{spelled}” đã là cách viết của loại “{kind}”.")]
    SpellingTaken { spelled: String, kind: String },
    #[error("Không có loại đơn vị mã “{0}”.")]
    UnknownKind(String),
}

/// Every kind a server knows: the shipped ones and those its administrators added.
#[derive(Debug, Clone)]
pub struct Kinds {
    defs: Vec<KindDef>,
    /// Code → index in `defs`.
    by_code: HashMap<String, usize>,
    /// Folded name and spellings → index in `defs`.
    by_spelling: HashMap<String, usize>,
}

impl Default for Kinds {
    fn default() -> Kinds {
        Kinds::builtin()
    }
}

impl Kinds {
    /// The kinds shipped with the product.
    pub fn builtin() -> Kinds {
        let mut kinds = Kinds {
            defs: Vec::new(),
            by_code: HashMap::new(),
            by_spelling: HashMap::new(),
        };
        for (code, name, group, asked, aliases) in BUILTIN {
            let def = KindDef {
                code: (*code).into(),
                name: (*name).into(),
                aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
                group: *group,
                asked: *asked,
                builtin: true,
            };
            kinds.insert(def);
        }
        kinds
    }

    /// These kinds with kinds and spellings an administrator added: `added` kinds, then
    /// `spellings` (a spelling and the code of its kind). A spelling that names no kind
    /// is left out (its kind was never added).
    pub fn with(mut self, added: Vec<KindDef>, spellings: Vec<(String, String)>) -> Kinds {
        for def in added {
            if self.get(&def.code).is_none() {
                self.insert(def);
            }
        }
        for (spelled, code) in spellings {
            if let Some(&i) = self.by_code.get(&code) {
                self.defs[i].aliases.push(spelled.clone());
                self.by_spelling.entry(key(&spelled)).or_insert(i);
            }
        }
        self
    }

    fn insert(&mut self, def: KindDef) {
        let i = self.defs.len();
        self.by_code.insert(def.code.clone(), i);
        for spelled in std::iter::once(&def.name).chain(&def.aliases) {
            self.by_spelling.entry(key(spelled)).or_insert(i);
        }
        self.defs.push(def);
    }

    /// Every kind, shipped ones first, in the order they were added.
    pub fn all(&self) -> &[KindDef] {
        &self.defs
    }

    /// The kind of a stored code.
    pub fn get(&self, code: &str) -> Option<&KindDef> {
        self.by_code.get(code).map(|&i| &self.defs[i])
    }

    /// The name of a stored code, or the code itself when no kind has it (a kind
    /// removed from a later release: the unit still shows).
    pub fn name_of<'a>(&'a self, code: &'a str) -> &'a str {
        self.get(code).map_or(code, |k| k.name.as_str())
    }

    /// Reads a kind as a person wrote it: the code, the name, or a known spelling, with
    /// or without diacritics, with or without "Trường" (`Trường Tiểu học`, `tieu hoc`,
    /// `TH`, `Phường`, `TH&THCS`…).
    pub fn parse(&self, text: &str) -> Option<&KindDef> {
        if let Some(k) = self.get(text.trim()) {
            return Some(k);
        }
        let phrase = key(text);
        if phrase.is_empty() {
            return None;
        }
        let bare = phrase.strip_prefix("truong ").unwrap_or(&phrase);
        self.by_spelling
            .get(&phrase)
            .or_else(|| self.by_spelling.get(bare))
            .or_else(|| self.by_spelling.get(&format!("truong {bare}")))
            .map(|&i| &self.defs[i])
    }

    /// The `n` kinds whose name or spellings are nearest to `text`, nearest first: what
    /// an import preview offers for a kind it cannot read.
    pub fn closest(&self, text: &str, n: usize) -> Vec<&KindDef> {
        let phrase = key(text);
        let bare = phrase.strip_prefix("truong ").unwrap_or(&phrase);
        let words: Vec<&str> = bare.split(' ').filter(|w| !w.is_empty()).collect();
        let mut scored: Vec<(f64, usize)> = self
            .defs
            .iter()
            .enumerate()
            .map(|(i, def)| {
                let best = std::iter::once(&def.name)
                    .chain(&def.aliases)
                    .map(|spelled| similarity(bare, &words, &key(spelled)))
                    .fold(0.0, f64::max);
                (best, i)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        scored
            .into_iter()
            .take(n)
            .map(|(_, i)| &self.defs[i])
            .collect()
    }

    /// Checks a kind an administrator adds against these.
    pub fn check_new(&self, def: &KindDef) -> Result<(), KindError> {
        let code_ok = !def.code.is_empty()
            && def.code.len() <= MAX_KIND_CODE_CHARS
            && def
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !code_ok {
            return Err(KindError::BadCode(def.code.clone()));
        }
        // A code is read as its kind before any spelling: it must not be one already.
        if self.parse(&def.code).is_some() {
            return Err(KindError::CodeTaken(def.code.clone()));
        }
        let name = def.name.trim();
        if name.is_empty() || name.chars().count() > MAX_KIND_CHARS {
            return Err(KindError::BadName);
        }
        if def.aliases.len() > MAX_KIND_ALIASES {
            return Err(KindError::TooManyAliases);
        }
        let mut seen = std::collections::HashSet::new();
        for spelled in std::iter::once(&def.name).chain(&def.aliases) {
            self.check_spelling(spelled)?;
            if !seen.insert(key(spelled)) {
                return Err(KindError::AliasTwice(spelled.trim().to_owned()));
            }
        }
        Ok(())
    }

    /// Checks a spelling an administrator adds: not empty, not another kind's already.
    pub fn check_spelling(&self, spelled: &str) -> Result<(), KindError> {
        let folded = key(spelled);
        if folded.is_empty() || spelled.chars().count() > MAX_KIND_CHARS {
            return Err(KindError::BadAlias(spelled.trim().to_owned()));
        }
        if let Some(taken) = self.parse(spelled) {
            return Err(KindError::SpellingTaken {
                spelled: spelled.trim().to_owned(),
                kind: taken.name.clone(),
            });
        }
        Ok(())
    }
}

/// How a spelling is compared: folded (no diacritics, lower case), separators as spaces,
/// words single-spaced.
pub fn key(text: &str) -> String {
    let folded = fold(text).replace(['_', '/', '-', ',', '.', '&', '+', '(', ')'], " ");
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// How near a folded spelling is to another: the better of the words they share and
/// their edit distance, each from 0 to 1.
fn similarity(bare: &str, words: &[&str], other: &str) -> f64 {
    let other = other.strip_prefix("truong ").unwrap_or(other);
    let theirs: Vec<&str> = other.split(' ').collect();
    let shared = words.iter().filter(|w| theirs.contains(w)).count();
    let overlap = if words.is_empty() {
        0.0
    } else {
        shared as f64 / words.len().max(theirs.len()) as f64
    };
    overlap.max(strsim::normalized_levenshtein(bare, other))
}

/// The shipped kinds: code, name, group, asked, spellings.
type Builtin = (
    &'static str,
    &'static str,
    KindGroup,
    bool,
    &'static [&'static str],
);

const BUILTIN: &[Builtin] = &[
    (
        "bo",
        "Bộ GDĐT",
        KindGroup::Administration,
        false,
        &["bo", "bo gddt", "bo giao duc va dao tao", "ministry"],
    ),
    (
        "tinh",
        "Tỉnh/thành phố",
        KindGroup::Administration,
        false,
        &[
            "tinh",
            "tinh thanh pho",
            "thanh pho truc thuoc trung uong",
            "so gddt",
            "so giao duc va dao tao",
            "province",
        ],
    ),
    (
        "so_nganh",
        "Sở, ngành",
        KindGroup::Administration,
        false,
        &["so", "nganh", "so nganh", "department"],
    ),
    (
        "to_chuc",
        "Tổ chức, đoàn thể",
        KindGroup::Organisation,
        true,
        &[
            "to chuc",
            "doan the",
            "hoi",
            "to chuc doan the",
            "organisation",
            "organization",
        ],
    ),
    (
        "huyen",
        "Huyện/thị xã",
        KindGroup::Administration,
        false,
        &[
            "huyen",
            "huyen thi xa",
            "quan",
            "thi xa",
            "thanh pho",
            "thanh pho thuoc tinh",
            "phong gddt",
            "district",
        ],
    ),
    (
        "xa_phuong",
        "Xã/phường",
        KindGroup::Administration,
        false,
        &[
            "xa",
            "phuong",
            "xa phuong",
            "dac khu",
            "thi tran",
            "ward",
            "commune",
        ],
    ),
    (
        "truong_mam_non",
        "Trường mầm non",
        KindGroup::School,
        false,
        &["mam non", "mn", "mau giao", "nha tre", "kindergarten"],
    ),
    (
        "truong_tieu_hoc",
        "Trường tiểu học",
        KindGroup::School,
        false,
        &["tieu hoc", "th", "primary", "primary school"],
    ),
    (
        "truong_thcs",
        "Trường THCS",
        KindGroup::School,
        false,
        &["thcs", "trung hoc co so", "lower secondary"],
    ),
    (
        "truong_thpt",
        "Trường THPT",
        KindGroup::School,
        false,
        &["thpt", "trung hoc pho thong", "upper secondary"],
    ),
    (
        "tthtcd",
        "TTHTCĐ",
        KindGroup::Centre,
        false,
        &["tthtcd", "trung tam hoc tap cong dong", "cllc"],
    ),
    (
        "thu_vien",
        "Thư viện",
        KindGroup::Centre,
        true,
        &["thu vien", "library"],
    ),
    (
        "khac",
        "Khác",
        KindGroup::Administration,
        false,
        &["khac", "co quan", "other"],
    ),
    // Kinds of real school lists beyond the first thirteen (issue 22).
    (
        "truong_th_thcs",
        "Trường TH và THCS",
        KindGroup::School,
        false,
        &[
            "th va thcs",
            "th thcs",
            "tieu hoc va thcs",
            "tieu hoc va trung hoc co so",
            "tieu hoc thcs",
        ],
    ),
    (
        "truong_thcs_thpt",
        "Trường THCS và THPT",
        KindGroup::School,
        false,
        &[
            "thcs va thpt",
            "thcs thpt",
            "trung hoc co so va trung hoc pho thong",
        ],
    ),
    (
        "truong_nhieu_cap",
        "Trường phổ thông nhiều cấp học",
        KindGroup::School,
        false,
        &[
            "th thcs va thpt",
            "th thcs thpt",
            "pho thong nhieu cap hoc",
            "nhieu cap hoc",
            "lien cap",
            "pho thong lien cap",
        ],
    ),
    (
        "truong_ptdtbt",
        "Trường PTDTBT",
        KindGroup::School,
        false,
        &[
            "ptdtbt",
            "pho thong dan toc ban tru",
            "ptdtbt th",
            "ptdtbt thcs",
            "ptdtbt th va thcs",
            "ptdtbt th thcs",
        ],
    ),
    (
        "truong_ptdtnt",
        "Trường PTDTNT",
        KindGroup::School,
        false,
        &[
            "ptdtnt",
            "pho thong dan toc noi tru",
            "ptdtnt thcs",
            "ptdtnt thpt",
            "ptdtnt thcs va thpt",
            "ptdtnt thcs thpt",
        ],
    ),
    (
        "truong_chuyen_biet",
        "Trường, trung tâm giáo dục chuyên biệt",
        KindGroup::School,
        false,
        &[
            "chuyen biet",
            "giao duc chuyen biet",
            "truong chuyen biet",
            "trung tam ho tro phat trien giao duc hoa nhap",
            "giao duc hoa nhap",
        ],
    ),
    (
        "truong_dh_cd",
        "Trường đại học, cao đẳng",
        KindGroup::School,
        true,
        &[
            "dai hoc",
            "cao dang",
            "dai hoc cao dang",
            "university",
            "college",
            "truong trung cap",
            "trung cap",
        ],
    ),
    (
        "trung_tam_gdnn_gdtx",
        "Trung tâm GDNN-GDTX",
        KindGroup::Centre,
        false,
        &[
            "gdnn gdtx",
            "trung tam gdnn gdtx",
            "ttgdnn gdtx",
            "tt gdnn gdtx",
            "trung tam giao duc nghe nghiep giao duc thuong xuyen",
            "trung tam giao duc nghe nghiep va giao duc thuong xuyen",
            "gdtx",
            "trung tam gdtx",
            "trung tam giao duc thuong xuyen",
            "ttgdtx",
        ],
    ),
    (
        "trung_tam_vh_tt_tt",
        "Trung tâm Văn hóa - Thông tin và Thể thao",
        KindGroup::Centre,
        true,
        &[
            "trung tam van hoa thong tin va the thao",
            "trung tam van hoa thong tin the thao",
            "trung tam vh tt va tt",
            "trung tam vh tt tt",
            "vh tt tt",
            "vh tt va tt",
            "ttvhtt",
            "ttvhtttt",
            "trung tam van hoa the thao",
            "trung tam van hoa",
        ],
    ),
    (
        "trung_tam_nn_th",
        "Trung tâm ngoại ngữ, tin học",
        KindGroup::Centre,
        true,
        &[
            "ngoai ngu tin hoc",
            "trung tam ngoai ngu",
            "trung tam tin hoc",
            "trung tam ngoai ngu tin hoc",
        ],
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_read_however_spreadsheets_spell_them() {
        let kinds = Kinds::builtin();
        for (text, code) in [
            ("Trường Tiểu học", "truong_tieu_hoc"),
            ("tieu hoc", "truong_tieu_hoc"),
            ("TH", "truong_tieu_hoc"),
            ("Phường", "xa_phuong"),
            ("Xã/phường", "xa_phuong"),
            ("xa_phuong", "xa_phuong"),
            ("TTHTCĐ", "tthtcd"),
            ("Trung tâm học tập cộng đồng", "tthtcd"),
            ("  THCS ", "truong_thcs"),
            ("Sở GDĐT", "tinh"),
            ("Thư viện", "thu_vien"),
            // Issue 22's kinds of real school lists.
            ("Trường TH và THCS", "truong_th_thcs"),
            ("TH&THCS", "truong_th_thcs"),
            ("PTDTBT", "truong_ptdtbt"),
            ("Trường PTDTBT TH và THCS", "truong_ptdtbt"),
            ("Trung tâm GDNN-GDTX", "trung_tam_gdnn_gdtx"),
            ("TT GDNN - GDTX", "trung_tam_gdnn_gdtx"),
            (
                "Trung tâm Văn hóa - Thông tin và Thể thao",
                "trung_tam_vh_tt_tt",
            ),
            ("Trung tâm VH-TT&TT", "trung_tam_vh_tt_tt"),
        ] {
            assert_eq!(
                kinds.parse(text).map(|k| k.code.as_str()),
                Some(code),
                "{text}"
            );
        }
        assert_eq!(kinds.parse("bệnh viện"), None);
        assert_eq!(kinds.parse(""), None);
    }

    #[test]
    fn every_kind_is_read_by_its_code_and_its_name_and_no_spelling_is_two_kinds() {
        let kinds = Kinds::builtin();
        for k in kinds.all() {
            assert_eq!(kinds.get(&k.code), Some(k));
            assert_eq!(kinds.parse(&k.code), Some(k));
            assert_eq!(kinds.parse(&k.name), Some(k), "{}", k.name);
            for a in &k.aliases {
                assert_eq!(kinds.parse(a).map(|p| &p.code), Some(&k.code), "{a}");
            }
        }
        for k in UnitKind::ALL {
            assert!(kinds.get(k.code()).is_some(), "{k:?}");
        }
    }

    #[test]
    fn an_unknown_kind_is_offered_the_nearest() {
        let kinds = Kinds::builtin();
        let codes = |text: &str| -> Vec<String> {
            kinds
                .closest(text, 3)
                .into_iter()
                .map(|k| k.code.clone())
                .collect()
        };
        assert_eq!(
            codes("Trường PT DTBT")[0],
            "truong_ptdtbt",
            "{:?}",
            codes("Trường PT DTBT")
        );
        assert!(codes("Trung tâm GDTX-HN").contains(&"trung_tam_gdnn_gdtx".to_owned()));
        assert!(codes("Trường Tiểu hoc và THCS").contains(&"truong_th_thcs".to_owned()));
        assert_eq!(kinds.closest("x", 3).len(), 3);
    }

    #[test]
    fn added_kinds_and_spellings_are_read_and_checked() {
        let kinds = Kinds::builtin();
        let new = KindDef {
            code: "trung_tam_hoc_tap".into(),
            name: "Trung tâm học tập doanh nghiệp".into(),
            aliases: vec!["TTHT doanh nghiệp".into()],
            group: KindGroup::Centre,
            asked: true,
            builtin: false,
        };
        assert_eq!(kinds.check_new(&new), Ok(()));
        let taken = KindDef {
            code: "tieu_hoc_2".into(),
            name: "Tiểu học".into(),
            ..new.clone()
        };
        assert!(matches!(
            kinds.check_new(&taken),
            Err(KindError::SpellingTaken { .. })
        ));
        let bad = KindDef {
            code: "Trung Tâm".into(),
            ..new.clone()
        };
        assert!(matches!(kinds.check_new(&bad), Err(KindError::BadCode(_))));
        let twice = KindDef {
            aliases: vec!["TT-HT doanh nghiệp".into(), "tt ht Doanh Nghiep".into()],
            ..new.clone()
        };
        assert!(matches!(
            kinds.check_new(&twice),
            Err(KindError::AliasTwice(_))
        ));
        let many = KindDef {
            aliases: (0..=MAX_KIND_ALIASES)
                .map(|i| format!("cách {i}"))
                .collect(),
            ..new.clone()
        };
        assert_eq!(kinds.check_new(&many), Err(KindError::TooManyAliases));

        let kinds = kinds.with(
            vec![new],
            vec![
                ("PT DTBT".into(), "truong_ptdtbt".into()),
                ("x".into(), "gone".into()),
            ],
        );
        assert_eq!(
            kinds.parse("tthT doanh nghiep").map(|k| k.code.as_str()),
            Some("trung_tam_hoc_tap")
        );
        assert_eq!(
            kinds.parse("Trường PT-DTBT").map(|k| k.code.as_str()),
            Some("truong_ptdtbt")
        );
        assert_eq!(kinds.parse("x"), None);
        assert_eq!(kinds.name_of("gone"), "gone");
        assert_eq!(
            kinds.get("trung_tam_hoc_tap").map(KindDef::acts_as),
            Some(UnitKind::Tthtcd)
        );
        assert_eq!(
            kinds.get("tinh").map(KindDef::acts_as),
            Some(UnitKind::Tinh)
        );
    }

    #[test]
    fn folding_removes_vietnamese_diacritics() {
        assert_eq!(fold(" Mã Đơn Vị Cấp Trên "), "ma don vi cap tren");
        assert_eq!(
            fold("Trường Mầm non Hồng Quang"),
            "truong mam non hong quang"
        );
        assert_eq!(key("Trung tâm VH-TT&TT"), "trung tam vh tt tt");
    }
}
