//! Offline review in the browser: the server's 离线评查 page, the laptop's pages under
//! `pingcha offline open` (the real binary) with their banner, a score given there, and the
//! result uploaded back through the server's page. Screenshots: `offline-*.png`.

use crate::harness::{App, Browser, Result};
use pingcha::storage::{self, audit::Actor};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use thirtyfour::prelude::*;

struct Laptop(Child);

impl Drop for Laptop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[actix_rt::test]
async fn a_reviewer_scores_offline_and_uploads_the_result() -> Result<()> {
    let app = App::start().await?;
    let dir = tempfile::tempdir()?;
    // The packet, as the 离线评查 page would give it to the demo reviewer.
    let packet = {
        let mut conn = app.pool.get()?;
        let reviewer = storage::users::find_by_login(&mut conn, "reviewer")?
            .ok_or("demo reviewer")?
            .0
            .person_id
            .ok_or("reviewer person")?;
        pingcha::app::offline::issue(
            &mut conn,
            &Actor::cli(),
            &pingcha::app::offline::IssueRequest {
                round: app.round,
                reviewer,
                requester: reviewer,
                valid_for: chrono::Duration::days(7),
            },
            storage::now(),
        )
        .map_err(|error| error.to_string())?
        .text
    };
    let packet_path = dir.path().join("packet.pcpkt");
    std::fs::write(&packet_path, &packet)?;
    let data_dir = dir.path().join("laptop");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pingcha"))
        .args(["offline", "open"])
        .arg(&packet_path)
        .args(["--port", "0", "--data-dir"])
        .arg(&data_dir)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "error")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut lines = BufReader::new(child.stdout.take().ok_or("stdout")?).lines();
    let _laptop = Laptop(child);
    let signin = loop {
        let line = lines.next().ok_or("offline open stopped")??;
        if line.contains("/offline/signin/") {
            break line.trim().to_string();
        }
    };
    std::thread::spawn(move || for _ in lines {});

    // On the laptop: sign in by the printed address, the work list, the score form.
    let browser = Browser::start(1366, 768).await?;
    browser.driver.goto(&signin).await?;
    browser
        .wait_for_url(|url| url.ends_with("/my/work"))
        .await?;
    let banner = browser
        .wait_for_text(By::Css(".offline-banner"), |text| {
            text.contains("离线评查模式")
        })
        .await?;
    assert!(banner.contains("有效期至"), "{banner}");
    browser.screenshot("offline-1-laptop-work-list").await?;
    let sheet = format!("/rounds/{}/files/{}/sheet", app.round, app.file);
    browser
        .driver
        .find(By::Css(format!("a[href='{sheet}']")))
        .await?
        .click()
        .await?;
    browser.wait_for_url(|url| url.ends_with(&sheet)).await?;
    browser.screenshot("offline-2-laptop-sheet-opened").await?;
    let points = browser.driver.find(By::Name("points_A5")).await?;
    points.send_keys("2").await?;
    browser
        .driver
        .find(By::Name("reason_A5"))
        .await?
        .send_keys("授权委托书代理权限空白")
        .await?;
    browser
        .wait_for_text(By::Id("total"), |text| text == "98")
        .await?;
    browser.screenshot("offline-3-laptop-sheet-typed").await?;
    browser
        .driver
        .find(By::Css("button[value=submit]"))
        .await?
        .click()
        .await?;
    browser
        .wait_for_text(By::Css(".status"), |text| text == "已提交")
        .await?;
    browser.quit().await?;

    // The result, as `pingcha offline export` writes it.
    let result = dir.path().join("result.pcres");
    let output = Command::new(env!("CARGO_BIN_EXE_pingcha"))
        .args(["offline", "export", "--data-dir"])
        .arg(&data_dir)
        .arg(&result)
        .env_remove("DATABASE_URL")
        .output()?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // On the server: the 离线评查 page takes the result.
    let browser = Browser::start(1366, 768).await?;
    browser
        .login(&app, "reviewer", pingcha::demo::DEMO_PASSWORD)
        .await?;
    browser.driver.goto(app.url("/offline")).await?;
    browser.screenshot("offline-4-server-page").await?;
    browser
        .driver
        .find(By::Css("input[type=file][name=result]"))
        .await?
        .send_keys(result.display().to_string())
        .await?;
    browser
        .driver
        .find(By::Css(
            "form[enctype='multipart/form-data'] button[type=submit]",
        ))
        .await?
        .click()
        .await?;
    let outcome = browser
        .wait_for_text(By::Css(".alert"), |text| text.contains("结果包已导入"))
        .await?;
    assert!(outcome.contains("98"), "{outcome}");
    browser.screenshot("offline-5-server-applied").await?;
    browser.quit().await?;
    Ok(())
}
