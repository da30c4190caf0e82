//! End-to-end tests in headless Chromium (Debian packages `chromium` and `chromium-driver`).
//! The harness in `harness.rs` starts the app and a browser; each test drives real pages and
//! saves screenshots under `<target>/screenshots/` for a person to look at.

#![allow(clippy::unwrap_used, clippy::expect_used)] // tests may unwrap, as clippy.toml allows in #[test] fns

mod case_file;
mod forms;
mod harness;
mod objections;
mod offline;
mod round;

use harness::{App, Browser, Result};
use thirtyfour::prelude::*;

const PASSWORD: &str = pingcha::demo::DEMO_PASSWORD;

/// A reviewer signs in, opens the assigned file from the work list, scores it, sees the total
/// change while typing, watches the draft autosave, and submits; the sheet is then locked.
#[actix_rt::test]
async fn a_reviewer_scores_a_file_and_submits() -> Result<()> {
    let clock = std::time::Instant::now();
    let app = App::start().await?;
    eprintln!(
        "app with demo data in review: {:.1} s",
        clock.elapsed().as_secs_f64()
    );
    let browser = Browser::start(1366, 768).await?;
    eprintln!("browser started: {:.1} s", clock.elapsed().as_secs_f64());
    browser.login(&app, "reviewer", PASSWORD).await?;
    eprintln!("signed in: {:.1} s", clock.elapsed().as_secs_f64());
    let sheet = format!("/rounds/{}/files/{}/sheet", app.round, app.file);

    browser.driver.goto(app.url("/my/work")).await?;
    browser
        .driver
        .find(By::Css(format!("a[href='{sheet}']")))
        .await?
        .click()
        .await?;
    browser.wait_for_url(|url| url.ends_with(&sheet)).await?;
    browser.screenshot("sheet-1-opened-1366x768").await?;
    let before = browser.driver.find(By::Id("total")).await?.text().await?;
    assert_eq!(before, "100", "nothing deducted yet");

    eprintln!("sheet open: {:.1} s", clock.elapsed().as_secs_f64());
    // Type a deduction on a free item (A5 of the civil rubric): a deduction without its
    // reason is named under the total; with the reason, typed by keyboard (Tab from the points
    // field), the total follows.
    let points = browser.driver.find(By::Name("points_A5")).await?;
    points.send_keys("2").await?;
    let problem = browser
        .wait_for_text(By::Id("problems"), |text| text.contains("A5"))
        .await?;
    assert!(problem.contains("理由"), "{problem}");
    points.send_keys(Key::Tab).await?;
    browser
        .driver
        .active_element()
        .await?
        .send_keys("授权委托书代理权限空白")
        .await?;
    let total = browser
        .wait_for_text(By::Id("total"), |text| text == "98")
        .await?;
    assert_eq!(total, "98");
    assert_eq!(
        browser.driver.find(By::Id("grade")).await?.text().await?,
        "优秀"
    );
    eprintln!("typed: {:.1} s", clock.elapsed().as_secs_f64());
    // A second deduction: an occurrence item (B2, 1 point per place).
    let count = browser.driver.find(By::Name("count_B2")).await?;
    count.send_keys("2").await?;
    browser
        .driver
        .find(By::Name("reason_B2"))
        .await?
        .send_keys("谈话笔录缺签名两处")
        .await?;
    browser
        .wait_for_text(By::Id("total"), |text| text == "96")
        .await?;
    let saved = browser
        .wait_for_text(By::Id("autosave"), |text| text.contains("已自动保存"))
        .await?;
    assert!(saved.contains("版"), "{saved}");
    browser.screenshot("sheet-2-typed-and-autosaved").await?;

    // Submit: the sheet is locked and shows the stored total.
    browser
        .driver
        .find(By::Css("button[value=submit]"))
        .await?
        .click()
        .await?;
    browser
        .wait_for_text(By::Css(".status"), |text| text == "已提交")
        .await?;
    assert_eq!(
        browser.driver.find(By::Id("total")).await?.text().await?,
        "96"
    );
    let enabled = browser
        .driver
        .find(By::Name("points_A5"))
        .await?
        .is_enabled()
        .await?;
    assert!(!enabled, "a submitted sheet is locked");
    browser.screenshot("sheet-3-submitted").await?;
    browser.quit().await?;

    // The same page at tablet width.
    let tablet = Browser::start(800, 1280).await?;
    tablet.login(&app, "reviewer", PASSWORD).await?;
    tablet.driver.goto(app.url(&sheet)).await?;
    tablet
        .wait_for_text(By::Css(".status"), |text| text == "已提交")
        .await?;
    tablet.screenshot("sheet-4-tablet-800x1280").await?;
    tablet.quit().await?;
    Ok(())
}
