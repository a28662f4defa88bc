//! Field networks, through a loopback relay between a real headless Chromium and the
//! real server: the app opens from the device at once on a stalled link, says there is
//! no answer, and sends what was typed by itself once the link works again.

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use fantoccini::Locator;

use tuanle_e2e::relay::{Link, Mode, Relay};
use tuanle_e2e::{Browser, Cdp, Launch, TestServer};

const USER: &str = "nb-hq-th";
const FORM: &str = "tr[data-row='12.6'] input";

/// The current version of the unit's report and its content, read from the database.
/// Lets the relay pass again: the edits kept on the tablet (1.3 typed as 5) reach the
/// server by themselves, as exactly one new version after `before`. Its content.
async fn passes_and_arrives(
    tablet: &Browser,
    relay: &Relay,
    server: &TestServer,
    before: i64,
) -> anyhow::Result<tuanle_shared::Content> {
    relay.set(Mode::Pass);
    let synced = tablet
        .time_until(".sync-bar[data-sync='synced']", Duration::from_secs(90))
        .await;
    assert!(synced.is_some(), "the edits reach the server by themselves");
    let (after, content) = stored(server).await?;
    assert_eq!(after, before + 1, "as exactly one new version");
    let code = "1.3".parse()?;
    assert_eq!(content.number(&code, tuanle_shared::Column::Count), Some(5));
    Ok(content)
}

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
    let tablet = Browser::start_unwaited(profile.path()).await?;
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

    let content = passes_and_arrives(&tablet, &relay, &server, before).await?;
    let code = "1.3".parse()?;
    assert_eq!(
        content.number(&code, tuanle_shared::Column::Persons),
        Some(40)
    );
    tablet.close().await
}

/// Copies the built app, for a new build to be put in its place.
pub(super) fn copy_dir(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

/// Puts a new build in place of the one in `dir`, as a deployment does: a changed
/// stylesheet under a new name, the page, the worker and `build.json` naming it, and the
/// old stylesheet gone from the server. Returns the old and the new stylesheet's paths.
fn deploy_new_build(dir: &Path) -> anyhow::Result<(String, String)> {
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("build.json"))?)?;
    let old_style = manifest["style"].as_str().context("style")?.to_owned();
    let old_build = manifest["build"].as_str().context("build")?.to_owned();
    let new_build = "b2b2b2b2b2b2";
    let new_style = "/style-5e7e5e7e5e7e.css";
    let css = std::fs::read_to_string(dir.join(old_style.trim_start_matches('/')))?;
    std::fs::write(
        dir.join(new_style.trim_start_matches('/')),
        format!("{css}\n/* build 2 */\n"),
    )?;
    for name in ["index.html", "sw.js", "build.json"] {
        let path = dir.join(name);
        let text = std::fs::read_to_string(&path)?
            .replace(&old_style, new_style)
            .replace(&old_build, new_build);
        std::fs::write(&path, text)?;
        // The server prefers a compressed copy: this build's would be stale.
        for compressed in ["gz", "br"] {
            let _ = std::fs::remove_file(dir.join(format!("{name}.{compressed}")));
        }
    }
    let old = dir.join(old_style.trim_start_matches('/'));
    std::fs::remove_file(&old)?;
    for compressed in ["css.gz", "css.br"] {
        let _ = std::fs::remove_file(old.with_extension(compressed));
    }
    Ok((old_style, new_style.to_owned()))
}

