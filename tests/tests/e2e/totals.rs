//! Consolidated totals: kept incrementally on every change, they always equal a
//! recomputation from scratch; final and provisional totals differ by the synced drafts;
//! a dashboard's event stream announces a change as it happens.

use std::time::Duration;

use serde_json::json;
use tuanle_e2e::{ApiClient, DEMO_PASSWORD, TestServer, push_counts, wait_for_event};
use tuanle_server::auth::Caller;
use tuanle_server::packages::{self, PackageReview};
use tuanle_server::reports::{self, Review};
use tuanle_server::totals;
use tuanle_shared::wire::{
    Dashboard, MISSING_PAGE_MAX, Me, MissingUnits, PushRequest, RefusalCode, Role, SubmitRequest,
    routes,
};
use tuanle_shared::{Column, NumberCell, Sums, form::builtin};

/// A small deterministic generator (xorshift), so a failure can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// After a random sequence of pushes, submissions, returns and approvals, sign-offs,
/// accepted and returned packages, changes after sign-off, units added (a leaf becoming a
/// consolidating unit) and closed, over a generated tree of
/// random depth, every subtree's incremental totals, completeness and official (package)
/// figures, kind by kind too, equal a recomputation from scratch, and every package holds what the
/// recomputation said its unit had accepted when it signed off.
#[tokio::test]
async fn incremental_totals_equal_a_recomputation() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let db = server.db().await?;
    let form = builtin("2025").expect("form");
    // Packages marked stale by a change below after their sign-off, over every seed.
    let mut stale_packages = 0;
    for seed in [7u64, 2025, 0x5eed] {
        let mut rng = Rng(seed);
        // A generated campaign tree: each new unit hangs under a random earlier one.
        let campaign_id: i64 = sqlx::query_scalar(
            "INSERT INTO campaigns (code, year, theme, starts_on, ends_on, form_version, open)
             VALUES ($1, 2030, 'thử', '2030-10-01', '2030-10-07', '2025', 1) RETURNING id",
        )
        .bind(format!("T{seed}"))
        .fetch_one(&db)
        .await?;
        sqlx::query(
            "INSERT INTO deadlines (campaign_id, depth, due_on) VALUES ($1, 2, '2000-01-01')",
        )
        .bind(campaign_id)
        .execute(&db)
        .await?;
        let mut units: Vec<(i64, String, i64)> = Vec::new();
        let mut parents: std::collections::HashMap<i64, Option<i64>> = Default::default();
        for i in 0..40 {
            let parent = (i > 0).then(|| units[rng.below(units.len() as u64) as usize].clone());
            let depth = parent.as_ref().map_or(0, |p| p.2 + 1);
            let parent_id = parent.as_ref().map(|p| p.0);
            let code = format!("U{i}");
            let id: i64 = sqlx::query_scalar(
                "INSERT INTO units (campaign_id, code, name, kind, parent_id, depth, asked) VALUES ($1, $2, $3, $7, $4, $5, $6) RETURNING id",
            )
            .bind(campaign_id)
            .bind(&code)
            .bind(format!("Đơn vị {i}"))
            .bind(parent_id)
            .bind(depth)
            // Some units only asked to report: their figures count, they never do.
            .bind(i64::from(i > 0 && rng.below(6) == 0))
            // A few kinds, for completeness kind by kind.
            .bind(["truong_tieu_hoc", "tthtcd", "thu_vien"][rng.below(3) as usize])
            .fetch_one(&db)
            .await?;
            parents.insert(
                id,
                units.iter().find(|u| Some(u.0) == parent_id).map(|u| u.0),
            );
            units.push((id, code, depth));
        }
        totals::rebuild(&db, campaign_id, form).await?;
        let admin: i64 = sqlx::query_scalar("SELECT id FROM accounts WHERE username = 'admin'")
            .fetch_one(&db)
            .await?;
        let caller = Caller {
            account_id: admin,
            me: Me {
                username: "admin".into(),
                display_name: "A".into(),
                role: Role::Admin,
                unit_code: None,
            },
        };
        let cells: Vec<NumberCell> = form
            .rows()
            .iter()
            .flat_map(|r| {
                Column::ALL
                    .into_iter()
                    .filter(|c| r.accepts(*c))
                    .map(|c| NumberCell::new(r.code.clone(), c))
            })
            .collect();
        // The supervisor of a unit, who signs off its packages and reviews its children's.
        let supervisor = |code: &str| Caller {
            account_id: admin,
            me: Me {
                username: "admin".into(),
                display_name: "A".into(),
                role: Role::Supervisor,
                unit_code: Some(code.to_owned()),
            },
        };
        let parent_of = |units: &[(i64, String, i64)],
                         parents: &std::collections::HashMap<i64, Option<i64>>,
                         id: i64| {
            let parent = parents.get(&id).copied().flatten()?;
            units.iter().find(|u| u.0 == parent).map(|u| u.1.clone())
        };
        let mut signed_off = 0;
        let mut accepted = 0;
        for step in 0..200 {
            let (unit_id, unit_code, unit_depth) =
                units[rng.below(units.len() as u64) as usize].clone();
            let (id, code) = (&unit_id, &unit_code);
            let target = reports::resolve(&db, &format!("T{seed}"), code).await?;
            let state = reports::state(&db, &caller, &target).await?;
            // Now and then a supervisor marks the report for follow-up or clears the mark
            // (by the step, not the generator: the seeds' sequences stay as they were).
            if step % 7 == 3 {
                let on = step % 2 == 1;
                let _ = reports::review::follow_up(&db, &caller, &target, on).await;
            }
            match rng.below(14) {
                // A unit added below it, as an administrator adds one (a leaf may become
                // a consolidating unit).
                12 => {
                    // Below a leaf whose approved report its parent counts, when there is
                    // one: the case where the parent's official figures must change.
                    let leaf: Option<(i64, i64)> = sqlx::query_as(
                        "SELECT u.id, u.depth FROM units u JOIN reports r ON r.unit_id = u.id
                         WHERE u.campaign_id = $1 AND r.status = 'approved' AND u.active = 1
                           AND u.parent_id IS NOT NULL
                           AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = u.id AND c.active = 1)
                         ORDER BY u.id LIMIT 1",
                    )
                    .bind(campaign_id)
                    .fetch_optional(&db)
                    .await?;
                    let (unit_id, unit_depth) = leaf.unwrap_or((unit_id, unit_depth));
                    let new_code = format!("N{step}");
                    let new_id: i64 = sqlx::query_scalar(
                        "INSERT INTO units (campaign_id, code, name, kind, parent_id, depth) VALUES ($1, $2, $2, 'thu_vien', $3, $4) RETURNING id",
                    )
                    .bind(campaign_id)
                    .bind(&new_code)
                    .bind(unit_id)
                    .bind(unit_depth + 1)
                    .fetch_one(&db)
                    .await?;
                    let mut conn = db.acquire().await?;
                    totals::unit_added(&mut conn, form, campaign_id, new_id).await?;
                    parents.insert(new_id, Some(unit_id));
                    units.push((new_id, new_code, unit_depth + 1));
                }
                // A unit with nothing active below it closed (the stats are rebuilt, as
                // `admin::units::change` does).
                13 => {
                    let closed = sqlx::query(
                        "UPDATE units SET active = 0 WHERE id = $1 AND parent_id IS NOT NULL
                         AND NOT EXISTS (SELECT 1 FROM units c WHERE c.parent_id = $1 AND c.active = 1)",
                    )
                    .bind(unit_id)
                    .execute(&db)
                    .await?;
                    if closed.rows_affected() > 0 {
                        totals::rebuild(&db, campaign_id, form).await?;
                    }
                }
                // The unit signs off (refused for a leaf): the package holds what a
                // recomputation from scratch says the unit has accepted.
                9 => {
                    if let Ok((package, _)) =
                        packages::sign_off(&db, &supervisor(code), &target).await
                    {
                        signed_off += 1;
                        let scratch =
                            totals::recompute(&mut *db.acquire().await?, campaign_id, form).await?;
                        assert_eq!(
                            package.figures,
                            scratch[id].official_figures.as_slice(),
                            "seed {seed}, step {step}: package of {code}"
                        );
                    }
                }
                // Its parent accepts or returns its latest package, if one waits.
                10 | 11 => {
                    let Some(parent) = parent_of(&units, &parents, *id) else {
                        continue;
                    };
                    let mut conn = db.acquire().await?;
                    let latest = packages::latest(&mut conn, *id).await?;
                    drop(conn);
                    let Some(latest) = latest else { continue };
                    let review = if rng.below(3) == 0 {
                        PackageReview::Return {
                            reason: "thiếu".into(),
                        }
                    } else {
                        PackageReview::Accept
                    };
                    let is_accept = matches!(review, PackageReview::Accept);
                    if packages::review(&db, &supervisor(&parent), &target, latest.seq, review)
                        .await
                        .is_ok()
                        && is_accept
                    {
                        accepted += 1;
                    }
                }
                // An administrator marks the unit asked, or required again (the stats
                // are rebuilt, as `admin::units::change` does).
                8 => {
                    sqlx::query("UPDATE units SET asked = 1 - asked WHERE id = $1")
                        .bind(id)
                        .execute(&db)
                        .await?;
                    totals::rebuild(&db, campaign_id, form).await?;
                }
                0..=3 => {
                    let mut content = state.content.clone();
                    for _ in 0..3 {
                        let cell = cells[rng.below(cells.len() as u64) as usize].clone();
                        // Persons with the row's count, which the rules require.
                        if cell.column == Column::Persons {
                            let count = NumberCell::new(cell.code.clone(), Column::Count);
                            content.set_number(count, Some(rng.below(40) + 1));
                            content.set_number(cell, Some(rng.below(1_000)));
                        } else {
                            // Within the cell's bound: a yes/no row (7.1, 7.2) holds 0
                            // or 1, and counts only for the kinds it names (a library's
                            // "yes" in 7.2 counts nowhere), here as in a recomputation.
                            let bound = form.bound_of(&cell).unwrap_or(u64::MAX);
                            content.set_number(cell, Some((rng.below(40) + 1).min(bound)));
                        }
                    }
                    let push = PushRequest {
                        push_id: format!("s{seed}-{step}"),
                        device_id: "test".into(),
                        base_version: state.version,
                        content,
                        form_version: None,
                    };
                    let _ = reports::push(&db, &caller, &target, push).await;
                }
                4 | 5 => {
                    let submit = SubmitRequest {
                        version: state.version,
                        device_id: "test".into(),
                        acknowledge_warnings: true,
                    };
                    let _ = reports::submit(&db, &caller, &target, submit).await;
                }
                _ => {
                    let review = if rng.below(2) == 0 {
                        Review::Approve
                    } else {
                        Review::Return {
                            reason: "sửa".into(),
                            comments: Vec::new(),
                        }
                    };
                    let _ = reports::review(&db, &caller, &target, review).await;
                }
            }
            // After every step, not only at the end: a rebuild later on would hide a
            // step that left the incremental stats wrong.
            let incremental = totals::stored_all(&db, campaign_id, form).await?;
            let scratch = totals::recompute(&mut *db.acquire().await?, campaign_id, form).await?;
            if let Some((id, _)) = scratch
                .iter()
                .find(|(id, s)| incremental.get(*id) != Some(*s))
            {
                panic!(
                    "seed {seed}, step {step}: unit {id} differs from a recomputation: {:?} != {:?}",
                    incremental.get(id),
                    scratch.get(id)
                );
            }
        }
        assert!(
            signed_off > 0 && accepted > 0,
            "seed {seed}: {signed_off} sign-offs, {accepted} accepted"
        );
        let incremental = totals::stored_all(&db, campaign_id, form).await?;
        let scratch = totals::recompute(&mut *db.acquire().await?, campaign_id, form).await?;
        assert_eq!(incremental.len(), units.len());
        for (id, code, _) in &units {
            assert_eq!(
                incremental.get(id),
                scratch.get(id),
                "seed {seed}, unit {code}"
            );
            // Kind by kind, the same units and the same done as the whole.
            let s = &incremental[id];
            let units: u64 = s.by_kind.values().map(|k| k.units).sum();
            let done: u64 = s.by_kind.values().map(|k| k.done).sum();
            assert_eq!(
                (units, done),
                (s.completeness.units, s.completeness.done()),
                "seed {seed}, unit {code}: {:?}",
                s.by_kind
            );
        }
        let (stale,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM packages WHERE campaign_id = $1 AND stale = 1")
                .bind(campaign_id)
                .fetch_one(&db)
                .await?;
        stale_packages += stale;
        assert!(
            incremental
                .values()
                .any(|s| s.official_figures.as_slice().iter().any(|&v| v > 0)),
            "seed {seed}: some official figures"
        );
        // The missing list walked down from the stored counts is the one a walk of the
        // whole subtree gives, unit for unit and in order.
        let mut conn = db.acquire().await?;
        for (id, code, _) in &units {
            let walked: Vec<String> = tuanle_server::dashboard::missing(&mut conn, *id, 1_000)
                .await?
                .into_iter()
                .map(|u| u.code)
                .collect();
            let mut scanned: Vec<(i64, String)> = sqlx::query_as(
                "WITH RECURSIVE down(id) AS (
                     SELECT $1 UNION ALL
                     SELECT u.id FROM units u JOIN down ON u.parent_id = down.id WHERE u.active = 1
                 )
                 SELECT u.depth, u.code FROM down JOIN units u ON u.id = down.id
                 LEFT JOIN reports r ON r.unit_id = u.id AND r.campaign_id = u.campaign_id
                 WHERE u.asked = 0 AND (r.status IS NULL OR r.status IN ('draft', 'returned'))",
            )
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
            // Depth, then the codes' bytes (not the database's collation), on either engine.
            scanned.sort();
            let scanned: Vec<String> = scanned.into_iter().map(|(_, code)| code).collect();
            assert_eq!(
                walked, scanned,
                "seed {seed}: the missing units below {code}"
            );
            // A shorter list is the same list cut short, wherever the cut falls.
            for limit in [1, 2, 3, walked.len().saturating_sub(1)] {
                let first: Vec<String> = tuanle_server::dashboard::missing(&mut conn, *id, limit)
                    .await?
                    .into_iter()
                    .map(|u| u.code)
                    .collect();
                assert_eq!(
                    first,
                    walked[..limit.min(walked.len())],
                    "seed {seed}: the first {limit} missing below {code}"
                );
            }
        }
        drop(conn);
        let root = &incremental[&units[0].0];
        let (asked,): (i64,) =
            // The root's own subtree counts it, asked or not.
            sqlx::query_as("SELECT COUNT(*) FROM units WHERE campaign_id = $1 AND asked = 1 AND parent_id IS NOT NULL")
                .bind(campaign_id)
                .fetch_one(&db)
                .await?;
        assert!(asked > 0, "seed {seed}: some units are only asked");
        // The root expects every active unit it reaches but the asked ones (and itself).
        let (expected,): (i64,) = sqlx::query_as(
            "WITH RECURSIVE down(id) AS (
                 SELECT $1 UNION ALL
                 SELECT u.id FROM units u JOIN down ON u.parent_id = down.id WHERE u.active = 1
             )
             SELECT COUNT(*) FROM down JOIN units u ON u.id = down.id WHERE u.asked = 0 OR u.id = $1",
        )
        .bind(units[0].0)
        .fetch_one(&db)
        .await?;
        assert_eq!(root.completeness.units, u64::try_from(expected)?);
        let (added, closed): (i64, i64) = sqlx::query_as(
            "SELECT COUNT(CASE WHEN code LIKE 'N%' THEN 1 END), COUNT(CASE WHEN active = 0 THEN 1 END)
             FROM units WHERE campaign_id = $1",
        )
        .bind(campaign_id)
        .fetch_one(&db)
        .await?;
        assert!(
            added > 0 && closed > 0,
            "seed {seed}: {added} units added, {closed} closed"
        );
        assert!(
            root.completeness.done() > 0,
            "seed {seed}: some reports were submitted"
        );
    }
    assert!(
        stale_packages > 0,
        "some packages changed below after their sign-off"
    );
    Ok(())
}

