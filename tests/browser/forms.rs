//! A form the server refuses keeps what was typed: the administrator's bureau settings with a
//! name over its length limit are refused on an error page that says the text is kept, and the
//! form, opened again, holds the typed text with a note (templates/assets/forms.js).

use crate::PASSWORD;
use crate::harness::{App, Browser, Result};
use thirtyfour::prelude::*;

#[actix_rt::test]
async fn a_refused_form_gives_back_what_was_typed() -> Result<()> {
    let app = App::start().await?;
    let browser = Browser::start(1366, 768).await?;
    browser.login(&app, "admin", PASSWORD).await?;
    browser.open(&app, "/admin/bureau").await?;
    // 60 characters: the limit of 发文机关名称 is 50 (domain::text_limits).
    let typed = "银川市司法局法律援助案卷交叉评查工作领导小组办公室".repeat(3);
    let typed: String = typed.chars().take(60).collect();
    browser.fill("bureau_name", &typed).await?;
    browser.submit("/admin/bureau").await?;
    let refused = browser.wait_for_page_text("您填写的内容没有丢失").await?;
    assert!(refused.contains("不能超过 50 个字"), "{refused}");
    browser.screenshot("form-refused-1-error-page").await?;

    // Back to the form, as the error page leads: the typed name is in the field again.
    browser.click(By::Css("a[data-back]")).await?;
    browser
        .wait_for_page_text("已恢复您上次提交时填写的内容")
        .await?;
    let field = browser.element(By::Name("bureau_name")).await?;
    assert_eq!(field.prop("value").await?.as_deref(), Some(typed.as_str()));
    browser.screenshot("form-refused-2-typed-text-back").await?;

    // Kept once: opening the form afterwards shows the stored settings again.
    browser.open(&app, "/admin/bureau").await?;
    let field = browser.element(By::Name("bureau_name")).await?;
    assert_ne!(field.prop("value").await?.as_deref(), Some(typed.as_str()));
    browser.quit().await?;
    Ok(())
}
