//! A national campaign at the real scale, for benchmarks, load tests and demos: the
//! ministry, 34 provinces, about 3,300 communes and wards, and about 96,000 schools and
//! learning centres below them, with plausible Vietnamese names and codes, and reports
//! filled with plausible numbers for a chosen share of the units.
//!
//! Deterministic: the same seed gives the same campaign.

use std::time::{Duration, Instant};

use tuanle_shared::form::builtin;
use tuanle_shared::tree::TreeRow;
use tuanle_shared::{Column, Content, FormDef, NumberCell, RowKind};

use crate::admin::tree::{self, Source};
use crate::admin::{Admin, campaigns};
use crate::clock::now_ms;
use crate::db::Pool;
use crate::error::Error;
use crate::totals;

/// The 34 provinces and centrally-run cities since 2025, with their statistics codes.
pub const PROVINCES: [(&str, &str); 34] = [
    ("01", "Thành phố Hà Nội"),
    ("04", "Tỉnh Cao Bằng"),
    ("08", "Tỉnh Tuyên Quang"),
    ("10", "Tỉnh Lào Cai"),
    ("11", "Tỉnh Điện Biên"),
    ("12", "Tỉnh Lai Châu"),
    ("14", "Tỉnh Sơn La"),
    ("19", "Tỉnh Thái Nguyên"),
    ("20", "Tỉnh Lạng Sơn"),
    ("22", "Tỉnh Quảng Ninh"),
    ("24", "Tỉnh Bắc Ninh"),
    ("25", "Tỉnh Phú Thọ"),
    ("31", "Thành phố Hải Phòng"),
    ("33", "Tỉnh Hưng Yên"),
    ("37", "Tỉnh Ninh Bình"),
    ("38", "Tỉnh Thanh Hóa"),
    ("40", "Tỉnh Nghệ An"),
    ("42", "Tỉnh Hà Tĩnh"),
    ("45", "Tỉnh Quảng Trị"),
    ("46", "Thành phố Huế"),
    ("48", "Thành phố Đà Nẵng"),
    ("51", "Tỉnh Quảng Ngãi"),
    ("52", "Tỉnh Gia Lai"),
    ("56", "Tỉnh Khánh Hòa"),
    ("66", "Tỉnh Đắk Lắk"),
    ("68", "Tỉnh Lâm Đồng"),
    ("75", "Tỉnh Đồng Nai"),
    ("79", "Thành phố Hồ Chí Minh"),
    ("80", "Tỉnh Tây Ninh"),
    ("82", "Tỉnh Đồng Tháp"),
    ("86", "Tỉnh Vĩnh Long"),
    ("91", "Tỉnh An Giang"),
    ("92", "Thành phố Cần Thơ"),
    ("96", "Tỉnh Cà Mau"),
];

/// Syllables that Vietnamese place names are commonly made of.
const PLACE: [&str; 48] = [
    "An", "Bình", "Phú", "Tân", "Hòa", "Thạnh", "Long", "Mỹ", "Đông", "Tây", "Nam", "Bắc", "Hưng",
    "Phước", "Thuận", "Lộc", "Minh", "Quang", "Trung", "Hải", "Sơn", "Thủy", "Lâm", "Hà", "Đức",
    "Vĩnh", "Xuân", "Hồng", "Thành", "Nghĩa", "Lợi", "Khánh", "Định", "Gia", "Kim", "Ngọc", "Cẩm",
    "Thanh", "Hiệp", "Lạc", "Yên", "Phong", "Điền", "Vân", "Tiến", "Lập", "Hậu", "Thịnh",
];

/// People schools are commonly named after.
const PEOPLE: [&str; 24] = [
    "Nguyễn Trãi",
    "Lê Lợi",
    "Trần Hưng Đạo",
    "Chu Văn An",
    "Lý Tự Trọng",
    "Võ Thị Sáu",
    "Kim Đồng",
    "Nguyễn Du",
    "Lê Quý Đôn",
    "Hai Bà Trưng",
    "Quang Trung",
    "Phan Chu Trinh",
    "Nguyễn Bỉnh Khiêm",
    "Lê Văn Tám",
    "Nguyễn Văn Trỗi",
    "Trần Phú",
    "Lý Thường Kiệt",
    "Ngô Quyền",
    "Đinh Tiên Hoàng",
    "Phan Bội Châu",
    "Nguyễn Huệ",
    "Tô Hiến Thành",
    "Lương Thế Vinh",
    "Hoàng Hoa Thám",
];