/// Every file the page was made of: its stylesheets, scripts and every resource it
/// fetched, by path.
async fn files_of_page(tablet: &Browser) -> anyhow::Result<Vec<String>> {
    let files = tablet
        .client
        .execute(
            "return [...document.querySelectorAll('link[href],script[src]')]
                 .map((e) => e.href || e.src)
                 .concat(performance.getEntriesByType('resource').map((e) => e.name))
                 .map((u) => new URL(u).pathname);",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(files)?)
}

/// A new build arrives while an edit is unsent (issue 16, test 3): the old build runs
/// on until the person takes the new one, the new one opens from its own cache on a
/// stalled link, no page mixes the two builds' files, and the draft survives to be sent.
#[tokio::test]
async fn a_new_build_during_an_unsent_edit_keeps_the_draft_and_never_mixes_files()
-> anyhow::Result<()> {
    let dist = tempfile::tempdir()?;
    copy_dir(&tuanle_e2e::assets_dir(), dist.path())?;
    let server = TestServer::spawn_serving(dist.path().to_path_buf()).await?;
    let relay = Relay::start(server.addr, Link::FAST).await?;
    let tablet = Browser::start().await?;
    tablet.sign_in_at(&relay.url(""), USER, FORM).await?;
    tablet.wait_for_worker().await?;
    tablet.type_in("2/count", "3").await?;
    tablet.wait_sync("synced").await?;
    let (before, _) = stored(&server).await?;

    let (old_style, new_style) = deploy_new_build(dist.path())?;
    // What the browser does on its own at the next navigation, or the app every 30 min.
    tablet
        .client
        .execute(
            "navigator.serviceWorker.getRegistration().then((r) => r.update());",
            vec![],
        )
        .await?;
    let offered = tablet
        .time_until(".update-banner button", Duration::from_secs(30))
        .await;
    assert!(offered.is_some(), "the new build is offered: Tải lại");
    let banner = tablet.wait_for(".update-banner").await?.text().await?;
    assert!(banner.starts_with("Có phiên bản mới."), "{banner}");

    // The link stalls and the person types on: the edit cannot be sent.
    relay.set(Mode::Stall);
    tablet.type_in("1.3/count", "5").await?;
    let files = files_of_page(&tablet).await?;
    assert!(
        files.contains(&old_style),
        "the old build runs on: {files:?}"
    );
    assert!(!files.contains(&new_style), "{files:?}");

    tablet.click(".update-banner button").await?;
    tablet
        .eventually("the page runs the new build", || async {
            Ok(files_of_page(&tablet)
                .await
                .unwrap_or_default()
                .contains(&new_style))
        })
        .await?;
    let reopened = tablet.time_until(FORM, Duration::from_secs(5)).await;
    assert!(
        reopened.is_some(),
        "the new build opens from its cache, stalled"
    );
    let files = files_of_page(&tablet).await?;
    assert!(
        !files.contains(&old_style),
        "no file of the old build: {files:?}"
    );
    assert_eq!(tablet.value_of("2/count").await?, "3");
    assert_eq!(tablet.value_of("1.3/count").await?, "5", "the unsent edit");
    assert!(
        tablet
            .client
            .find(Locator::Css(".update-banner"))
            .await
            .is_err(),
        "nothing more to offer"
    );

    passes_and_arrives(&tablet, &relay, &server, before).await?;
    tablet.close().await
}

/// A supervisor's tablet takes a new build, then loses the network (issue 21): the
/// supervisors' bundle, fetched when the dashboard was first opened and not part of the
/// shell every device installs, was installed with the new build too, so the dashboard's
/// address still opens the app, and the unit's own report with it.
#[tokio::test]
async fn a_supervisors_bundle_opens_with_no_network_after_an_update() -> anyhow::Result<()> {
    let dist = tempfile::tempdir()?;
    copy_dir(&tuanle_e2e::assets_dir(), dist.path())?;
    let server = TestServer::spawn_serving(dist.path().to_path_buf()).await?;
    let relay = Relay::start(server.addr, Link::FAST).await?;
    let ward = Browser::start().await?;
    ward.sign_in_at(&relay.url(""), "nb-hq", "h1[data-unit='NB-HQ']")
        .await?;
    ward.click("nav.account a[href='/bao-cao']").await?;
    ward.wait_for(FORM).await?;
    ward.wait_for_worker().await?;

    let (_, new_style) = deploy_new_build(dist.path())?;
    ward.client
        .execute(
            "navigator.serviceWorker.getRegistration().then((r) => r.update());",
            vec![],
        )
        .await?;
    // The new build installed (offered) while online; it is taken with no network, and
    // only the service worker's cache is left to open it: the browser's own HTTP cache
    // (which may be evicted any time) is emptied.
    ward.wait_for(".update-banner button").await?;
    ward.client
        .issue_cmd(Cdp("Network.clearBrowserCache", serde_json::json!({})))
        .await?;
    relay.set(Mode::Cut);
    ward.click(".update-banner button").await?;
    ward.eventually("the page runs the new build", || async {
        Ok(files_of_page(&ward)
            .await
            .unwrap_or_default()
            .contains(&new_style))
    })
    .await?;
    let opened = ward
        .time_until("nav.account a[href='/tong-hop']", Duration::from_secs(10))
        .await;
    assert!(
        opened.is_some(),
        "the supervisors' bundle opens with no network"
    );
    ward.click("nav.account a[href='/tong-hop']").await?;
    ward.wait_for("nav.account a[href='/bao-cao']").await?;
    ward.click("nav.account a[href='/bao-cao']").await?;
    ward.wait_for(FORM).await?;
    ward.close().await
}

/// A supervisor's device that does not hold the supervisors' bundle (updated from a build
/// before it existed, or its download failed) opens the unit's own report with no
/// network all the same: the reporters' bundle, which every device keeps, has that page.
#[tokio::test]
async fn a_supervisor_without_their_bundle_opens_their_report_offline() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let relay = Relay::start(server.addr, Link::FAST).await?;
    let ward = Browser::start().await?;
    ward.sign_in_at(&relay.url(""), "nb-hq", "h1[data-unit='NB-HQ']")
        .await?;
    ward.click("nav.account a[href='/bao-cao']").await?;
    ward.wait_for(FORM).await?;
    ward.wait_for_worker().await?;
    // The device forgets the supervisors' bundle, in the worker's cache and the browser's.
    ward.client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             (async () => {
               for (const key of await caches.keys()) {
                 const cache = await caches.open(key);
                 for (const r of await cache.keys()) {
                   if (r.url.includes('/pkg-supervisor/')) await cache.delete(r);
                 }
               }
             })().then(() => done(true), (e) => done(String(e)));",
            vec![],
        )
        .await?;
    ward.client
        .issue_cmd(Cdp("Network.clearBrowserCache", serde_json::json!({})))
        .await?;
    relay.set(Mode::Cut);
    ward.client.goto(&relay.url("/bao-cao")).await?;
    let opened = ward.time_until(FORM, Duration::from_secs(15)).await;
    assert!(opened.is_some(), "the report opens with no network");
    ward.close().await
}

