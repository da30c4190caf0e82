//! The electronic case file beside the score form: the administrator uploads a PDF with
//! bookmarks through the file's case-file page; the reviewer reads page 3 by its catalogue
//! entry, cites pages 3–4 on a deduction with 引用本页, and submits; the score sheet PDF and
//! the unit's rectification notice name the pages. Screenshots at 1366×768 and 1920×1080.

use crate::PASSWORD;
use crate::harness::{App, Browser, Result, submit_sheet};
use lopdf::{Document, Object, Stream, dictionary};
use pingcha::domain::UnitScope;
use pingcha::domain::round::RoundStatus;
use pingcha::domain::scoring::SheetAnswers;
use pingcha::storage::{self, DatabaseUrl, audit::Actor, rectification};
use thirtyfour::prelude::*;

/// Six pages reading "Case file page N", with one bookmark per document of the file.
fn bookmarked_pdf() -> Vec<u8> {
    let mut pdf = Document::with_version("1.5");
    let pages = pdf.new_object_id();
    let font = pdf.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let mut kids = Vec::new();
    for number in 1..=6 {
        let text = format!("BT /F1 28 Tf 80 700 Td (Case file page {number}) Tj ET");
        let content = pdf.add_object(Stream::new(dictionary! {}, text.into_bytes()));
        kids.push(pdf.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => pages,
            "Contents" => content,
            "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        }));
    }
    pdf.objects.insert(
        pages,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => kids.iter().map(|id| Object::Reference(*id)).collect::<Vec<_>>(),
            "Count" => 6,
        }),
    );
    let catalog = pdf.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    pdf.trailer.set("Root", catalog);
    for (title, page) in [("委托协议", 1), ("会见笔录", 3), ("结案报告", 5)] {
        let bookmark = lopdf::Bookmark::new(title.to_string(), [0.0, 0.0, 0.0], 0, kids[page - 1]);
        pdf.add_bookmark(bookmark, None);
    }
    let outline = pdf.build_outline().unwrap();
    if let Ok(Object::Dictionary(root)) = pdf.get_object_mut(catalog) {
        root.set("Outlines", outline);
    }
    let mut bytes = Vec::new();
    pdf.save_to(&mut bytes).unwrap();
    bytes
}

/// The demo gives every case of its quarter a generated electronic case file; this test
/// uploads and reads its own, so the file starts without one.
fn forget_generated_case_file(app: &App) -> Result<()> {
    let pool = storage::connect(&DatabaseUrl::parse(&app.database_url)?)?;
    let mut conn = pool.get()?;
    for document in storage::ecf::documents(&mut conn, app.file)? {
        storage::ecf::delete_document(&mut conn, document.id.parse()?)?;
    }
    storage::ecf::replace_catalogue(&mut conn, app.file, &[])?;
    Ok(())
}