/// Names of kindergartens.
const FLOWERS: [&str; 10] = [
    "Hoa Sen",
    "Sơn Ca",
    "Họa Mi",
    "Hoa Hồng",
    "Vành Khuyên",
    "Hoa Mai",
    "Hướng Dương",
    "Tuổi Thơ",
    "Bông Sen",
    "Hoa Phượng",
];

/// A small deterministic generator (SplitMix64): no dependency, same data every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next_u64() % (hi - lo + 1)
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[(self.next_u64() % from.len() as u64) as usize]
    }

    /// `true` with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
}

/// The national tree as import rows: the ministry, then provinces, wards, and the
/// schools and centres of each ward (parents always before children).
pub fn tree_rows(seed: u64) -> Vec<TreeRow> {
    let mut rng = Rng::new(seed);
    let mut rows = Vec::with_capacity(100_000);
    let mut push = |code: String, name: String, kind: &str, parent: &str| {
        let line = u32::try_from(rows.len() + 2).unwrap_or(u32::MAX);
        rows.push(TreeRow {
            line,
            code,
            name,
            kind: kind.to_owned(),
            parent: parent.to_owned(),
            contact: None,
            predecessor: None,
        });
    };
    push("BGD".into(), "Bộ Giáo dục và Đào tạo".into(), "bo", "");
    for (pcode, pname) in PROVINCES {
        let province = pname
            .trim_start_matches("Tỉnh ")
            .trim_start_matches("Thành phố ");
        push(pcode.into(), format!("Sở GDĐT {province}"), "tinh", "BGD");
        // 3,321 communes and wards in all: about 98 per province.
        let wards = rng.between(78, 117);
        let mut upper_secondary = 0;
        for w in 1..=wards {
            let ward_code = format!("{pcode}{w:03}");
            let place = format!("{} {}", rng.pick(&PLACE), rng.pick(&PLACE));
            let ward_kind = if rng.chance(0.3) { "Phường" } else { "Xã" };
            push(
                ward_code.clone(),
                format!("{ward_kind} {place}"),
                "xa_phuong",
                pcode,
            );
            let mut n = 0;
            let mut school =
                |name: String, kind: &str, push: &mut dyn FnMut(String, String, &str, &str)| {
                    n += 1;
                    push(format!("{ward_code}{n:02}"), name, kind, &ward_code);
                };
            for _ in 0..rng.between(8, 12) {
                let name = format!("Trường Mầm non {} {place}", rng.pick(&FLOWERS));
                school(name, "truong_mam_non", &mut push);
            }
            for _ in 0..rng.between(8, 12) {
                let name = format!("Trường Tiểu học {}", rng.pick(&PEOPLE));
                school(name, "truong_tieu_hoc", &mut push);
            }
            for _ in 0..rng.between(5, 8) {
                let name = format!("Trường THCS {}", rng.pick(&PEOPLE));
                school(name, "truong_thcs", &mut push);
            }
            // Upper-secondary schools are the province's (its Sở runs them), not the
            // ward's: counted here, listed under the province below.
            if rng.chance(0.4) {
                upper_secondary += 1;
            }
            school(
                format!("Trung tâm học tập cộng đồng {place}"),
                "tthtcd",
                &mut push,
            );
            school(format!("Thư viện {place}"), "thu_vien", &mut push);
        }
        for n in 1..=upper_secondary {
            let name = format!("Trường THPT {}", rng.pick(&PEOPLE));
            push(format!("{pcode}T{n:03}"), name, "truong_thpt", pcode);
        }
        // Its continuing-education centres (GDNN-GDTX), run by the province too.
        for n in 1..=rng.between(2, 6) {
            let name = format!("Trung tâm GDNN-GDTX {}", rng.pick(&PLACE));
            push(
                format!("{pcode}G{n:02}"),
                name,
                "trung_tam_gdnn_gdtx",
                pcode,
            );
        }
    }
    rows
}

/// The rows as a CSV file, as a province would export it.
pub fn to_csv(rows: &[TreeRow]) -> String {
    let mut out = String::from("Mã đơn vị,Tên đơn vị,Loại,Mã cấp trên\n");
    for r in rows {
        out.push_str(&format!(
            "{},\"{}\",{},{}\n",
            r.code, r.name, r.kind, r.parent
        ));
    }
    out
}