/// Two accounts on one browser profile (issue 16, shared tablets): the first signs out
/// with an unsent edit and is warned; the second never sees it; the first signs in again
/// and it is sent.
#[tokio::test]
async fn a_shared_tablet_keeps_each_accounts_unsent_edits_to_itself() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let relay = Relay::start(server.addr, Link::FAST).await?;
    let tablet = Browser::start().await?;
    tablet.sign_in_at(&relay.url(""), USER, FORM).await?;
    tablet.type_in("2/count", "1").await?;
    tablet.wait_sync("synced").await?;
    let (before, _) = stored(&server).await?;

    relay.set(Mode::Cut);
    tablet.type_in("1.3/count", "987").await?;
    tablet.click("nav.account > button.link").await?;
    let warning = tablet.client.get_alert_text().await?;
    assert!(
        warning.starts_with("Còn thay đổi chưa gửi lên máy chủ."),
        "{warning}"
    );
    tablet.client.accept_alert().await?;
    tablet.wait_for("form.sign-in").await?;

    relay.set(Mode::Pass);
    tablet.sign_in_at(&relay.url(""), "nb-hq-mn", FORM).await?;
    tablet.wait_sync("synced").await?;
    assert_ne!(
        tablet.value_of("1.3/count").await?,
        "987",
        "the second account never sees the first's edit"
    );
    assert_eq!(
        stored(&server).await?.0,
        before,
        "nothing sent by the second"
    );
    // Nothing unsent: signing out asks nothing.
    tablet.click("nav.account > button.link").await?;
    tablet.wait_for("form.sign-in").await?;

    tablet.sign_in_at(&relay.url(""), USER, FORM).await?;
    assert_eq!(tablet.value_of("1.3/count").await?, "987");
    tablet.wait_sync("synced").await?;
    let (after, content) = stored(&server).await?;
    assert_eq!(after, before + 1, "the first account's edit is sent");
    let code = "1.3".parse()?;
    assert_eq!(
        content.number(&code, tuanle_shared::Column::Count),
        Some(987)
    );
    tablet.close().await
}

