//! What typing survives in the browser itself: the browser process killed (SIGKILL, no
//! chance to flush) right after the last keystroke, and a browser whose storage is full.

use std::time::Duration;

use tuanle_e2e::{Browser, TestServer};

const USER: &str = "nb-hq-th";
const FORM: &str = "tr[data-row='12.6']";

/// The browser is killed outright (SIGKILL, no chance to flush) the moment the last
/// character is typed; reopened on the same profile, the form shows everything typed
/// before that last input event. The narrative is typed one character per input event,
/// faster than anyone types on a tablet.
///
/// On `localStorage` alone this lost everything typed in the last second or two:
/// Chromium moves it to disk late. The IndexedDB mirror (`app::mirror`) keeps it.
#[tokio::test]
async fn typing_survives_the_browser_being_killed() -> anyhow::Result<()> {
    const TEXT: &str = "Kế hoạch số 7";
    let server = TestServer::spawn().await?;
    let profile = tempfile::tempdir()?;
    let browser = Browser::start_in(profile.path()).await?;
    browser.sign_in(&server, USER).await?;
    browser.type_in("1.3/count", "4").await?;
    browser.type_in("2/count", "12").await?;
    for ch in TEXT.chars() {
        browser.type_in("I.1/text", &ch.to_string()).await?;
    }
    // Dropping the browser kills chromedriver and every Chromium process with SIGKILL.
    drop(browser);

    let again = Browser::start_in(profile.path()).await?;
    again.client.goto(&server.url("/")).await?;
    // The session cookie may not have reached the disk: sign in again if asked.
    let signed_in = again
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(fantoccini::Locator::Css(FORM))
        .await
        .is_ok();
    if !signed_in {
        again.sign_in(&server, USER).await?;
    }
    assert_eq!(again.value_of("1.3/count").await?, "4");
    assert_eq!(again.value_of("2/count").await?, "12");
    let kept = again.value_of("I.1/text").await?;
    let before_last = TEXT.trim_end_matches('7');
    assert!(
        kept == TEXT || kept == before_last,
        "typed {TEXT:?}, kept {kept:?}"
    );
    again.close().await
}

/// When the browser's storage is full, the person is told in Vietnamese at once, and
/// what was stored before is still there once space is freed.
#[tokio::test]
async fn a_full_storage_is_said_and_loses_nothing_stored() -> anyhow::Result<()> {
    let server = TestServer::spawn().await?;
    let browser = Browser::start().await?;
    browser.sign_in(&server, USER).await?;
    browser.type_in("1.3/count", "4").await?;
    // Fill this origin's storage to the last byte with other data.
    let filled = browser
        .client
        .execute(
            "let n = 0;
             for (const size of [1 << 20, 1 << 16, 1 << 10, 64, 1]) {
               const chunk = 'x'.repeat(size);
               for (;;) {
                 try { localStorage.setItem('junk-' + n, chunk); n += 1; } catch (e) { break; }
               }
             }
             return n;",
            vec![],
        )
        .await?;
    assert!(filled.as_u64().unwrap_or(0) > 0, "storage was filled");
    browser.type_in("2/count", "9").await?;
    let alert = browser.wait_for("p.status.error[role='alert']").await?;
    let text = alert.text().await?;
    assert!(
        text.contains("Bộ nhớ của trình duyệt đã đầy"),
        "the message: {text}"
    );
    // Free the space and reopen: the value stored before the storage filled is there.
    browser
        .client
        .execute(
            "for (const k of Object.keys(localStorage)) { if (k.startsWith('junk-')) localStorage.removeItem(k); }",
            vec![],
        )
        .await?;
    browser.client.refresh().await?;
    browser.wait_for(FORM).await?;
    assert_eq!(browser.value_of("1.3/count").await?, "4");
    browser.close().await
}
