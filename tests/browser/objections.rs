//! 异议 as a new user meets it: the center manager objects to a deduction from the 异议申辩
//! page, an administrator changes it on the objection page, and the unit's notice and the
//! round summary then show the new figure.

use crate::PASSWORD;
use crate::harness::{App, Browser, Result, submit_sheet};
use pingcha::domain::UnitScope;
use pingcha::domain::round::RoundStatus;
use pingcha::domain::rubric::{DeductionRule, Method};
use pingcha::domain::scoring::{ItemAnswer, Mark, SheetAnswers};
use pingcha::storage::{self, DatabaseUrl, audit::Actor, rectification};
use thirtyfour::prelude::*;

/// Every assigned reviewer submits (the first takes off the first fixed item), the round
/// moves to 反馈整改 and the manager's unit (兴庆区) gets its notice; the notice id.
fn fed_back(app: &App) -> Result<String> {
    let pool = storage::connect(&DatabaseUrl::parse(&app.database_url)?)?;
    let mut conn = pool.get()?;
    let actor = Actor::cli();
    let round = storage::rounds::find(&mut conn, app.round)?;
    let version = storage::assignments::published(&mut conn, app.round)?.ok_or("no teams")?;
    for placement in &version.assignment.placements {
        let case_type = version
            .problem
            .file(placement.file)
            .ok_or("file")?
            .case_type;
        let Some(hash) = round.settings.rubrics.get(&case_type) else {
            continue;
        };
        let rubric = storage::rubrics::load(&mut conn, hash)?;
        let Method::Deduction(scheme) = rubric.method() else {
            continue;
        };
        let fixed = scheme
            .items()
            .find(|item| matches!(item.deduction, DeductionRule::Fixed { .. }))
            .ok_or("no fixed item")?;
        for (index, reviewer) in placement.reviewers.iter().enumerate() {
            let answers = if index == 0 {
                SheetAnswers {
                    items: vec![ItemAnswer {
                        code: fixed.code.clone(),
                        mark: Mark::Applied,
                        reason: "未见相关材料".into(),
                        pages: pingcha::domain::citation::Citation::page(7),
                    }],
                    ..Default::default()
                }
            } else {
                SheetAnswers::default()
            };
            submit_sheet(
                &mut conn,
                app.round,
                placement.file,
                *reviewer,
                hash,
                &rubric,
                &answers,
            )?;
        }
    }
    storage::rounds::advance(
        &mut conn,
        &actor,
        app.round,
        RoundStatus::Feedback,
        storage::now(),
    )
    .map_err(|error| format!("{error:?}"))?;
    rectification::draft_notices(&mut conn, &actor, &round, storage::now())?;
    let manager = storage::users::find_by_login(&mut conn, "manager")?
        .ok_or("manager")?
        .0;
    let unit = manager.unit_id.ok_or("unit")?;
    let notice = rectification::notices(&mut conn, UnitScope::All, Some(app.round))?
        .into_iter()
        .find(|notice| notice.unit_id == unit)
        .ok_or("notice")?
        .id;
    let findings = rectification::list_findings(
        &mut conn,
        UnitScope::Unit(unit),
        rectification::FindingFilter {
            round: Some(app.round),
            ..Default::default()
        },
    )?;
    for finding in &findings {
        rectification::set_selected(
            &mut conn,
            &actor,
            notice,
            finding.finding.id,
            true,
            storage::now(),
        )
        .map_err(|error| format!("{error:?}"))?;
    }
    let admin = storage::users::find_by_login(&mut conn, "admin")?
        .ok_or("admin")?
        .0;
    let caller = rectification::Caller {
        actor: actor.clone(),
        account: admin,
        scope: UnitScope::All,
    };
    rectification::issue(
        &mut conn,
        &caller,
        notice,
        30,
        storage::today(),
        storage::now(),
    )
    .map_err(|error| format!("{error:?}"))?;
    Ok(notice.to_string())
}