/// A plausible report of one unit: every typed row filled with a small count, persons
/// per class, and budgets in round thousands of đồng.
pub fn content(form: &FormDef, rng: &mut Rng) -> Content {
    let mut c = Content::default();
    for row in form.rows() {
        let count = match row.kind {
            RowKind::Money => rng.between(0, 20_000) * 1_000,
            RowKind::Count | RowKind::CountPersons { .. } => rng.between(0, 12),
            // Most units held their opening ceremony.
            RowKind::YesNo { .. } => u64::from(rng.chance(0.8)),
            _ => continue,
        };
        c.set_number(
            NumberCell::new(row.code.clone(), Column::Count),
            Some(count),
        );
        if matches!(row.kind, RowKind::CountPersons { .. }) {
            let persons = count * rng.between(8, 35);
            c.set_number(
                NumberCell::new(row.code.clone(), Column::Persons),
                Some(persons),
            );
        }
    }
    c
}

/// How the generation went.
#[derive(Debug)]
pub struct Generated {
    pub units: u64,
    pub reports: u64,
    pub tree: Duration,
    pub filling: Duration,
}

/// Creates campaign `code` (form 2025, deadlines of 2025) with the national tree, and
/// reports for `share` of its units.
pub async fn generate(
    db: &Pool,
    admin: &Admin,
    code: &str,
    share: f64,
    seed: u64,
) -> Result<Generated, Error> {
    use tuanle_shared::wire::admin::{CampaignInput, Deadline};
    let input = CampaignInput {
        code: code.to_owned(),
        year: 2025,
        theme: "Học để phát triển bản thân, làm chủ tri thức và công nghệ, góp phần xây dựng đất nước hùng cường, thịnh vượng".into(),
        starts_on: "2025-10-01".into(),
        ends_on: "2025-10-07".into(),
        form_version: "2025".into(),
        deadlines: [(0, "2025-10-25"), (1, "2025-10-20"), (2, "2025-10-20"), (3, "2025-10-16")]
            .into_iter()
            .map(|(depth, due)| Deadline { depth, due_on: due.into() })
            .collect(),
        open: true,
        practice: None,
    };
    campaigns::create(db, admin, &input).await?;
    let started = Instant::now();
    let rows = tree_rows(seed);
    let preview = tree::import(
        db,
        admin,
        code,
        None,
        &rows,
        Source::Copy("máy tạo dữ liệu"),
        true,
    )
    .await?;
    if !preview.applied {
        return Err(Error::Internal(format!(
            "national tree refused: {:?}",
            preview.problems.first()
        )));
    }
    let tree_time = started.elapsed();

    let started = Instant::now();
    let form = builtin("2025").ok_or_else(|| Error::Internal("no form 2025".into()))?;
    let mut rng = Rng::new(seed ^ 0xA5A5);
    let mut tx = crate::db::begin_write(db).await?;
    let campaign_id: i64 = sqlx::query_scalar("SELECT id FROM campaigns WHERE code = $1")
        .bind(code)
        .fetch_one(&mut *tx)
        .await?;
    let units: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, code FROM units WHERE campaign_id = $1 AND depth >= 2 ORDER BY id",
    )
    .bind(campaign_id)
    .fetch_all(&mut *tx)
    .await?;
    let now = now_ms();
    let mut reports = 0u64;
    for (unit_id, unit_code) in units {
        if !rng.chance(share) {
            continue;
        }
        let (status, late, submitted) = match rng.between(0, 19) {
            0..=1 => ("draft", false, None),
            2..=4 => ("submitted", true, Some(1)),
            5..=7 => ("approved", false, Some(1)),
            _ => ("submitted", false, Some(1)),
        };
        let report_id: i64 = sqlx::query_scalar(
            "INSERT INTO reports (campaign_id, unit_id, version, status, submitted_version, late, updated_at, form_version)
             VALUES ($1, $2, 1, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(campaign_id)
        .bind(unit_id)
        .bind(status)
        .bind(submitted)
        .bind(i64::from(late))
        .bind(now)
        .bind(form.version())
        .fetch_one(&mut *tx)
        .await?;
        let json = serde_json::to_string(&content(form, &mut rng))
            .map_err(|e| Error::Internal(e.to_string()))?;
        sqlx::query(
            "INSERT INTO report_versions (report_id, version, content, account_id, device_id, push_id, created_at)
             VALUES ($1, 1, $2, $3, 'may-tao-du-lieu', $4, $5)",
        )
        .bind(report_id)
        .bind(json)
        .bind(admin.account_id)
        .bind(format!("tao-{code}-{unit_code}"))
        .bind(now)
        .execute(&mut *tx)
        .await?;
        reports += 1;
    }
    totals::rebuild_in(&mut tx, campaign_id, form).await?;
    tx.commit().await?;
    Ok(Generated {
        units: rows.len() as u64,
        reports,
        tree: tree_time,
        filling: started.elapsed(),
    })
}
