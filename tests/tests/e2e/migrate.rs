//! Moving to PostgreSQL (`tuanle-server migrate`): a SQLite database with two campaigns,
//! pushes, a return with a comment, approvals, a signed-off package and a reminder,
//! still serving, is copied into a throw-away PostgreSQL database. Every table holds the
//! same rows on both sides; a server on the copy takes the same session, shows the same
//! dashboard, and goes on assigning ids after the copied ones. A second move into the
//! now full database is refused. PostgreSQL only (ignored on SQLite).

use serde_json::json;
use sqlx::{Connection, Row};
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer, require_postgres};
use tuanle_server::{Application, Config};
use tuanle_shared::wire::{Dashboard, ReportState, routes};

/// Pushes `value` into row 2 of a school's report and submits it.
async fn push_and_submit(
    school: &ApiClient,
    unit: &str,
    value: u64,
    id: &str,
) -> anyhow::Result<()> {
    let state: ReportState = school.get_json(&routes::report("2025", unit, "")).await?;
    let pushed: serde_json::Value = school
        .post_json(
            &routes::report("2025", unit, "push"),
            &json!({"push_id": id, "device_id": "t", "base_version": state.version,
                    "content": {"numbers": {"2/count": value, "1.1/count": 1, "1.1/persons": 20},
                                "texts": {"I.1/text": format!("Kế hoạch của {unit}")}}}),
        )
        .await?;
    let version = pushed["version"].as_u64().unwrap_or_default();
    let _: ReportState = school
        .post_json(
            &routes::report("2025", unit, "submit"),
            &json!({"version": version, "device_id": "t", "acknowledge_warnings": true}),
        )
        .await?;
    Ok(())
}

/// Every row of a table, each as its columns' text (bytes as hex, written by `hex` in
/// each engine's own SQL), sorted: what both sides must hold alike.
async fn rows_of(
    url: &str,
    table: &str,
    columns: &[(String, String)],
    hex: fn(&str) -> String,
) -> anyhow::Result<Vec<Vec<Option<String>>>> {
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await?;
    let select: Vec<String> = columns
        .iter()
        .map(|(name, kind)| match kind.as_str() {
            "bytea" => hex(name),
            _ => format!("CAST({name} AS TEXT)"),
        })
        .collect();
    let rows = sqlx::query(&format!("SELECT {} FROM {table}", select.join(", ")))
        .fetch_all(&mut conn)
        .await?;
    let mut out: Vec<Vec<Option<String>>> = rows
        .iter()
        .map(|r| (0..columns.len()).map(|i| r.try_get(i)).collect())
        .collect::<Result<_, _>>()?;
    out.sort();
    Ok(out)
}