/// The codes of a unit's missing units, as far as one page goes.
async fn missing_codes(client: &ApiClient, unit: &str) -> anyhow::Result<Vec<String>> {
    let page: MissingUnits = client
        .get_json(&routes::dashboard_missing(
            "2025",
            unit,
            0,
            MISSING_PAGE_MAX,
        ))
        .await?;
    Ok(page.units.into_iter().map(|u| u.code).collect())
}

fn slot(dashboard: &Dashboard, provisional: bool, code: &str) -> u128 {
    let form = builtin(&dashboard.form_version).expect("form");
    let slots = if provisional {
        &dashboard.provisional_figures
    } else {
        &dashboard.final_figures
    };
    let figures = Sums::from_slots(form, slots.clone()).expect("slots fit the form");
    figures
        .value(
            form,
            form.row_index(&code.parse().expect("code")).expect("row"),
            Column::Count,
        )
        .expect("typed")
}

/// Rows that count units (issue 22): two schools answer "yes" to the opening ceremony
/// (7.2), and so does their ward in its own report, on 7.1 and 7.2. The ward's
/// consolidated 7.2 is 2 (its own "yes" is not an education institution's), its 7.1 is
/// 1 (itself, a commune), and the province's the same; no unit can type more than "yes".
/// A library's "yes" counts nowhere.
#[tokio::test]
async fn a_yes_no_row_counts_the_units_of_its_kinds_once() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let path = |unit: &str| routes::report("2025", unit, "push");
    for (user, unit, cells) in [
        ("nb-hq-th", "NB-HQ-TH", vec![("7.2", 1)]),
        ("nb-hq-mn", "NB-HQ-MN", vec![("7.2", 1)]),
        ("nb-hq-tv", "NB-HQ-TV", vec![("7.2", 1)]),
        ("nb-hq", "NB-HQ", vec![("7.1", 1), ("7.2", 1)]),
        ("nb-hl-th", "NB-HL-TH", vec![("7.2", 0)]),
    ] {
        let client = ApiClient::sign_in(&server, user, DEMO_PASSWORD).await?;
        let r = client
            .post(&path(unit), &push_counts(unit, 0, &cells))
            .await?;
        assert_eq!(r.status(), 200, "{unit}: {}", r.text().await?);
    }
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let dashboard: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(
        (slot(&dashboard, true, "7.1"), slot(&dashboard, true, "7.2")),
        (1, 2)
    );
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let dashboard: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(
        (slot(&dashboard, true, "7.1"), slot(&dashboard, true, "7.2")),
        (1, 2)
    );
    // The ward is not asked 7.2 (its answer would count nowhere); a school is.
    let state: serde_json::Value = ward.get_json(&routes::report("2025", "NB-HQ", "")).await?;
    assert_eq!(state["not_counted"], json!(["7.2"]));
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let state: serde_json::Value = school
        .get_json(&routes::report("2025", "NB-HQ-TH", ""))
        .await?;
    assert_eq!(state["not_counted"], json!(["7.1"]));
    // A number, as on paper, is refused: a unit answers for itself.
    let r = ward
        .post(&path("NB-HQ"), &push_counts("again", 1, &[("7.2", 3)]))
        .await?;
    assert_eq!(r.status(), 400);
    let refusal: serde_json::Value = r.json().await?;
    assert_eq!(refusal["code"], RefusalCode::AboveBound.as_str());
    // And a recomputation from scratch agrees with the figures kept as pushes came.
    let db = server.db().await?;
    let campaign_id: i64 = sqlx::query_scalar("SELECT id FROM campaigns WHERE code = '2025'")
        .fetch_one(&db)
        .await?;
    let kept = dashboard.provisional_figures.clone();
    totals::rebuild(&db, campaign_id, builtin("2025").expect("form")).await?;
    let again: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(again.provisional_figures, kept);
    // The library becomes a continuing-education centre: its "yes" now counts.
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let _: serde_json::Value = admin
        .expect(
            reqwest::Method::PATCH,
            &tuanle_shared::wire::admin::routes::campaign("2025", "/units/NB-HQ-TV"),
            Some(&json!({"kind": "Trung tâm GDNN-GDTX"})),
            200,
        )
        .await?;
    let dashboard: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(slot(&dashboard, true, "7.2"), 3);
    Ok(())
}

