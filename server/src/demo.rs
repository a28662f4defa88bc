//! The demo data: the 2023 and 2025 campaigns of the source documents with a small tree
//! (a province, its wards, their schools and learning centres; in 2023 a district level
//! too), loaded once into an empty database.

use crate::auth::password;
use crate::clock::now_ms;
use crate::db::Pool;

/// The password of every demo account. Demo data only: real accounts get their own.
pub const DEMO_PASSWORD: &str = "tuanle2025";

/// The 2025 campaign, as the ward plan of phường Hồng Quang describes it.
const CAMPAIGN_2025: (&str, i32, &str, &str, &str, &str) = (
    "2025",
    2025,
    "Học để phát triển bản thân, làm chủ tri thức và công nghệ, góp phần xây dựng đất nước hùng cường, thịnh vượng",
    "2025-10-01",
    "2025-10-07",
    "2025",
);

/// Deadlines per depth: schools by the 16th, wards by the 20th, and the province (which
/// consolidates its wards) by the 25th.
const DEADLINES_2025: [(i64, &str); 3] = [(0, "2025-10-25"), (1, "2025-10-20"), (2, "2025-10-16")];

/// The wards of the demo province and the reporting units under each.
const WARDS: [(&str, &str); 3] = [("HQ", "Hồng Quang"), ("HL", "Hoa Lư"), ("NT", "Nam Thành")];
const UNITS: [(&str, &str, &str); 5] = [
    ("MN", "Trường Mầm non", "truong_mam_non"),
    ("TH", "Trường Tiểu học", "truong_tieu_hoc"),
    ("THCS", "Trường THCS", "truong_thcs"),
    ("TTHTCD", "Trung tâm học tập cộng đồng phường", "tthtcd"),
    ("TV", "Thư viện phường", "thu_vien"),
];

/// Demo usernames and what they are, for the run command to print.
pub fn accounts_summary() -> String {
    let mut lines = vec![
        format!("Tài khoản mẫu (mật khẩu của mọi tài khoản: {DEMO_PASSWORD}):"),
        "  nb            giám sát, Sở Giáo dục và Đào tạo tỉnh Ninh Bình".to_owned(),
        "  admin         quản trị toàn quốc".to_owned(),
        "  admin-nb      quản trị tỉnh Ninh Bình".to_owned(),
        "  ubnd-nb       theo dõi (chỉ xem), Ủy ban nhân dân tỉnh Ninh Bình".to_owned(),
    ];
    for (ward_code, ward_name) in WARDS {
        let ward = format!("nb-{}", ward_code.to_lowercase());
        lines.push(format!("  {ward:<13} giám sát, Phường {ward_name}"));
        for (unit_code, unit_name, _) in UNITS {
            let user = format!("{ward}-{}", unit_code.to_lowercase());
            lines.push(format!("  {user:<13} báo cáo, {unit_name} {ward_name}"));
        }
    }
    lines.join("\n")
}

/// The 2023 campaign (closed: it is over), as the Ministry's plan describes it (before the 2025 reform: a
/// district level between the province and the wards; its reports due by 20/10, the
/// province's own by 25/10).
const CAMPAIGN_2023: (&str, i32, &str, &str, &str, &str) = (
    "2023",
    2023,
    "Xây dựng năng lực tự học trong kỷ nguyên số",
    "2023-10-02",
    "2023-10-08",
    "2023",
);
const DEADLINES_2023: [(i64, &str); 4] = [
    // The province after the levels it consolidates.
    (0, "2023-10-25"),
    (1, "2023-10-20"),
    (2, "2023-10-20"),
    (3, "2023-10-20"),
];

async fn insert_campaign(
    tx: &mut crate::db::Conn,
    (code, year, theme, starts, ends, form): (&str, i32, &str, &str, &str, &str),
    deadlines: &[(i64, &str)],
    open: bool,
) -> anyhow::Result<i64> {
    let campaign_id: i64 = sqlx::query_scalar(
        "INSERT INTO campaigns (code, year, theme, starts_on, ends_on, form_version, open)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
    )
    .bind(code)
    .bind(year)
    .bind(theme)
    .bind(starts)
    .bind(ends)
    .bind(form)
    .bind(i64::from(open))
    .fetch_one(&mut *tx)
    .await?;
    for (depth, due) in deadlines {
        sqlx::query("INSERT INTO deadlines (campaign_id, depth, due_on) VALUES ($1, $2, $3)")
            .bind(campaign_id)
            .bind(depth)
            .bind(due)
            .execute(&mut *tx)
            .await?;
    }
    Ok(campaign_id)
}

