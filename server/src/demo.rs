//! The demo data: the 2025 campaign of the source documents with a small tree
//! (a province, its wards, their schools and learning centres), loaded once into an
//! empty database.

use sqlx::SqlitePool;

/// The 2025 campaign, as the ward plan of phường Hồng Quang describes it.
const CAMPAIGN_2025: (&str, i32, &str, &str, &str, &str) = (
    "2025",
    2025,
    "Học để phát triển bản thân, làm chủ tri thức và công nghệ, góp phần xây dựng đất nước hùng cường, thịnh vượng",
    "2025-10-01",
    "2025-10-07",
    "2025",
);

/// Deadlines per depth: the province reports on the 20th, wards likewise, schools by the 16th.
const DEADLINES_2025: [(i64, &str); 3] = [(0, "2025-10-20"), (1, "2025-10-20"), (2, "2025-10-16")];

/// The wards of the demo province and the reporting units under each.
const WARDS: [(&str, &str); 3] = [("HQ", "Hồng Quang"), ("HL", "Hoa Lư"), ("NT", "Nam Thành")];
const UNITS: [(&str, &str, &str); 5] = [
    ("MN", "Trường Mầm non", "truong_mam_non"),
    ("TH", "Trường Tiểu học", "truong_tieu_hoc"),
    ("THCS", "Trường THCS", "truong_thcs"),
    ("TTHTCD", "Trung tâm học tập cộng đồng phường", "tthtcd"),
    ("TV", "Thư viện phường", "thu_vien"),
];

/// Loads the demo campaign when the database has no campaign yet. Returns whether it did.
pub async fn seed_if_empty(db: &SqlitePool) -> Result<bool, sqlx::Error> {
    let mut tx = db.begin().await?;
    let (campaigns,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM campaigns")
        .fetch_one(&mut *tx)
        .await?;
    if campaigns > 0 {
        return Ok(false);
    }
    let (code, year, theme, starts, ends, form) = CAMPAIGN_2025;
    let campaign_id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (code, year, theme, starts_on, ends_on, form_version, open)
         VALUES (?, ?, ?, ?, ?, ?, 1) RETURNING id",
    )
    .bind(code)
    .bind(year)
    .bind(theme)
    .bind(starts)
    .bind(ends)
    .bind(form)
    .fetch_one(&mut *tx)
    .await?;
    for (depth, due) in DEADLINES_2025 {
        sqlx::query("INSERT INTO deadlines (campaign_id, depth, due_on) VALUES (?, ?, ?)")
            .bind(campaign_id)
            .bind(depth)
            .bind(due)
            .execute(&mut *tx)
            .await?;
    }
    let insert_unit = |code: String,
                       name: String,
                       kind: &'static str,
                       parent: Option<i64>,
                       depth: i64| {
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO units (campaign_id, code, name, kind, parent_id, depth) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(campaign_id)
        .bind(code)
        .bind(name)
        .bind(kind)
        .bind(parent)
        .bind(depth)
    };
    let province = insert_unit(
        "NB".into(),
        "Sở Giáo dục và Đào tạo tỉnh Ninh Bình".into(),
        "tinh",
        None,
        0,
    )
    .fetch_one(&mut *tx)
    .await?;
    for (ward_code, ward_name) in WARDS {
        let ward = insert_unit(
            format!("NB-{ward_code}"),
            format!("Phường {ward_name}"),
            "xa_phuong",
            Some(province),
            1,
        )
        .fetch_one(&mut *tx)
        .await?;
        for (unit_code, unit_name, kind) in UNITS {
            let name = format!("{unit_name} {ward_name}");
            insert_unit(
                format!("NB-{ward_code}-{unit_code}"),
                name,
                kind,
                Some(ward),
                2,
            )
            .fetch_one(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    Ok(true)
}
