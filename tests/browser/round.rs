//! A whole quarterly round through the pages only, each step by the role that does it in its
//! own browser session: the administrator sets up units, the reviewer pool and accounts,
//! opens a round, imports the registry, freezes the sample and publishes the teams; three
//! reviewers score (one pair disagreeing beyond the round's rule); the team leader holds the
//! 合议 and approves; the administrator issues the 整改通知书 and downloads its PDF; the
//! center manager answers with evidence; the administrator verifies and closes; leadership
//! reads the summary and exports it. Screenshots go to `<target>/screenshots/e2e/`.

use crate::harness::{Browser, Result, Site, screenshot_dir};
use calamine::Reader;
use rust_xlsxwriter::Workbook;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thirtyfour::prelude::*;

const PASSWORD: &str = "e2e-round-passw0rd";
const WIDTH: u32 = 1366;
const HEIGHT: u32 = 900;

/// Where the numbered screenshots of this test go.
const SHOTS: &str = "e2e";

/// The units of the bureau: (code, name, kind, parent, annual target).
const UNITS: [(&str, &str, &str, &str, u32); 6] = [
    ("YC-SFJ", "银川市司法局", "司法局", "", 0),
    ("XQ", "兴庆区法律援助中心", "法律援助中心", "YC-SFJ", 270),
    ("JF", "金凤区法律援助中心", "法律援助中心", "YC-SFJ", 160),
    ("XX", "西夏区法律援助中心", "法律援助中心", "YC-SFJ", 240),
    ("LW", "灵武市法律援助中心", "法律援助中心", "YC-SFJ", 200),
    ("YN", "永宁县法律援助中心", "法律援助中心", "YC-SFJ", 150),
];

/// The reviewer pool: (login, name, unit, years, may lead). Nobody reviews their own unit,
/// and the inspected units are 兴庆区 and 金凤区.
const REVIEWERS: [(&str, &str, &str, u32, bool); 3] = [
    ("zhou-mx", "周明轩", "西夏区法律援助中心", 15, true),
    ("na-hy", "纳海燕", "灵武市法律援助中心", 8, false),
    ("ding-wb", "丁文博", "永宁县法律援助中心", 6, false),
];