async fn insert_unit(
    tx: &mut crate::db::Conn,
    campaign_id: i64,
    code: &str,
    name: &str,
    kind: &str,
    parent: Option<i64>,
    depth: i64,
) -> anyhow::Result<i64> {
    Ok(sqlx::query_scalar(
        "INSERT INTO units (campaign_id, code, name, kind, parent_id, depth) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(campaign_id)
    .bind(code)
    .bind(name)
    .bind(kind)
    .bind(parent)
    .bind(depth)
    .fetch_one(&mut *tx)
    .await?)
}

/// The demo province's tree in one campaign; `district` puts the 2023 district level
/// between the province and its wards. The same codes in both years: units are matched
/// across campaigns by code.
async fn insert_tree(
    tx: &mut crate::db::Conn,
    campaign_id: i64,
    district: bool,
) -> anyhow::Result<()> {
    let province = insert_unit(tx, campaign_id, "NB", PROVINCE_NAME, "tinh", None, 0).await?;
    let (above_wards, ward_depth) = if district {
        let d = insert_unit(
            tx,
            campaign_id,
            "NB-TPNB",
            "Thành phố Ninh Bình",
            "huyen",
            Some(province),
            1,
        )
        .await?;
        (d, 2)
    } else {
        (province, 1)
    };
    for (ward_code, ward_name) in WARDS {
        let code = format!("NB-{ward_code}");
        let ward = insert_unit(
            tx,
            campaign_id,
            &code,
            &format!("Phường {ward_name}"),
            "xa_phuong",
            Some(above_wards),
            ward_depth,
        )
        .await?;
        for (unit_code, unit_name, kind) in UNITS {
            insert_unit(
                tx,
                campaign_id,
                &format!("NB-{ward_code}-{unit_code}"),
                &format!("{unit_name} {ward_name}"),
                kind,
                Some(ward),
                ward_depth + 1,
            )
            .await?;
        }
    }
    Ok(())
}

const PROVINCE_NAME: &str = "Sở Giáo dục và Đào tạo tỉnh Ninh Bình";

/// Loads the demo campaigns when the database has no campaign yet. Returns whether it did.
pub async fn seed_if_empty(db: &Pool) -> anyhow::Result<bool> {
    // One hash for every demo account (the salt is inside it): seeding stays fast.
    let hash = tokio::task::spawn_blocking(|| password::hash(DEMO_PASSWORD)).await??;
    let mut tx = db.begin().await?;
    let (campaigns,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM campaigns")
        .fetch_one(&mut *tx)
        .await?;
    if campaigns > 0 {
        return Ok(false);
    }
    let c2023 = insert_campaign(&mut tx, CAMPAIGN_2023, &DEADLINES_2023, false).await?;
    insert_tree(&mut tx, c2023, true).await?;
    let c2025 = insert_campaign(&mut tx, CAMPAIGN_2025, &DEADLINES_2025, true).await?;
    insert_tree(&mut tx, c2025, false).await?;
    let now = now_ms();
    let mut accounts: Vec<(String, String, &'static str, Option<String>)> = vec![
        ("admin".into(), "Quản trị hệ thống".into(), "admin", None),
        (
            "admin-nb".into(),
            "Quản trị tỉnh Ninh Bình".into(),
            "admin",
            Some("NB".into()),
        ),
        (
            "nb".into(),
            PROVINCE_NAME.into(),
            "supervisor",
            Some("NB".into()),
        ),
        (
            "ubnd-nb".into(),
            "Ủy ban nhân dân tỉnh Ninh Bình".into(),
            "observer",
            Some("NB".into()),
        ),
    ];
    for (ward_code, ward_name) in WARDS {
        let code = format!("NB-{ward_code}");
        accounts.push((
            code.to_lowercase(),
            format!("Phường {ward_name}"),
            "supervisor",
            Some(code),
        ));
        for (unit_code, unit_name, _) in UNITS {
            let code = format!("NB-{ward_code}-{unit_code}");
            let name = format!("{unit_name} {ward_name}");
            accounts.push((code.to_lowercase(), name, "reporter", Some(code)));
        }
    }
    for (username, display_name, role, unit_code) in accounts {
        sqlx::query(
            "INSERT INTO accounts (username, display_name, password_hash, role, unit_code, created_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(username)
        .bind(display_name)
        .bind(&hash)
        .bind(role)
        .bind(unit_code)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    Ok(true)
}