#[actix_rt::test]
async fn a_manager_objects_the_panel_changes_it_and_the_notice_and_summary_follow() -> Result<()> {
    let app = App::start().await?;
    let notice = fed_back(&app)?;

    // The manager finds 异议申辩 in the navigation and objects to the first deduction.
    let manager = Browser::start(1366, 900).await?;
    manager.login(&app, "manager", PASSWORD).await?;
    manager.driver.goto(app.url("/")).await?;
    manager
        .driver
        .find(By::LinkText("异议申辩"))
        .await?
        .click()
        .await?;
    manager
        .wait_for_url(|url| url.ends_with("/objections"))
        .await?;
    let window = manager
        .wait_for_text(By::Css(".objection-round p"), |text| text.contains("还剩"))
        .await?;
    assert!(window.contains("个工作日"), "{window}");
    manager
        .driver
        .find(By::Css("details summary"))
        .await?
        .click()
        .await?;
    manager
        .driver
        .find(By::Name("reason"))
        .await?
        .send_keys("卷宗第7页附有该材料，请复核")
        .await?;
    manager.screenshot("objection-1-manager-files").await?;
    manager
        .driver
        .find(By::Css("details form button[type=submit]"))
        .await?
        .click()
        .await?;
    manager
        .wait_for_text(By::Css(".alert"), |text| text.contains("异议已提交"))
        .await?;
    let objection_url = manager.driver.current_url().await?.path().to_string();
    manager
        .driver
        .goto(app.url(&format!("/notices/{notice}")))
        .await?;
    manager
        .wait_for_text(By::Css("main"), |text| text.contains("异议处理中"))
        .await?;
    manager
        .screenshot("objection-2-notice-under-objection")
        .await?;

    // The administrator (panel) changes the deduction to 0.5 with a reason.
    let admin = Browser::start(1366, 900).await?;
    admin.login(&app, "admin", PASSWORD).await?;
    admin.driver.goto(app.url("/objections")).await?;
    admin
        .wait_for_text(By::Css("main"), |text| text.contains("待处理"))
        .await?;
    admin.screenshot("objection-3-admin-list").await?;
    admin.driver.goto(app.url(&objection_url)).await?;
    admin
        .driver
        .find(By::Css("input[name=decision][value=changed]"))
        .await?
        .click()
        .await?;
    admin
        .driver
        .find(By::Name("new_points"))
        .await?
        .send_keys("0.5")
        .await?;
    admin
        .driver
        .find(By::Css("textarea[name=reason]"))
        .await?
        .send_keys("材料部分齐全，酌减")
        .await?;
    admin.screenshot("objection-4-panel-decides").await?;
    admin
        .driver
        .find(By::Css("form.stack button[type=submit]"))
        .await?
        .click()
        .await?;
    admin
        .wait_for_text(By::Css(".alert"), |text| text.contains("裁决已保存"))
        .await?;

    // The unit's notice shows the new figure.
    manager
        .driver
        .goto(app.url(&format!("/notices/{notice}")))
        .await?;
    let page = manager
        .wait_for_text(By::Css("main"), |text| text.contains("异议已裁决：变更"))
        .await?;
    assert!(page.contains("改为 0.5 分"), "{page}");
    manager.screenshot("objection-5-notice-changed").await?;

    // Leadership's summary of the round lists the file with its new total.
    let leader = Browser::start(1366, 900).await?;
    leader.login(&app, "leader", PASSWORD).await?;
    leader
        .driver
        .goto(app.url(&format!("/rounds/{}/summary", app.round)))
        .await?;
    let summary = leader
        .wait_for_text(By::Css("main"), |text| !text.is_empty())
        .await?;
    leader.screenshot("objection-6-leader-summary").await?;
    let decided = page
        .lines()
        .find(|line| line.contains("异议已裁决：变更"))
        .unwrap_or_default()
        .to_string();
    assert!(!decided.is_empty());
    let pool = storage::connect(&DatabaseUrl::parse(&app.database_url)?)?;
    let mut conn = pool.get()?;
    let finals = storage::results::finals(&mut conn, app.round)?.ok_or("results")?;
    let changed = finals
        .iter()
        .filter_map(|file| file.result.as_ref())
        .find(|result| result.before_objections.is_some())
        .ok_or("no changed result")?;
    let total = changed.total.ok_or("total")?.to_string();
    assert!(summary.contains(&total), "summary shows {total}");
    manager.quit().await?;
    admin.quit().await?;
    leader.quit().await?;
    Ok(())
}
