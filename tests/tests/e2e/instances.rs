//! Several server instances on one PostgreSQL database, as behind a load balancer:
//! nothing that matters lives in one instance's memory. Sessions, pushes and live
//! totals work whichever instance a request reaches.
//!
//! These tests need PostgreSQL (`TUANLE_TEST_POSTGRES`, which `scripts/test` sets for
//! its PostgreSQL run); SQLite is one machine and one instance.

use std::time::Duration;

use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer, require_postgres, wait_for_event};
use tuanle_shared::wire::{Dashboard, PushAccepted, routes};

/// A school submits through one instance; a supervisor watching the province's
/// dashboard on another instance hears of it at once and reads the new totals there.
#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test runs it in its PostgreSQL pass"]
async fn a_submission_through_one_instance_reaches_a_dashboard_on_another() -> anyhow::Result<()> {
    require_postgres();
    let server = TestServer::spawn().await?;
    let other = server.start_another().await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    // Signed in through the first instance: the session is in the database, so the
    // second instance knows it too.
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD)
        .await?
        .at(other);
    let mut events = province.get(&routes::dashboard("2025", "NB", true)).await?;
    assert_eq!(events.status(), 200);
    wait_for_event(&mut events, "ready", Duration::from_secs(5)).await?;

    let path = |action: &str| routes::report("2025", "NB-HQ-TH", action);
    let body = json!({"push_id": "inst-1", "device_id": "t", "base_version": 0,
                      "content": {"numbers": {"2/count": 7}}});
    let r = school.post(&path("push"), &body).await?;
    assert_eq!(r.status(), 200);
    let r = school
        .post(&path("submit"), &json!({"version": 1, "device_id": "t"}))
        .await?;
    assert_eq!(r.status(), 200);
    wait_for_event(&mut events, "changed", Duration::from_secs(2)).await?;

    let dashboard: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(
        dashboard.completeness.on_time + dashboard.completeness.late,
        1,
        "the submission is counted on the other instance"
    );
    Ok(())
}

/// A push retried through another instance (its answer was lost) gets the same
/// answer and is stored once.
#[tokio::test]
#[ignore = "needs PostgreSQL: scripts/test runs it in its PostgreSQL pass"]
async fn a_push_retried_through_another_instance_is_applied_once() -> anyhow::Result<()> {
    require_postgres();
    let server = TestServer::spawn().await?;
    let other = server.start_another().await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let path = routes::report("2025", "NB-HQ-TH", "push");
    let body = json!({"push_id": "inst-2", "device_id": "t", "base_version": 0,
                      "content": {"numbers": {"2/count": 4}}});
    let first: PushAccepted = school.post_json(&path, &body).await?;
    let again: PushAccepted = school.at(other).post(&path, &body).await?.json().await?;
    assert_eq!(first, again);
    let db = server.db().await?;
    let (versions,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM report_versions WHERE push_id = $1")
            .bind("inst-2")
            .fetch_one(&db)
            .await?;
    assert_eq!(versions, 1);
    Ok(())
}