/// A link opened in Zalo's own browser on Android says so in Vietnamese and offers
/// Chrome through an intent link (issue 16, in-app browsers).
#[tokio::test]
async fn an_in_app_browser_is_asked_to_open_chrome() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let profile = tempfile::tempdir()?;
    let zalo = "Mozilla/5.0 (Linux; Android 13; SM-T225) AppleWebKit/537.36 (KHTML, like Gecko) \
                Chrome/120.0.0.0 Safari/537.36 Zalo android/12080800 ZaloTheme/light";
    let tablet = Browser::launch(
        profile.path(),
        &Launch {
            user_agent: Some(zalo.to_owned()),
            ..Launch::default()
        },
    )
    .await?;
    tablet.client.goto(&server.url("/dang-nhap")).await?;
    let banner = tablet.wait_for(".in-app-banner").await?;
    let text = banner.text().await?;
    assert!(
        text.contains("trình duyệt của Zalo") && text.contains("Hãy mở bằng Chrome"),
        "{text}"
    );
    let open = banner.find(Locator::Css("a.button")).await?;
    assert_eq!(open.text().await?, "Mở bằng Chrome");
    let href = open.attr("href").await?.unwrap_or_default();
    let host = server.addr.to_string();
    assert_eq!(
        href,
        format!("intent://{host}/dang-nhap#Intent;scheme=http;package=com.android.chrome;end")
    );
    // The app still works under the banner.
    tablet.wait_for("form.sign-in").await?;
    tablet.close().await?;

    // Chrome itself is not asked.
    let chrome = Browser::start().await?;
    chrome.client.goto(&server.url("/dang-nhap")).await?;
    chrome.wait_for("form.sign-in").await?;
    assert!(
        chrome
            .client
            .find(Locator::Css(".in-app-banner"))
            .await
            .is_err()
    );
    chrome.close().await
}

/// A first open over a slow link shows at once what is loading, how far it has got and
/// that it happens once; the loading screen goes when the app is there (issue 16, 3).
#[tokio::test]
async fn a_first_open_over_a_slow_link_shows_progress() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    // About 6 s for the wasm: time to see it move.
    let relay = Relay::start(server.addr, Link::new(100, 600)).await?;
    let profile = tempfile::tempdir()?;
    let tablet = Browser::start_unwaited(profile.path()).await?;
    tablet.client.goto(&relay.url("/dang-nhap")).await?;
    let drawn = tablet
        .time_until("#boot .boot-progress:not([hidden])", Duration::from_secs(5))
        .await;
    assert!(drawn.is_some(), "the loading screen is drawn at once");
    let note = tablet.wait_for("#boot .boot-note").await?.text().await?;
    assert!(note.contains("chỉ tải về một lần"), "{note}");
    let seen = loading_states_until(&tablet, "form.sign-in").await?;
    let shares: Vec<u32> = seen
        .iter()
        .filter_map(|s| s.strip_prefix("Đang tải ứng dụng về máy lần đầu: "))
        .filter_map(|s| s.trim_end_matches('%').parse().ok())
        .collect();
    assert!(shares.len() >= 3, "progress moves: {seen:?}");
    assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert!(
        tablet.client.find(Locator::Css("#boot")).await.is_err(),
        "the loading screen goes when the app is there"
    );
    tablet.close().await
}

