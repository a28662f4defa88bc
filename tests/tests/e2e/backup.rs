//! Backups: the documented command's copy, taken while the server runs and writes,
//! restores into a server that finds every report as it was.

use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer};
use tuanle_server::Config;
use tuanle_shared::wire::{ReportState, routes};

const SCHOOLS: [&str; 4] = ["NB-HQ-TH", "NB-HQ-MN", "NB-HL-TH", "NB-HL-THCS"];

/// Backups of the SQLite file (skipped by name on PostgreSQL, whose backups are
/// pg_dump's).
mod sqlite_only {
    use super::*;

    #[tokio::test]
    async fn a_backup_taken_while_serving_restores_every_report() {
        let server = TestServer::spawn().await.expect("server");
        // On PostgreSQL backups are pg_dump's (README).
        server.require_sqlite();
        let mut before = Vec::new();
        for (i, unit) in SCHOOLS.iter().enumerate() {
            let me = ApiClient::sign_in(&server, &unit.to_lowercase(), DEMO_PASSWORD)
                .await
                .expect("sign in");
            for v in 0..3u64 {
                let body = json!({"push_id": format!("b-{i}-{v}"), "device_id": "t", "base_version": v,
                                  "content": {"numbers": {"2/count": i as u64 * 10 + v}}});
                let r = me
                    .post(&routes::report("2025", unit, "push"), &body)
                    .await
                    .expect("push");
                assert_eq!(r.status(), 200, "{unit}");
            }
            let state: ReportState = me
                .get_json(&routes::report("2025", unit, ""))
                .await
                .expect("state");
            before.push(state);
        }

        // Taken while another tablet keeps writing.
        let busy = ApiClient::sign_in(&server, "nb-hq-thcs", DEMO_PASSWORD)
            .await
            .expect("sign in");
        let writer = tokio::spawn(async move {
            for v in 0..20u64 {
                let body = json!({"push_id": format!("busy-{v}"), "device_id": "t", "base_version": v,
                                  "content": {"numbers": {"2/count": v}}});
                let _ = busy
                    .post(&routes::report("2025", "NB-HQ-THCS", "push"), &body)
                    .await;
            }
        });
        let dir = tempfile::tempdir().expect("dir");
        let file = dir.path().join("copy.db");
        let done = tuanle_server::backup::backup(&server.database_url, &file)
            .await
            .expect("backup");
        writer.await.expect("writer");
        assert!(done.reports >= SCHOOLS.len() as i64, "{done}");
        assert!(done.versions >= 3 * SCHOOLS.len() as i64, "{done}");
        // A second backup to the same file is refused, the first one kept.
        assert!(
            tuanle_server::backup::backup(&server.database_url, &file)
                .await
                .is_err()
        );

        // Restore: a server on the copy.
        let mut config = Config::for_tests(dir.path().to_path_buf(), tuanle_e2e::assets_dir());
        config.database_url = Some(format!("sqlite://{}", file.display()));
        config.demo = false;
        let app = tuanle_server::Application::build(&config)
            .await
            .expect("a server on the copy");
        let addr = app.local_addr();
        tokio::spawn(app.run_until_stopped(std::future::pending()));
        for (unit, was) in SCHOOLS.iter().zip(&before) {
            let me = ApiClient::sign_in_at(addr, &unit.to_lowercase(), DEMO_PASSWORD)
                .await
                .expect("sign in on the restored server");
            let now: ReportState = me
                .get_json(&routes::report("2025", unit, ""))
                .await
                .expect("state");
            assert_eq!(now.version, was.version, "{unit}");
            assert_eq!(now.content, was.content, "{unit}");
        }
    }
}