fn units_xlsx() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = [
        "单位代码",
        "单位名称",
        "单位类型",
        "上级单位代码",
        "年度办案任务",
        "年度",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    for (row, (code, name, kind, parent, target)) in UNITS.iter().enumerate() {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, *code).unwrap();
        sheet.write_string(row, 1, *name).unwrap();
        sheet.write_string(row, 2, *kind).unwrap();
        sheet.write_string(row, 3, *parent).unwrap();
        if *target > 0 {
            sheet.write_number(row, 4, f64::from(*target)).unwrap();
            sheet.write_number(row, 5, 2025.0).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

fn pool_xlsx() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    let headers = [
        "姓名",
        "所属单位",
        "专长",
        "执业年限",
        "可任组长",
        "联系电话",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(0, column as u16, *header).unwrap();
    }
    for (row, (_, name, unit, years, may_lead)) in REVIEWERS.iter().enumerate() {
        let row = row as u32 + 1;
        sheet.write_string(row, 0, *name).unwrap();
        sheet.write_string(row, 1, *unit).unwrap();
        sheet.write_string(row, 2, "民事").unwrap();
        sheet.write_number(row, 3, f64::from(*years)).unwrap();
        sheet
            .write_string(row, 4, if *may_lead { "是" } else { "否" })
            .unwrap();
        sheet
            .write_string(row, 5, format!("1390951{:04}", row))
            .unwrap();
    }
    workbook.save_to_buffer().unwrap()
}

/// The quarter's registry of 兴庆区 and 金凤区: a title row, then headers as a clerk writes
/// them. Civil cases only are sampled (one per unit), so the criminal and administrative
/// rows are there to be left out.
fn registry_xlsx() -> Vec<u8> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet
        .write_string(0, 0, "2025年第三季度法律援助结案案件台账")
        .unwrap();
    let headers = [
        "所属中心",
        "援助编号",
        "受援人姓名",
        "身份证号码",
        "承办律师",
        "律师事务所",
        "案件类型",
        "案由",
        "指派日期",
        "结案日期",
        "归档日期",
    ];
    for (column, header) in headers.iter().enumerate() {
        sheet.write_string(2, column as u16, *header).unwrap();
    }
    let rows = [
        ("兴庆区法律援助中心", "民", "民事", "劳动争议", "马建华", 1),
        ("兴庆区法律援助中心", "民", "民事", "离婚纠纷", "马建华", 2),
        (
            "兴庆区法律援助中心",
            "民",
            "民事",
            "抚养费纠纷",
            "李静怡",
            3,
        ),
        ("兴庆区法律援助中心", "刑", "刑事", "盗窃罪", "李静怡", 4),
        (
            "金凤区法律援助中心",
            "民",
            "民事",
            "追索劳动报酬",
            "王志强",
            1,
        ),
        (
            "金凤区法律援助中心",
            "民",
            "民事",
            "民间借贷纠纷",
            "王志强",
            2,
        ),
        ("金凤区法律援助中心", "行", "行政", "工伤认定", "杨秀兰", 3),
    ];
    for (index, (unit, prefix, case_type, cause, handler, number)) in rows.iter().enumerate() {
        let row = index as u32 + 3;
        let code = if unit.starts_with("兴庆") {
            "XQ"
        } else {
            "JF"
        };
        let values = [
            unit.to_string(),
            format!("（2025）银{code}{prefix}援字第{number:03}号"),
            format!(
                "{}{}",
                ["张", "刘", "何"][index % 3],
                ["玥", "喆", "堃"][number % 3]
            ),
            format!("64010419800101{:04}", 1000 + index),
            handler.to_string(),
            "宁夏正衡律师事务所".to_string(),
            case_type.to_string(),
            cause.to_string(),
            "2025年7月1日".to_string(),
            format!("2025/8/{}", number + 10),
            format!("2025.9.{}", number + 10),
        ];
        for (column, value) in values.iter().enumerate() {
            sheet.write_string(row, column as u16, value).unwrap();
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// Numbered screenshots: `e2e/01-…png`, `e2e/02-…png`, … in the order taken.
struct Shots {
    next: usize,
}

impl Shots {
    async fn take(&mut self, browser: &Browser, name: &str) -> Result<PathBuf> {
        self.next += 1;
        browser
            .screenshot_page(&format!("{SHOTS}/{:02}-{name}", self.next))
            .await
    }
}

/// Uploads a file through an import form on the current page, checks the preview and
/// commits; returns the preview's text.
async fn import_through_page(
    browser: &Browser,
    shots: &mut Shots,
    file: &Path,
    shot: &str,
) -> Result<String> {
    browser.attach("file", file).await?;
    browser
        .click(By::Css("form[action='/imports'] button[type=submit]"))
        .await?;
    let preview = browser.wait_for_page_text("全部通过校验").await?;
    shots.take(browser, shot).await?;
    browser
        .click(By::Css("form[action$='/commit'] button[type=submit]"))
        .await?;
    browser
        .wait_for_url(|url| url.contains("notice=imported"))
        .await?;
    Ok(preview)
}

/// Presses the round page's “进入下一阶段” button and waits for the named stage.
async fn advance(browser: &Browser, site: &Site, round: &str, stage: &str) -> Result<String> {
    browser.open(site, &format!("/rounds/{round}")).await?;
    let button = browser
        .element(By::Css(format!(
            "form[action='/rounds/{round}/status'] button[type=submit]"
        )))
        .await?;
    assert!(
        button.text().await?.contains(stage),
        "the next stage is {stage}"
    );
    browser
        .tick_confirmations(&format!("form[action='/rounds/{round}/status']"))
        .await?;
    button.click().await?;
    browser
        .wait_for_url(|url| url.contains("notice=advanced"))
        .await?;
    let text = browser.text().await?;
    assert!(
        text.contains(&format!("当前阶段 {stage}")) || text.contains(stage),
        "{text}"
    );
    Ok(text)
}

/// What one reviewer enters on a sheet: free deductions (item, points, reason) and vetoes
/// (item, reason).
struct Scoring {
    deductions: &'static [(&'static str, &'static str, &'static str)],
    vetoes: &'static [(&'static str, &'static str)],
    total: &'static str,
    grade: &'static str,
}

/// 兴庆区's file: the first reviewer finds little, the second finds no meeting at all (a
/// veto) and more: 95 against 81, a gap over 10 and one passing, one failing → 合议.
const XQ_FIRST: Scoring = Scoring {
    deductions: &[
        ("A5", "2", "授权委托书代理权限空白"),
        ("B3", "3", "会见笔录未记载告知事项"),
    ],
    vetoes: &[],
    total: "95",
    grade: "优秀",
};
const XQ_SECOND: Scoring = Scoring {
    deductions: &[
        ("B3", "6", "卷内无会见笔录"),
        ("E3", "7", "代理意见未针对争议焦点"),
        ("F1", "6", "庭审笔录显示未发表质证意见"),
    ],
    vetoes: &[("V2", "承办期间未与受援人会见或谈话，卷内无任何笔录")],
    total: "81",
    grade: "不合格",
};
/// 金凤区's file: two close reviews (93 and 90), combined without 合议.
const JF_FIRST: Scoring = Scoring {
    deductions: &[
        ("A5", "2", "授权委托书未写明特别授权"),
        ("E3", "5", "代理词论证不充分"),
    ],
    vetoes: &[],
    total: "93",
    grade: "优秀",
};
const JF_SECOND: Scoring = Scoring {
    deductions: &[
        ("E3", "6", "代理词未回应对方抗辩"),
        ("H1", "3", "结案报告内容过简"),
        ("A5", "1", "授权权限表述不清"),
    ],
    vetoes: &[],
    total: "90",
    grade: "优秀",
};

async fn score_sheet(browser: &Browser, scoring: &Scoring) -> Result<()> {
    for (item, points, reason) in scoring.deductions {
        browser.fill(&format!("points_{item}"), points).await?;
        browser.fill(&format!("reason_{item}"), reason).await?;
    }
    for (item, reason) in scoring.vetoes {
        browser.click(By::Name(format!("veto_{item}"))).await?;
        browser.fill(&format!("veto_reason_{item}"), reason).await?;
    }
    browser
        .wait_for_text(By::Id("total"), |text| text == scoring.total)
        .await?;
    browser
        .wait_for_text(By::Id("grade"), |text| text == scoring.grade)
        .await?;
    Ok(())
}

/// The number in the key-figure box whose label starts with `label` on the summary page.
async fn key_figure(browser: &Browser, label: &str) -> Result<String> {
    let boxes = browser
        .driver
        .find_all(By::Css(".key-figures > div"))
        .await?;
    for figure in boxes {
        let caption = figure.find(By::Css(".key-label")).await?.text().await?;
        if caption.starts_with(label) {
            return Ok(figure.find(By::Css(".key-value")).await?.text().await?);
        }
    }
    Err(format!("no key figure {label}").into())
}

pub(crate) fn pdf_text(bytes: &[u8]) -> Result<String> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("notice.pdf");
    std::fs::write(&path, bytes)?;
    let output = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()?;
    assert!(output.status.success(), "pdftotext failed");
    Ok(String::from_utf8(output.stdout)?)
}