/// Final totals count submitted reports; provisional ones add the synced drafts, and
/// differ from the final ones by exactly those. Completeness counts each state.
#[tokio::test]
async fn final_and_provisional_totals_differ_by_the_drafts() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let other = ApiClient::sign_in(&server, "nb-hq-mn", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let path = |unit: &str, action: &str| routes::report("2025", unit, action);

    let r = school
        .post(
            &path("NB-HQ-TH", "push"),
            &push_counts("p1", 0, &[("2", 3), ("8", 1)]),
        )
        .await?;
    assert_eq!(r.status(), 200);
    let r = school
        .post(
            &path("NB-HQ-TH", "submit"),
            &json!({"version": 1, "device_id": "t"}),
        )
        .await?;
    assert_eq!(r.status(), 200);
    let r = other
        .post(
            &path("NB-HQ-MN", "push"),
            &push_counts("p2", 0, &[("2", 5)]),
        )
        .await?;
    assert_eq!(r.status(), 200);

    let dashboard: Dashboard = ward
        .get_json(&routes::dashboard("2025", "NB-HQ", false))
        .await?;
    assert_eq!(slot(&dashboard, false, "2"), 3);
    assert_eq!(slot(&dashboard, true, "2"), 8);
    assert_eq!(
        slot(&dashboard, true, "2") - slot(&dashboard, false, "2"),
        5,
        "exactly the draft"
    );
    let c = dashboard.completeness;
    assert_eq!((c.units, c.late, c.draft, c.not_started), (6, 1, 1, 4));
    // Kind by kind: the ward itself, and one unit of each kind below it.
    let by_kind: Vec<(&str, u64, u64)> = dashboard
        .by_kind
        .iter()
        .map(|k| (k.kind.as_str(), k.units, k.done))
        .collect();
    assert!(by_kind.contains(&("truong_tieu_hoc", 1, 1)), "{by_kind:?}");
    assert!(by_kind.contains(&("tthtcd", 1, 0)), "{by_kind:?}");
    assert_eq!(by_kind.iter().map(|k| k.1).sum::<u64>(), 6);
    assert_eq!(dashboard.missing_total, 5);
    let missing = missing_codes(&ward, "NB-HQ").await?;
    assert_eq!(missing.len(), 5);
    assert!(!missing.iter().any(|u| u == "NB-HQ-TH"), "{missing:?}");
    let th = dashboard
        .children
        .iter()
        .find(|ch| ch.unit.code == "NB-HQ-TH")
        .expect("child");
    assert_eq!(th.completeness.late, 1);

    let province: Dashboard = {
        let p = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
        p.get_json(&routes::dashboard("2025", "NB", false)).await?
    };
    assert_eq!(slot(&province, false, "2"), 3);
    assert_eq!(province.completeness.units, 19);
    let other_ward = ApiClient::sign_in(&server, "nb-hl", DEMO_PASSWORD).await?;
    assert_eq!(
        other_ward
            .get(&routes::dashboard("2025", "NB-HQ", false))
            .await?
            .status(),
        403
    );
    Ok(())
}

