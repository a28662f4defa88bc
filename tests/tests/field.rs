//! Field networks, through a loopback relay between a real headless Chromium and the
//! real server: the app opens from the device at once on a stalled link, says there is
//! no answer, and sends what was typed by itself once the link works again.

use std::time::Duration;

use tuanle_e2e::relay::{Link, Mode, Relay};
use tuanle_e2e::{Browser, Launch, TestServer};

const USER: &str = "nb-hq-th";
const FORM: &str = "tr[data-row='12.6'] input";

/// The current version of the unit's report and its content, read from the database.
async fn stored(server: &TestServer) -> anyhow::Result<(i64, tuanle_shared::Content)> {
    let db = server.db().await?;
    let row: (i64, String) = sqlx::query_as(
        "SELECT r.version, v.content FROM reports r
         JOIN units u ON u.id = r.unit_id
         JOIN report_versions v ON v.report_id = r.id AND v.version = r.version
         WHERE u.code = 'NB-HQ-TH'",
    )
    .fetch_one(&db)
    .await?;
    Ok((row.0, serde_json::from_str(&row.1)?))
}

/// Stalled from the start, then recovery (issue 16, tests 1 and 2).
#[tokio::test]
async fn a_stalled_link_opens_at_once_says_so_and_recovers_by_itself() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let relay = Relay::start(server.addr, Link::FAST).await?;
    let profile = tempfile::tempdir()?;
    let first = Browser::start_in(profile.path()).await?;
    first.sign_in_at(&relay.url(""), USER, FORM).await?;
    first.type_in("2/count", "3").await?;
    first.wait_sync("synced").await?;
    first.close().await?;
    let (before, _) = stored(&server).await?;

    relay.set(Mode::Stall);
    let tablet = Browser::launch(
        profile.path(),
        &Launch {
            no_wait: true,
            ..Launch::default()
        },
    )
    .await?;
    tablet.client.goto(&relay.url("/bao-cao")).await?;
    let opened = tablet.time_until(FORM, Duration::from_secs(2)).await;
    assert!(
        opened.is_some(),
        "the form is usable within 2 s on a stalled link"
    );
    assert_eq!(
        tablet.value_of("2/count").await?,
        "3",
        "what was typed before"
    );
    // Typing goes on: nothing waits on the network.
    tablet.type_in("1.3/count", "5").await?;
    tablet.type_in("1.3/persons", "40").await?;
    assert_eq!(tablet.value_of("1.3/persons").await?, "40");
    let said = tablet
        .time_until(".sync-bar[data-sync='no-answer']", Duration::from_secs(30))
        .await;
    assert!(
        said.is_some(),
        "the sync bar says there is no answer within 30 s"
    );
    let text = tablet.wait_for(".sync-state").await?.text().await?;
    assert!(
        text.starts_with("Mạng chập chờn: chưa gửi được, sẽ thử lại"),
        "{text}"
    );

    relay.set(Mode::Pass);
    let synced = tablet
        .time_until(".sync-bar[data-sync='synced']", Duration::from_secs(90))
        .await;
    assert!(synced.is_some(), "the edits reach the server by themselves");
    let (after, content) = stored(&server).await?;
    assert_eq!(after, before + 1, "as exactly one new version");
    let code = "1.3".parse()?;
    assert_eq!(content.number(&code, tuanle_shared::Column::Count), Some(5));
    assert_eq!(
        content.number(&code, tuanle_shared::Column::Persons),
        Some(40)
    );
    tablet.close().await
}