#[actix_rt::test]
async fn a_whole_quarterly_round_through_the_pages() -> Result<()> {
    let clock = std::time::Instant::now();
    let lap = |what: &str| eprintln!("{what}: {:.1} s", clock.elapsed().as_secs_f64());
    let shots_dir = screenshot_dir().join(SHOTS);
    let _ = std::fs::remove_dir_all(&shots_dir);
    std::fs::create_dir_all(&shots_dir)?;
    let mut shots = Shots { next: 0 };
    let files = tempfile::tempdir()?;
    let write = |name: &str, bytes: Vec<u8>| -> Result<PathBuf> {
        let path = files.path().join(name);
        std::fs::write(&path, bytes)?;
        Ok(path)
    };
    let units_file = write("单位名单.xlsx", units_xlsx())?;
    let pool_file = write("评查员名单.xlsx", pool_xlsx())?;
    let registry_file = write("2025年第三季度台账.xlsx", registry_xlsx())?;

    let site = Site::bare("admin", PASSWORD).await?;
    lap("server on a bare database");

    // ---- 1. The administrator: units, pool, accounts, round, registry, sample, teams.
    let admin = Browser::start(WIDTH, HEIGHT).await?;
    admin.login(&site, "admin", PASSWORD).await?;
    lap("administrator signed in");
    shots.take(&admin, "admin-home-empty").await?;
    admin.open(&site, "/units").await?;
    let preview = import_through_page(&admin, &mut shots, &units_file, "units-preview").await?;
    assert!(preview.contains("兴庆区法律援助中心"), "{preview}");
    let units = admin.wait_for_page_text("永宁县法律援助中心").await?;
    assert!(units.contains("银川市司法局"), "{units}");

    admin.open(&site, "/people").await?;
    let preview = import_through_page(&admin, &mut shots, &pool_file, "pool-preview").await?;
    assert!(preview.contains("周明轩"), "{preview}");
    admin.wait_for_page_text("丁文博").await?;

    admin.open(&site, "/admin/users").await?;
    // (login, name, role, unit, pool member)
    type NewAccount<'a> = (&'a str, &'a str, &'a str, Option<&'a str>, Option<&'a str>);
    let mut accounts: Vec<NewAccount> = vec![
        ("ma-leader", "马局长", "领导", None, None),
        (
            "xq-manager",
            "张玥",
            "中心负责人",
            Some("兴庆区法律援助中心"),
            None,
        ),
    ];
    for (login, name, _, _, _) in REVIEWERS {
        accounts.push((login, name, "评查员", None, Some(name)));
    }
    for (login, name, role, unit, person) in &accounts {
        admin.open(&site, "/admin/users").await?;
        admin.fill("login", login).await?;
        admin.fill("display_name", name).await?;
        admin.choose("role", role).await?;
        if let Some(unit) = unit {
            admin.choose("unit_id", unit).await?;
        }
        if let Some(person) = person {
            admin.choose("person_id", person).await?;
        }
        admin.fill("password", PASSWORD).await?;
        admin.submit("/admin/users").await?;
        admin
            .wait_for_url(|url| url.contains("notice=created"))
            .await?;
    }
    let users = admin.wait_for_page_text("账户已创建").await?;
    assert!(users.contains("ding-wb"), "{users}");
    shots.take(&admin, "accounts").await?;
    lap("units, pool and accounts through the pages");

    admin.open(&site, "/rounds").await?;
    admin.fill("name", "2025年第三季度案卷评查").await?;
    for (name, date) in [
        ("period_start", "2025-07-01"),
        ("period_end", "2025-09-30"),
        ("review_deadline", "2025-10-31"),
    ] {
        let field = admin.element(By::Name(name)).await?;
        admin
            .driver
            .execute(
                "arguments[0].value = arguments[1];",
                vec![field.to_json()?, serde_json::json!(date)],
            )
            .await?;
    }
    admin.fill("escalate_gap", "10").await?;
    shots.take(&admin, "round-form").await?;
    admin.submit("/rounds").await?;
    admin
        .wait_for_url(|url| url.contains("/rounds/") && !url.ends_with("/rounds"))
        .await?;
    let round = admin
        .driver
        .current_url()
        .await?
        .path()
        .trim_start_matches("/rounds/")
        .to_string();
    let page = admin.wait_for_page_text("导入案件台账").await?;
    assert!(page.contains("草稿"), "{page}");

    let preview =
        import_through_page(&admin, &mut shots, &registry_file, "registry-preview").await?;
    assert!(preview.contains("新增 7 件"), "{preview}");
    assert!(!preview.contains("张玥"), "names are masked: {preview}");
    let page = admin.wait_for_page_text("本轮期间内结案 7 件").await?;
    assert!(page.contains("兴庆区法律援助中心"), "{page}");
    advance(&admin, &site, &round, "抽样").await?;

    admin.choose("strategy", "固定数量").await?;
    admin.fill("quota_criminal", "0").await?;
    admin.fill("quota_civil", "1").await?;
    admin.fill("quota_administrative", "0").await?;
    admin.submit(&format!("/rounds/{round}/plan")).await?;
    admin
        .wait_for_url(|url| url.contains("notice=plan"))
        .await?;
    admin.click(By::LinkText("预览抽样结果")).await?;
    admin.wait_for_page_text("这是预览").await?;
    shots.take(&admin, "sample-preview").await?;
    admin
        .submit(&format!("/rounds/{round}/sample/freeze"))
        .await?;
    admin
        .wait_for_url(|url| url.contains("notice=frozen"))
        .await?;
    let page = admin.wait_for_page_text("共 2 件").await?;
    assert!(page.contains("随机种子"), "{page}");
    shots.take(&admin, "sample-frozen").await?;
    // The frozen sample page links each unit's 抽查案卷清单.
    admin.click(By::LinkText("查看清单与各单位下载")).await?;
    let lists = admin
        .driver
        .find_all(By::Css("a[href*='/sample/units/']"))
        .await?;
    assert!(!lists.is_empty(), "the unit lists are links");
    assert!(admin.text().await?.contains("抽查案卷清单（Excel）"));
    advance(&admin, &site, &round, "分组").await?;

    admin.click(By::LinkText("查看和生成分组")).await?;
    admin.fill("double_percent", "100").await?;
    admin.fill("seed", "7").await?;
    admin
        .submit(&format!("/rounds/{round}/teams/generate"))
        .await?;
    let teams = admin.wait_for_page_text("第 1 版").await?;
    assert!(teams.contains("周明轩"), "{teams}");
    assert!(
        teams.contains("西夏区法律援助中心"),
        "members' own units are named: {teams}"
    );
    shots.take(&admin, "teams-draft").await?;
    admin
        .submit(&format!("/rounds/{round}/teams/1/publish"))
        .await?;
    admin
        .wait_for_url(|url| url.contains("notice=published"))
        .await?;
    shots.take(&admin, "teams-published").await?;
    advance(&admin, &site, &round, "评查").await?;
    lap("round open, registry imported, sample frozen, teams published");

    // ---- 2. Reviewers score their files; the second review of a file follows the first.
    let mut reviews: BTreeMap<String, usize> = BTreeMap::new();
    let mut xq_file = None;
    for (login, name, _, _, _) in REVIEWERS {
        let reviewer = Browser::start(WIDTH, HEIGHT).await?;
        reviewer.login(&site, login, PASSWORD).await?;
        reviewer.open(&site, "/my/work").await?;
        let work = reviewer.wait_for_page_text("我的评查工作").await?;
        assert!(work.contains(name), "{work}");
        shots.take(&reviewer, &format!("work-{login}")).await?;
        let mut rows = Vec::new();
        for row in reviewer.driver.find_all(By::Css("table tbody tr")).await? {
            let Ok(link) = row.find(By::Css("a[href$='/sheet']")).await else {
                continue;
            };
            let href = link.attr("href").await?.unwrap_or_default();
            rows.push((href, row.text().await?));
        }
        for (href, text) in rows {
            let unit_is_xq = text.contains("兴庆区");
            let seen = reviews.entry(href.clone()).or_default();
            *seen += 1;
            let scoring = match (unit_is_xq, *seen) {
                (true, 1) => &XQ_FIRST,
                (true, _) => &XQ_SECOND,
                (false, 1) => &JF_FIRST,
                (false, _) => &JF_SECOND,
            };
            if unit_is_xq {
                xq_file = Some(href.clone());
            }
            reviewer.open(&site, &href).await?;
            reviewer.wait_for_page_text("当前得分").await?;
            score_sheet(&reviewer, scoring).await?;
            reviewer.click(By::Css("button[value=submit]")).await?;
            reviewer
                .wait_for_text(By::Css(".status"), |text| text == "已提交")
                .await?;
            shots
                .take(&reviewer, &format!("sheet-{login}-{}", scoring.total))
                .await?;
        }
        reviewer.quit().await?;
    }
    assert_eq!(reviews.len(), 2, "two files sampled: {reviews:?}");
    assert!(
        reviews.values().all(|count| *count == 2),
        "each file reviewed twice: {reviews:?}"
    );
    let xq_file = xq_file.ok_or("no file of 兴庆区")?;
    lap("four sheets scored and submitted");

    // ---- 3. The team leader holds the 合议 on 兴庆区's file and approves the results.
    let (leader_login, _, _, _, _) = REVIEWERS[0];
    let leader = Browser::start(WIDTH, HEIGHT).await?;
    leader.login(&site, leader_login, PASSWORD).await?;
    leader.open(&site, "/my/work").await?;
    leader.click(By::LinkText("本组评查进度")).await?;
    leader.click(By::LinkText("合议与审核")).await?;
    let queue = leader.wait_for_page_text("待合议案卷（1）").await?;
    assert!(queue.contains("95"), "{queue}");
    shots.take(&leader, "reconciliation-queue").await?;
    leader.click(By::Css("#queue a.button")).await?;
    let form = leader.wait_for_page_text("扣分对照").await?;
    assert!(form.contains("卷内无会见笔录"), "{form}");
    assert!(
        form.contains("一票否决：承办期间未与受援人会见或谈话"),
        "the veto is shown beside the deductions: {form}"
    );
    assert!(
        leader.driver.current_url().await?.path()
            == xq_file.replace("/sheet", "/reconcile").as_str(),
        "the queue leads to 兴庆区's file"
    );
    leader.fill("final_total", "81").await?;
    leader.choose("final_grade", "不合格").await?;
    leader.click(By::Name("vetoed")).await?;
    leader
        .fill("reason", "经合议，卷内确无会见或谈话笔录，认定一票否决。")
        .await?;
    for participant in leader.driver.find_all(By::Name("participant")).await? {
        if !participant.is_selected().await? {
            participant.click().await?;
        }
    }
    shots.take(&leader, "reconciliation-form").await?;
    leader
        .click(By::Css("#reconcile button[type=submit]"))
        .await?;
    let queue = leader.wait_for_page_text("待合议案卷（0）").await?;
    assert!(queue.contains("不合格"), "{queue}");
    leader
        .submit(&format!("/rounds/{round}/team/approve"))
        .await?;
    let approved = leader.wait_for_page_text("审核确认（共 2 份案卷）").await?;
    assert!(approved.contains("81"), "{approved}");
    shots.take(&leader, "team-approved").await?;
    leader.quit().await?;
    lap("合议 held and the team's results approved");

    // ---- 4. The administrator enters 反馈整改, drafts and issues the notice, gets the PDF.
    advance(&admin, &site, &round, "反馈整改").await?;
    admin.click(By::LinkText("问题与整改")).await?;
    admin
        .submit(&format!("/rounds/{round}/notices/draft"))
        .await?;
    let xq_draft =
        By::XPath("//section[contains(., '兴庆区法律援助中心')]//a[contains(., '整改通知书草稿')]");
    admin.element(xq_draft.clone()).await?;
    shots.take(&admin, "findings-and-drafts").await?;
    admin.click(xq_draft).await?;
    let draft = admin.wait_for_page_text("下发整改通知书").await?;
    assert!(draft.contains("兴庆区法律援助中心"), "{draft}");
    assert!(draft.contains("一票否决"), "{draft}");
    admin.tick_confirmations("form[action$='/issue']").await?;
    admin
        .click(By::Css("form[action$='/issue'] button[type=submit]"))
        .await?;
    admin
        .wait_for_url(|url| url.contains("notice=issued"))
        .await?;
    let issued = admin.wait_for_page_text("下载整改通知书（PDF）").await?;
    shots.take(&admin, "notice-issued").await?;
    let notice_path = admin.driver.current_url().await?.path().to_string();
    let pdf_link = admin
        .element(By::LinkText("下载整改通知书（PDF）"))
        .await?
        .attr("href")
        .await?
        .ok_or("no PDF link")?;
    let (status, content_type, pdf) = admin.download(&site, &pdf_link).await?;
    assert_eq!(status, 200);
    assert!(content_type.contains("pdf"), "{content_type}");
    assert!(pdf.starts_with(b"%PDF"), "a PDF");
    let text = pdf_text(&pdf)?;
    assert!(text.contains("兴庆区法律援助中心"), "{text}");
    let number = issued
        .lines()
        .find(|line| line.contains("〔2025〕") || line.contains("号"))
        .unwrap_or_default()
        .to_string();
    std::fs::write(shots_dir.join("notice.pdf"), &pdf)?;
    lap("notice issued and its PDF read back");

    // ---- 5. The center manager answers each finding with measures and evidence.
    let manager = Browser::start(WIDTH, HEIGHT).await?;
    manager.login(&site, "xq-manager", PASSWORD).await?;
    // The home names the current round, what to do next and the unit's notices.
    manager.open(&site, "/").await?;
    let home = manager.text().await?;
    assert!(home.contains("当前评查轮次"), "{home}");
    assert!(home.contains("下一步：评查结果已反馈"), "{home}");
    assert!(home.contains("本单位整改通知书"), "{home}");
    manager.open(&site, "/notices").await?;
    shots.take(&manager, "manager-notices").await?;
    manager
        .click(By::Css("table tbody a[href^='/notices/']"))
        .await?;
    manager.wait_for_page_text("问题清单").await?;
    let evidence = shots_dir.join("01-admin-home-empty.png");
    for _ in 0..20 {
        let open = manager
            .driver
            .find_all(By::XPath("//table//a[normalize-space(.)='整改']"))
            .await?;
        let mut pending = None;
        for link in open {
            let row = link.find(By::XPath("./ancestor::tr")).await?.text().await?;
            if !row.contains("已提交") {
                pending = Some(link);
                break;
            }
        }
        let Some(link) = pending else { break };
        link.click().await?;
        manager.wait_for_page_text("整改措施").await?;
        manager
            .fill(
                "text",
                "已组织承办律师补正卷宗，并对全体律师开展会见规范培训。",
            )
            .await?;
        manager
            .click(By::Css("form[action$='/measures'] button[type=submit]"))
            .await?;
        manager
            .wait_for_url(|url| url.contains("notice=saved"))
            .await?;
        manager.attach("file", &evidence).await?;
        manager
            .click(By::Css("form[action*='/evidence'] button[type=submit]"))
            .await?;
        manager
            .wait_for_url(|url| url.contains("notice=uploaded"))
            .await?;
        manager
            .wait_for_page_text("01-admin-home-empty.png")
            .await?;
        if shots.next < 40 {
            shots.take(&manager, "manager-finding").await?;
        }
        manager
            .click(By::Css("form[action$='/submit'] button[type=submit]"))
            .await?;
        manager
            .wait_for_url(|url| url.contains("notice=done"))
            .await?;
    }
    manager
        .fill(
            "text",
            "兴庆区法律援助中心已完成全部问题整改，佐证材料附后。",
        )
        .await?;
    manager
        .click(By::Css("form[action$='/report'] button[type=submit]"))
        .await?;
    let reported = manager.wait_for_page_text("已完成全部问题整改").await?;
    shots.take(&manager, "manager-report").await?;
    manager.quit().await?;
    assert!(!reported.contains("未填写"), "{reported}");
    lap("the manager answered every finding");

    // ---- 6. The administrator verifies each finding and closes the notice.
    admin.open(&site, &notice_path).await?;
    for _ in 0..20 {
        admin.wait_for_page_text("问题清单").await?;
        let links = admin
            .driver
            .find_all(By::XPath("//table//a[normalize-space(.)='查看']"))
            .await?;
        let mut pending = None;
        for link in links {
            let row = link.find(By::XPath("./ancestor::tr")).await?.text().await?;
            if !row.contains("已核验") {
                pending = Some(link);
                break;
            }
        }
        let Some(link) = pending else { break };
        link.click().await?;
        admin.wait_for_page_text("核验通过").await?;
        admin.fill("text", "佐证材料齐全，整改到位。").await?;
        admin
            .click(By::Css("form[action$='/verify'] button[type=submit]"))
            .await?;
        admin
            .wait_for_url(|url| url.contains("notice=done"))
            .await?;
    }
    let close = By::Css("form[action$='/close'] button[type=submit]");
    admin.click(close.clone()).await?;
    admin.wait_until_gone(close).await?;
    let closed = admin.wait_for_page_text("整改通知书已办结").await?;
    shots.take(&admin, "notice-closed").await?;
    assert!(closed.contains("状态\n已办结"), "{closed}");
    admin.quit().await?;
    lap("verified and closed");

    // ---- 7. Leadership reads the summary and exports it; a figure matches the XLSX.
    let chief = Browser::start(WIDTH, HEIGHT).await?;
    chief.login(&site, "ma-leader", PASSWORD).await?;
    chief.open(&site, "/summary").await?;
    shots.take(&chief, "leadership-trend").await?;
    chief
        .open(&site, &format!("/rounds/{round}/summary"))
        .await?;
    let summary = chief.wait_for_page_text("汇总分析").await?;
    shots.take(&chief, "leadership-round-summary").await?;
    let files_figure = key_figure(&chief, "已出结果案卷").await?;
    let mean_figure = key_figure(&chief, "平均分").await?;
    assert_eq!(files_figure, "2", "{summary}");
    assert!(
        summary.contains("兴庆区法律援助中心 4 270"),
        "the imported 2025 target is read: {summary}"
    );
    let export = chief
        .element(By::LinkText("导出 Excel"))
        .await?
        .attr("href")
        .await?
        .ok_or("no export link")?;
    let (status, _, xlsx) = chief.download(&site, &export).await?;
    assert_eq!(status, 200);
    assert!(xlsx.starts_with(b"PK"), "an XLSX");
    let mut workbook = calamine::Xlsx::new(std::io::Cursor::new(xlsx))?;
    let mut cells = Vec::new();
    for name in workbook.sheet_names() {
        let range = workbook.worksheet_range(&name)?;
        for row in range.rows() {
            cells.push(
                row.iter()
                    .map(|cell| cell.to_string())
                    .collect::<Vec<_>>()
                    .join(" | "),
            );
        }
    }
    let mean: f64 = mean_figure.parse()?;
    let found = cells.iter().any(|row| {
        row.split(" | ").any(|cell| {
            cell.parse::<f64>()
                .is_ok_and(|value| (value - mean).abs() <= 0.051)
        })
    });
    assert!(
        found,
        "the page's mean {mean} is in the workbook:\n{}",
        cells.join("\n")
    );
    chief.quit().await?;
    lap("summary read and exported");
    eprintln!("notice number line: {number}");
    Ok(())
}