/// A submission anywhere below is announced on the dashboard's event stream at once.
#[tokio::test]
async fn a_submission_is_announced_on_the_event_stream() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let school = ApiClient::sign_in(&server, "nb-hq-th", DEMO_PASSWORD).await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let mut events = province.get(&routes::dashboard("2025", "NB", true)).await?;
    assert_eq!(events.status(), 200);
    let r = school
        .post(
            &routes::report("2025", "NB-HQ-TH", "push"),
            &push_counts("p1", 0, &[("2", 3)]),
        )
        .await?;
    assert_eq!(r.status(), 200);
    wait_for_event(&mut events, "changed", Duration::from_secs(1)).await?;
    Ok(())
}

/// A unit asked rather than required (the ward's library): once an administrator marks it
/// so, it leaves the ward's completeness and missing list, while its report still counts
/// in the figures; marked required again, it is expected once more.
#[tokio::test]
async fn an_asked_unit_counts_in_the_figures_and_is_never_missing() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let admin = ApiClient::sign_in(&server, "admin", DEMO_PASSWORD).await?;
    let ward = ApiClient::sign_in(&server, "nb-hq", DEMO_PASSWORD).await?;
    let library = ApiClient::sign_in(&server, "nb-hq-tv", DEMO_PASSWORD).await?;
    let unit = tuanle_shared::wire::admin::routes::campaign("2025", "/units/NB-HQ-TV");
    let set_asked = |asked: bool| {
        let (admin, unit) = (&admin, &unit);
        async move {
            let changed: tuanle_shared::wire::admin::AdminUnit = admin
                .expect(
                    reqwest::Method::PATCH,
                    unit,
                    Some(&json!({ "asked": asked })),
                    200,
                )
                .await?;
            anyhow::ensure!(changed.asked == asked, "the unit says it is asked: {asked}");
            anyhow::Ok(())
        }
    };
    let ward_path = routes::dashboard("2025", "NB-HQ", false);
    let dashboard = || ward.get_json::<Dashboard>(&ward_path);
    let before = dashboard().await?;
    assert_eq!(before.completeness.units, 6);
    assert!(
        missing_codes(&ward, "NB-HQ")
            .await?
            .contains(&"NB-HQ-TV".to_owned())
    );

    set_asked(true).await?;
    let r = library
        .post(
            &routes::report("2025", "NB-HQ-TV", "push"),
            &push_counts("tv-1", 0, &[("2", 4)]),
        )
        .await?;
    assert_eq!(r.status(), 200);
    let asked = dashboard().await?;
    assert_eq!(asked.completeness.units, 5, "not expected");
    assert_eq!(asked.missing_total, 5);
    assert!(
        !missing_codes(&ward, "NB-HQ")
            .await?
            .contains(&"NB-HQ-TV".to_owned()),
        "never missing"
    );
    assert_eq!(slot(&asked, true, "2"), 4, "its figures count");
    let province: Dashboard = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD)
        .await?
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    assert_eq!(province.completeness.units, 18);
    assert_eq!(slot(&province, true, "2"), 4);

    set_asked(false).await?;
    let required = dashboard().await?;
    assert_eq!(required.completeness.units, 6);
    assert_eq!(required.completeness.draft, 1, "its draft is counted again");
    Ok(())
}

