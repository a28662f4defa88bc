//! The app's four bundles in a real headless Chromium (issue 21): a reporter's tablet
//! runs and downloads only the reporters' bundle for the report, and the tools' bundle
//! when the history or the documents are first opened (and, offline before that, is told
//! those pages wait for the network; with a server that runs a newer build, to take the
//! update); a supervisor lands in the supervisors' bundle, moves
//! between the dashboard and the unit's own report without a reload, and opens it again
//! with no network.

use tuanle_e2e::relay::{Link, Mode, Relay};
use tuanle_e2e::{Browser, TestServer, built_file};

/// The app's files (`.wasm`, its JS loader) the page has fetched or runs, by path.
async fn app_files(browser: &Browser) -> anyhow::Result<Vec<String>> {
    let files = browser
        .client
        .execute(
            "return performance.getEntriesByType('resource')
                 .map((e) => new URL(e.name).pathname)
                 .filter((p) => p.startsWith('/pkg'));",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(files)?)
}

/// The files this device's service worker keeps, in all its caches, by path.
async fn kept_files(browser: &Browser) -> anyhow::Result<Vec<String>> {
    let files = browser
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             (async () => {
               const all = [];
               for (const key of await caches.keys()) {
                 for (const r of await (await caches.open(key)).keys()) {
                   all.push(new URL(r.url).pathname);
                 }
               }
               return all;
             })().then(done, (e) => done([String(e)]));",
            vec![],
        )
        .await?;
    Ok(serde_json::from_value(files)?)
}

/// A reporter signs in and fills the form: nothing but the reporters' bundle is
/// fetched. Offline, the history (a page of the tools' bundle, never opened on this
/// tablet) says it waits for the network, and the report still opens; online, the history
/// and the documents come in the tools' bundle, and nothing of the supervisors' or
/// administrators' bundles is ever fetched.
#[tokio::test]
async fn a_reporter_downloads_the_tools_only_when_opened() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let app = built_file("app.wasm")?;
    let tools = built_file("tools.wasm")?;
    let supervisor = built_file("supervisor.wasm")?;
    let admin = built_file("admin.wasm")?;
    let all = [&app, &tools, &supervisor, &admin];
    for (i, a) in all.iter().enumerate() {
        assert!(all[i + 1..].iter().all(|b| a != b), "four files: {all:?}");
    }

    // Through a relay on loopback, so that the network can be cut for the service worker
    // too, not only for the page.
    let relay = Relay::start(server.addr, Link::FAST).await?;
    let tablet = Browser::start().await?;
    tablet
        .sign_in_at(&relay.url(""), "nb-hq-th", "tr[data-row='12.6']")
        .await?;
    tablet.type_in("2/count", "4").await?;
    tablet.wait_sync("synced").await?;
    let files = app_files(&tablet).await?;
    assert!(files.contains(&app), "{files:?}");
    assert!(
        files.iter().all(|f| !f.starts_with("/pkg-")),
        "only the reporters' bundle: {files:?}"
    );

    // Offline, the tools' bundle is not on this tablet: the reporters' bundle opens the
    // page and says so, and the report is one tap away, with what was typed.
    tablet.wait_for_worker().await?;
    relay.set(Mode::Cut);
    tablet.click("nav.account a[href='/lich-su']").await?;
    let waits = tablet.wait_for(".needs-network").await?.text().await?;
    assert!(waits.starts_with("Trang này cần mạng"), "{waits}");
    tablet.click(".needs-network a[href='/bao-cao']").await?;
    tablet.wait_for("tr[data-row='12.6']").await?;
    assert_eq!(tablet.value_of("2/count").await?, "4");
    relay.set(Mode::Pass);

    // Online: the history, then the documents from the report page, in the tools' bundle.
    tablet.click("nav.account a[href='/lich-su']").await?;
    tablet.wait_for(".history").await?;
    tablet.click("nav.account a[href='/bao-cao']").await?;
    tablet.click("a.open-documents").await?;
    tablet.wait_for("section.template").await?;
    tablet
        .wait_for("section.documents button.report-document")
        .await?;
    let files = app_files(&tablet).await?;
    assert!(files.contains(&tools), "{files:?}");
    // What the page fetched since the last full load, and what this device has kept
    // across all of them: never the supervisors' or administrators' bundle.
    tablet
        .eventually("the tools are kept once opened", || async {
            Ok(kept_files(&tablet).await?.contains(&tools))
        })
        .await?;
    let kept = kept_files(&tablet).await?;
    for file in files.iter().chain(&kept) {
        assert!(
            *file != supervisor && *file != admin,
            "never the supervisors' or administrators' bundle: {files:?} {kept:?}"
        );
    }

    // The bundles' sizes as the server sends them: the reporters' the smallest.
    let size = |wasm: &str| -> anyhow::Result<u64> {
        let path = tuanle_e2e::assets_dir().join(format!("{}.gz", wasm.trim_start_matches('/')));
        Ok(std::fs::metadata(path)?.len())
    };
    assert!(size(&app)? < size(&tools)?);
    assert!(size(&tools)? < size(&supervisor)?);
    assert!(size(&supervisor)? < size(&admin)?);
    tablet.close().await
}