#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test runs it in its PostgreSQL pass"]
async fn a_sqlite_database_moves_to_postgresql_whole() -> anyhow::Result<()> {
    let admin_url = require_postgres();
    let source = TestServer::spawn_on_sqlite().await?;
    let th = ApiClient::sign_in(&source, "nb-hq-th", DEMO_PASSWORD).await?;
    let mn = ApiClient::sign_in(&source, "nb-hq-mn", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&source, "nb-hq", DEMO_PASSWORD).await?;
    push_and_submit(&th, "NB-HQ-TH", 7, "m-th-1").await?;
    let _: ReportState = ward
        .post_json(
            &routes::report("2025", "NB-HQ-TH", "return"),
            &json!({"reason": "Xem lại số tin bài",
                    "comments": [{"cell": "2/count", "text": "Số tin bài có đúng không?"}]}),
        )
        .await?;
    push_and_submit(&th, "NB-HQ-TH", 9, "m-th-2").await?;
    push_and_submit(&mn, "NB-HQ-MN", 4, "m-mn-1").await?;
    for unit in ["NB-HQ-TH", "NB-HQ-MN"] {
        let _: ReportState = ward
            .post_json(&routes::report("2025", unit, "approve"), &json!({}))
            .await?;
    }
    let _: serde_json::Value = ward
        .post_json(&routes::packages("2025", "NB-HQ", None, ""), &json!({}))
        .await?;
    let r = ward
        .post(&routes::unit_reminded("2025", "NB-HQ-THCS"), &json!({}))
        .await?;
    anyhow::ensure!(r.status() == 200, "reminded: {}", r.status());
    let province = ApiClient::sign_in(&source, "nb", DEMO_PASSWORD).await?;
    let before: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;

    // Moved while the source still serves.
    let target = tuanle_server::db::create_postgres_database(&admin_url, "tuanle_move").await?;
    let moved = tuanle_server::migrate::migrate(&source.database_url, &target).await?;
    eprintln!("{moved}");
    assert!(moved.campaigns >= 2, "{moved}");
    assert!(
        moved.moved_since.is_empty(),
        "nothing was written meanwhile: {moved}"
    );
    let count = |t: &str| moved.tables.iter().find(|(n, _)| *n == t).map(|(_, r)| *r);
    assert!(count("report_versions") >= Some(3), "{moved}");
    assert!(count("report_events").is_some_and(|n| n >= 5), "{moved}");
    assert_eq!(count("packages"), Some(1), "{moved}");
    assert_eq!(count("cell_comments"), Some(1), "{moved}");

    // Every table alike, row by row.
    let mut pg = sqlx::PgConnection::connect(&target).await?;
    let mut compared = 0;
    for table in tuanle_server::migrate::TABLES {
        let columns: Vec<(String, String)> = sqlx::query_as(
            "SELECT column_name::text, data_type::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
        )
        .bind(table)
        .fetch_all(&mut pg)
        .await?;
        let (a, b) = (
            rows_of(&source.database_url, table, &columns, |c| {
                format!("lower(hex({c}))")
            })
            .await?,
            rows_of(&target, table, &columns, |c| format!("encode({c}, 'hex')")).await?,
        );
        assert_eq!(a.len(), b.len(), "{table}: rows");
        assert!(a == b, "{table}: the rows differ");
        compared += a.len();
    }
    assert!(compared > 100, "rows compared: {compared}");

    // A move while a tablet keeps pushing to the source: the copy is the snapshot, and
    // the move says the source took more meanwhile (stop it and move again).
    let busy = ApiClient::sign_in(&source, "nb-hl-th", DEMO_PASSWORD).await?;
    let pushing = tokio::spawn(async move {
        let mut version = 0u64;
        for n in 0..2_000u64 {
            let pushed: serde_json::Value = busy
                .post_json(
                    &routes::report("2025", "NB-HL-TH", "push"),
                    &json!({"push_id": format!("busy-{n}"), "device_id": "t", "base_version": version,
                            "content": {"numbers": {"2/count": n}, "texts": {}}}),
                )
                .await?;
            version = pushed["version"].as_u64().unwrap_or(version);
        }
        anyhow::Ok(())
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let elsewhere = tuanle_server::db::create_postgres_database(&admin_url, "tuanle_busy").await?;
    let busy_move = tuanle_server::migrate::migrate(&source.database_url, &elsewhere).await?;
    pushing.abort();
    assert!(
        busy_move
            .moved_since
            .iter()
            .any(|(t, n)| *t == "report_versions" && *n > 0),
        "{busy_move}"
    );
    assert!(busy_move.to_string().contains("WARNING"), "{busy_move}");

    // A second move into the now full database is refused, and changes nothing.
    let again = tuanle_server::migrate::migrate(&source.database_url, &target).await;
    let said = again.err().map(|e| format!("{e:#}")).unwrap_or_default();
    assert!(said.contains("not empty"), "{said}");

    // A server on the copy: the same session works, the same dashboard, and new rows
    // take ids after the copied ones.
    let data = tempfile::tempdir()?;
    let mut config = Config::for_tests(data.path().to_path_buf(), source.assets.clone());
    config.database_url = Some(target.clone());
    let app = Application::build(&config).await?;
    let addr = app.local_addr();
    tokio::spawn(app.run_until_stopped(std::future::pending()));
    let province_there = province.at(addr);
    let after: Dashboard = province_there
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(after.final_figures, before.final_figures);
    assert_eq!(after.official_figures, before.official_figures);
    assert_eq!(after.completeness, before.completeness);
    let thcs = ApiClient::sign_in_at(addr, "nb-hq-thcs", DEMO_PASSWORD).await?;
    push_and_submit(&thcs, "NB-HQ-THCS", 3, "m-thcs-1").await?;
    let ward_there = ward.at(addr);
    let _: ReportState = ward_there
        .post_json(
            &routes::report("2025", "NB-HQ-THCS", "return"),
            &json!({"reason": "Thiếu số liệu", "comments": [{"cell": "2/count", "text": "Kiểm tra lại"}]}),
        )
        .await?;
    Ok(())
}