/// The missing list is paged: pages follow on from each other in the walk's order, a
/// page is never longer than the most one request gets, and a malformed page is a
/// precise refusal.
#[tokio::test]
async fn the_missing_list_is_read_page_by_page() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let province = ApiClient::sign_in(&server, "nb", DEMO_PASSWORD).await?;
    let dashboard: Dashboard = province
        .get_json(&routes::dashboard("2025", "NB", false))
        .await?;
    let whole: MissingUnits = province
        .get_json(&routes::dashboard_missing(
            "2025",
            "NB",
            0,
            MISSING_PAGE_MAX,
        ))
        .await?;
    assert_eq!(whole.total, dashboard.missing_total, "the view's count");
    assert_eq!(whole.units.len() as u64, whole.total, "all on one page");
    assert!(whole.units.len() >= 6, "a few missing in the demo");
    let mut paged = Vec::new();
    for offset in (0..6).step_by(2) {
        let page: MissingUnits = province
            .get_json(&routes::dashboard_missing("2025", "NB", offset, 2))
            .await?;
        assert_eq!(
            (page.offset, page.units.len() as u32, page.total),
            (offset, 2, dashboard.missing_total)
        );
        paged.extend(page.units);
    }
    assert_eq!(paged, whole.units[..6]);
    let capped: MissingUnits = province
        .get_json(&routes::dashboard_missing("2025", "NB", 0, 100_000))
        .await?;
    assert_eq!(
        capped.units, whole.units,
        "a larger page asked for is the largest one"
    );
    let past: MissingUnits = province
        .get_json(&routes::dashboard_missing("2025", "NB", u32::MAX, 10))
        .await?;
    assert!(past.units.is_empty(), "past the end");
    for query in ["?limit=abc", "?offset=-1", "?page=2"] {
        let r = province
            .get(&format!(
                "{}{query}",
                routes::DASHBOARD_MISSING
                    .replace("{campaign}", "2025")
                    .replace("{unit}", "NB")
            ))
            .await?;
        assert_eq!(r.status().as_u16(), 400, "{query}");
        let e: tuanle_shared::wire::ApiError = r.json().await?;
        assert_eq!(e.code, RefusalCode::BadQuery, "{query}");
    }
    Ok(())
}