/// A ward's supervisor signs in on the sign-in page (the reporters' bundle) and lands on
/// the dashboard in the supervisors' bundle; "Báo cáo" opens the ward's own report in
/// the same page (no reload: what the page holds in memory survives), and back. With the
/// network gone, the dashboard's address opens the app again from the device.
#[tokio::test]
async fn a_supervisor_moves_between_dashboard_and_report_in_one_bundle() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let supervisor = built_file("supervisor.wasm")?;
    let ward = Browser::start().await?;
    ward.sign_in_to(&server, "nb-hq", "h1[data-unit='NB-HQ']")
        .await?;
    assert_eq!(ward.client.current_url().await?.path(), "/tong-hop");
    let files = app_files(&ward).await?;
    assert!(files.contains(&supervisor), "{files:?}");

    ward.client
        .execute("window.sameRun = 'yes';", vec![])
        .await?;
    ward.click("nav.account a[href='/bao-cao']").await?;
    ward.wait_for("tr[data-row='12.6']").await?;
    ward.click("nav.account a[href='/tong-hop']").await?;
    ward.wait_for("h1[data-unit='NB-HQ']").await?;
    let same = ward
        .client
        .execute("return window.sameRun || 'reloaded';", vec![])
        .await?;
    assert_eq!(same, "yes", "the page was reloaded between its pages");

    // Opened again with no network: the service worker has the supervisors' bundle.
    ward.wait_for_worker().await?;
    ward.set_offline(true).await?;
    ward.client.goto(&server.url("/tong-hop")).await?;
    ward.wait_for("nav.account a[href='/bao-cao']").await?;
    ward.click("nav.account a[href='/bao-cao']").await?;
    ward.wait_for("tr[data-row='12.6']").await?;
    ward.set_offline(false).await?;
    ward.close().await
}

/// The server runs a newer build than the tablet, whose update the tablet has not taken
/// yet, so this build's tools' files are gone from it: the history page says to take the
/// update, not that the network is down (the server answers), and leads back to the report.
#[tokio::test]
async fn a_tools_page_of_a_replaced_build_says_to_take_the_update() -> anyhow::Result<()> {
    let dist = tempfile::tempdir()?;
    super::field::copy_dir(&tuanle_e2e::assets_dir(), dist.path())?;
    std::fs::remove_dir_all(dist.path().join("pkg-tools"))?;
    let server = TestServer::spawn_serving(dist.path().to_path_buf()).await?;
    let tablet = Browser::start().await?;
    tablet.sign_in(&server, "nb-hq-th").await?;
    tablet.click("nav.account a[href='/lich-su']").await?;
    let says = tablet.wait_for(".needs-network").await?.text().await?;
    assert!(
        says.starts_with("Trang này thuộc phiên bản trước"),
        "{says}"
    );
    tablet.click(".needs-network a[href='/bao-cao']").await?;
    tablet.wait_for("tr[data-row='12.6']").await?;
    tablet.close().await
}