/// A supervisor's first dashboard on a device that so far had only the reporters' bundle
/// (the sign-in page's) downloads the supervisors' bundle: the loading screen says how far
/// it has got, as on a first open.
#[tokio::test]
async fn a_supervisors_first_dashboard_shows_its_bundle_arriving() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let relay = Relay::start(server.addr, Link::new(100, 600)).await?;
    let ward = Browser::start().await?;
    ward.client.goto(&relay.url("/dang-nhap")).await?;
    ward.wait_for("form.sign-in").await?;
    ward.wait_for_worker().await?;
    fill_sign_in(&ward, "nb-hq").await?;
    let seen = loading_states_until(&ward, "h1[data-unit='NB-HQ']").await?;
    let shares = seen
        .iter()
        .filter(|s| s.starts_with("Đang tải ứng dụng về máy lần đầu: "))
        .count();
    assert!(shares >= 2, "progress moves: {seen:?}");
    ward.close().await
}

/// Every text the loading screen said, in order, until `landmark` is on the page (the app
/// has opened).
async fn loading_states_until(browser: &Browser, landmark: &str) -> anyhow::Result<Vec<String>> {
    let mut seen: Vec<String> = Vec::new();
    while browser.client.find(Locator::Css(landmark)).await.is_err() {
        if let Ok(state) = browser.client.find(Locator::Css("#boot .boot-state")).await
            && let Ok(text) = state.text().await
            && seen.last() != Some(&text)
        {
            seen.push(text);
        }
        anyhow::ensure!(seen.len() < 500, "{landmark} never came: {seen:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(seen)
}

/// Types the demo password and `username` into the sign-in page and sends it.
async fn fill_sign_in(browser: &Browser, username: &str) -> anyhow::Result<()> {
    browser
        .wait_for("input[name='username']")
        .await?
        .send_keys(username)
        .await?;
    browser
        .wait_for("input[name='password']")
        .await?
        .send_keys(tuanle_e2e::DEMO_PASSWORD)
        .await?;
    browser.click("form.sign-in button[type='submit']").await
}

/// A ward officer downloads the ward's report over one bar of signal: the button says how
/// much has arrived of how much, moving up, until the file is made (issue 19, 5).
#[tokio::test]
async fn a_download_over_a_slow_link_shows_how_far_it_has_got() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let relay = Relay::start(server.addr, Link::FAST).await?;
    let profile = tempfile::tempdir()?;
    let ward = Browser::start_in(profile.path()).await?;
    ward.sign_in_at(&relay.url(""), "nb-hq", "table.children")
        .await?;
    ward.wait_for(".consolidated button.report-document")
        .await?;
    // About 3 s for a ward's report of some 30 KB; the open connections are reset so
    // that the download takes a new one, on the slow link.
    relay.shape(Link::new(100, 80));
    relay.set(Mode::Cut);
    tokio::time::sleep(Duration::from_millis(200)).await;
    relay.set(Mode::Pass);
    ward.click(".consolidated button.report-document").await?;
    let mut seen: Vec<String> = Vec::new();
    loop {
        let status = ward
            .client
            .find(Locator::Css(".consolidated .export-status"))
            .await;
        if let Ok(status) = status
            && let Ok(text) = status.text().await
            && seen.last() != Some(&text)
        {
            let done = text.starts_with("Đã tạo tệp");
            seen.push(text);
            if done {
                break;
            }
        }
        anyhow::ensure!(seen.len() < 500, "the download never ended: {seen:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let shares: Vec<u32> = seen
        .iter()
        .filter_map(|s| s.strip_prefix("Đang tải xuống: "))
        .filter_map(|s| s.split('(').nth(1)?.trim_end_matches("%)").parse().ok())
        .collect();
    assert!(shares.len() >= 3, "progress moves: {seen:?}");
    assert!(shares.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(
        seen.first().map(String::as_str),
        Some("Đang tạo báo cáo…"),
        "said while the server makes it: {seen:?}"
    );
    assert!(
        seen.last()
            .is_some_and(|s| s.contains("bao-cao-NB-HQ-2025")),
        "{seen:?}"
    );
    ward.close().await
}