/// Every other review of the round is submitted (the file's second reviewer agrees with the
/// first), the round moves to 反馈整改, and the notice of the file's unit is issued with all
/// its findings; the notice id.
fn issue_notice_of_file_unit(app: &App) -> Result<String> {
    let pool = storage::connect(&DatabaseUrl::parse(&app.database_url)?)?;
    let mut conn = pool.get()?;
    let actor = Actor::cli();
    let round = storage::rounds::find(&mut conn, app.round)?;
    let version = storage::assignments::published(&mut conn, app.round)?.ok_or("no teams")?;
    let reviewer = storage::users::find_by_login(&mut conn, "reviewer")?
        .ok_or("reviewer")?
        .0
        .person_id
        .ok_or("person")?;
    let cited = storage::sheets::find(&mut conn, app.round, app.file, reviewer)?
        .ok_or("the reviewer's sheet")?
        .sheet
        .answers;
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
        for person in &placement.reviewers {
            if placement.file == app.file && *person == reviewer {
                continue;
            }
            let answers = if placement.file == app.file {
                cited.clone()
            } else {
                SheetAnswers::default()
            };
            submit_sheet(
                &mut conn,
                app.round,
                placement.file,
                *person,
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
    let unit = storage::ecf::case(&mut conn, app.file)?
        .ok_or("case")?
        .unit()
        .map_err(|error| format!("{error:?}"))?;
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

async fn shown_page(browser: &Browser, page: &str) -> Result<()> {
    let started = std::time::Instant::now();
    loop {
        let shown = browser
            .driver
            .find(By::Id("case-viewer"))
            .await?
            .attr("data-shown")
            .await?;
        if shown.as_deref() == Some(page) {
            return Ok(());
        }
        if started.elapsed() > std::time::Duration::from_secs(15) {
            return Err(format!("the viewer shows {shown:?}, not page {page}").into());
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn compact(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[actix_rt::test]
async fn a_reviewer_cites_pages_read_beside_the_form() -> Result<()> {
    let app = App::start().await?;
    forget_generated_case_file(&app)?;
    let case_file = format!("/rounds/{}/files/{}/case-file", app.round, app.file);
    let sheet = format!("/rounds/{}/files/{}/sheet", app.round, app.file);

    // The administrator uploads the file's case file through its page.
    let dir = tempfile::tempdir()?;
    let upload = dir.path().join("卷宗.pdf");
    std::fs::write(&upload, bookmarked_pdf())?;
    let admin = Browser::start(1366, 900).await?;
    admin.login(&app, "admin", PASSWORD).await?;
    admin.driver.goto(app.url(&case_file)).await?;
    admin.attach("file", &upload).await?;
    admin.submit(&format!("{case_file}/documents")).await?;
    let page = admin.wait_for_page_text("会见笔录").await?;
    assert!(page.contains("共 1 个文件、6 页"), "{page}");

    // The reviewer opens the form: the viewer beside it, the rubric on the first screen.
    let reviewer = Browser::start(1366, 768).await?;
    reviewer.login(&app, "reviewer", PASSWORD).await?;
    reviewer.driver.goto(app.url(&sheet)).await?;
    shown_page(&reviewer, "1").await?;
    reviewer.screenshot("case-file-1-form-1366x768").await?;
    let first = reviewer
        .driver
        .find(By::Css("table.sheet.items tbody tr"))
        .await?;
    let top = first.rect().await?.y;
    assert!(
        top < 500.0,
        "the first rubric item is on the first screen (y = {top})"
    );
    let points = reviewer.driver.find(By::Name("points_A5")).await?;
    points.scroll_into_view().await?;

    // Page 3 by its catalogue entry.
    reviewer.click(By::LinkText("会见笔录")).await?;
    shown_page(&reviewer, "3").await?;
    let caption = reviewer
        .driver
        .find(By::Css(".viewer-caption"))
        .await?
        .text()
        .await?;
    assert_eq!(caption, "第3页《会见笔录》");

    // A deduction on A5, citing pages 3 and 4 by 引用本页.
    points.click().await?;
    points.send_keys("2").await?;
    reviewer
        .driver
        .find(By::Name("reason_A5"))
        .await?
        .send_keys("会见笔录未载明会见时间")
        .await?;
    reviewer.click(By::Id("cite-page")).await?;
    reviewer
        .click(By::XPath(
            "//div[@class='viewer-bar']/button[text()='下一页']",
        ))
        .await?;
    shown_page(&reviewer, "4").await?;
    reviewer.click(By::Id("cite-page")).await?;
    let cited = reviewer
        .driver
        .find(By::Name("page_A5"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(cited.as_deref(), Some("3-4"));
    reviewer.screenshot("case-file-2-cited-1366x768").await?;

    let wide = Browser::start(1920, 1080).await?;
    wide.login(&app, "reviewer", PASSWORD).await?;
    wide.driver
        .goto(app.url(&format!("{sheet}#page=3")))
        .await?;
    shown_page(&wide, "3").await?;
    wide.screenshot("case-file-3-form-1920x1080").await?;
    wide.quit().await?;

    reviewer
        .click(By::Css("button[name=action][value=submit]"))
        .await?;
    reviewer.wait_for_page_text("已提交").await?;

    // The score sheet PDF names the pages.
    let (status, _, pdf) = admin
        .download(
            &app,
            &format!("/rounds/{}/files/{}/sheets.pdf", app.round, app.file),
        )
        .await?;
    assert_eq!(status, 200);
    let text = compact(&crate::round::pdf_text(&pdf)?);
    // The pages column is narrow: the catalogue title wraps onto the next line.
    assert!(
        text.contains("第3–4页") && text.contains("《会见笔"),
        "{text}"
    );

    // So does the unit's rectification notice.
    let notice = issue_notice_of_file_unit(&app)?;
    let (status, _, pdf) = admin
        .download(&app, &format!("/notices/{notice}/pdf"))
        .await?;
    assert_eq!(status, 200);
    let text = compact(&crate::round::pdf_text(&pdf)?);
    // The problem column wraps: the reason's end and the citation stay together.
    assert!(text.contains("时间（卷宗第3–4页）"), "{text}");

    // The standalone viewer opens at a cited page.
    admin
        .driver
        .goto(app.url(&format!("{case_file}/view#page=4")))
        .await?;
    shown_page(&admin, "4").await?;
    admin.screenshot("case-file-4-viewer-1366x900").await?;
    admin.quit().await?;
    reviewer.quit().await?;
    Ok(())
}
