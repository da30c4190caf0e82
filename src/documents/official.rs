//! Pieces of a GB/T 9704-2012 official document shared by the notice, the feedback report and
//! the bulletin: the red 版头, the title, 主送, body paragraphs with 一、/（一） headings,
//! the signature block with room for the seal, and the 版记.

use chrono::NaiveDate;

use super::Error;
use super::chinese::chinese_date;
use super::pdf::{Align, Colour, FontRole, Layout, Paragraph, TextStyle, mm, official_body};

/// 3号 body text on the 28 × 22 grid.
pub(crate) fn body_style() -> TextStyle {
    official_body(FontRole::Body)
}

/// The red issuing-organ mark, the document number two lines below it and the red separator
/// line, placed as GB/T 9704 §7.2 puts them (mark 35 mm below the top of the text block).
pub(crate) fn red_header(
    layout: &mut Layout<'_>,
    organ_mark: &str,
    doc_number: &str,
) -> Result<(), Error> {
    let block_top = layout.cursor();
    let mut size: f32 = 42.0;
    let probe = TextStyle::new(FontRole::Title, size, size * 1.2);
    layout.check(FontRole::Title, organ_mark, "发文机关标志");
    let width = layout
        .fonts()
        .width(&probe.with_tracking(size * 0.08), organ_mark);
    if width > layout.block_width() {
        size *= layout.block_width() / width;
    }
    let mark = TextStyle::new(FontRole::Title, size, size * 1.2)
        .with_colour(Colour::RED)
        .with_tracking(size * 0.08);
    layout.move_to(block_top + mm(35.0) - (mark.leading - size) / 2.0);
    layout.line(&mark, organ_mark, Align::Centre, "发文机关标志")?;
    let body = body_style();
    layout.skip(body.leading);
    layout.line(&body, doc_number, Align::Centre, "发文字号")?;
    layout.skip(mm(4.0) - (body.leading - body.size) / 2.0);
    layout.rule(1.2, Colour::RED);
    layout.skip(body.leading);
    Ok(())
}

/// The title in 2号 小标宋, centred; then one blank line. A title too long for one line is
/// broken in two where the lines are most even, preferring a break after 的/于/度/查 so words
/// stay whole (GB/T 9704 §7.3.1: 回行时要做到词意完整，排列对称).
pub(crate) fn title(layout: &mut Layout<'_>, text: &str) -> Result<(), Error> {
    let style = TextStyle::new(FontRole::Title, 22.0, 35.0);
    let width = layout.block_width();
    let lines = layout.wrap(&style, text, width, width, "标题")?;
    let lines: Vec<String> = if lines.len() == 2 {
        let fonts = layout.fonts();
        let mut best: Option<(f32, usize)> = None;
        for (index, character) in text.char_indices().skip(1) {
            let (first, second) = text.split_at(index);
            let (first_width, second_width) =
                (fonts.width(&style, first), fonts.width(&style, second));
            if first_width > width
                || second_width > width
                || character.is_ascii_digit() && first.ends_with(|c: char| c.is_ascii_digit())
            {
                continue;
            }
            let preferred =
                first.ends_with(['的', '于', '度', '查', '局', '心']) || second.starts_with("关于");
            let cost = (first_width - second_width).abs()
                + if preferred { 0.0 } else { 12.0 * style.size };
            if best.is_none_or(|(best_cost, _)| cost < best_cost) {
                best = Some((cost, index));
            }
        }
        match best {
            Some((_, index)) => vec![text[..index].to_owned(), text[index..].to_owned()],
            None => lines.into_iter().map(|(line, _)| line).collect(),
        }
    } else {
        lines.into_iter().map(|(line, _)| line).collect()
    };
    for line in lines {
        layout.line(&style, &line, Align::Centre, "标题")?;
    }
    layout.skip(body_style().leading);
    Ok(())
}

/// A plain unnumbered subtitle line (e.g. the round), centred in 3号 楷体.
pub(crate) fn subtitle(layout: &mut Layout<'_>, text: &str) -> Result<(), Error> {
    let style = TextStyle {
        role: FontRole::Kai,
        ..body_style()
    };
    layout.paragraph(text, &Paragraph::plain(style, Align::Centre), "副标题")
}

/// 主送机关: flush left, ending with a full-width colon.
pub(crate) fn addressee(layout: &mut Layout<'_>, unit: &str) -> Result<(), Error> {
    layout.paragraph(
        &format!("{unit}："),
        &Paragraph::plain(body_style(), Align::Left),
        "主送机关",
    )
}

/// Body text: one paragraph per line of `text`. Lines that start with 一、 are set in the
/// heading font, （一） in 楷体, all with the two-character indent.
pub(crate) fn body(layout: &mut Layout<'_>, text: &str, context: &str) -> Result<(), Error> {
    for paragraph in text
        .split('\n')
        .map(str::trim)
        .filter(|line| !line.is_empty())
    {
        let role = if is_first_level_heading(paragraph) {
            FontRole::Heading
        } else if paragraph.starts_with('（')
            && paragraph.contains('）')
            && paragraph.chars().nth(1).is_some_and(is_chinese_digit)
        {
            FontRole::Kai
        } else {
            FontRole::Body
        };
        let style = TextStyle {
            role,
            ..body_style()
        };
        if role == FontRole::Heading {
            // Keep a heading with the first lines of what follows.
            layout.ensure(3.0 * style.leading);
        }
        layout.paragraph(paragraph, &Paragraph::body(style), context)?;
    }
    Ok(())
}

/// Lines of the signature block ([`signature`]): two blank for the seal, issuer, date.
pub(crate) const SIGNATURE_LINES: f32 = 4.0;

/// Body text whose last two lines stay on the page of what follows (`after` points: the
/// signature block and anything between), so a page never holds only the signature
/// (GB/T 9704 §7.3.5: no page with 署名 and 日期 but no text).
pub(crate) fn body_kept_with(
    layout: &mut Layout<'_>,
    text: &str,
    after: f32,
    context: &str,
) -> Result<(), Error> {
    let paragraphs: Vec<&str> = text
        .split('\n')
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect();
    let Some((last, first)) = paragraphs.split_last() else {
        return Ok(());
    };
    body(layout, &first.join("\n"), context)?;
    let style = body_style();
    layout.paragraph(
        last,
        &Paragraph {
            keep_after: after,
            ..Paragraph::body(style)
        },
        context,
    )
}

/// A first-level heading (一、评查基本情况) in the heading font.
pub(crate) fn heading(layout: &mut Layout<'_>, text: &str) -> Result<(), Error> {
    let style = TextStyle {
        role: FontRole::Heading,
        ..body_style()
    };
    layout.ensure(3.0 * style.leading);
    layout.paragraph(text, &Paragraph::body(style), "标题")
}

fn is_chinese_digit(character: char) -> bool {
    "一二三四五六七八九十".contains(character)
}

fn is_first_level_heading(paragraph: &str) -> bool {
    let digits = paragraph
        .chars()
        .take_while(|character| is_chinese_digit(*character))
        .count();
    digits > 0 && paragraph.chars().nth(digits) == Some('、')
}

/// 发文机关署名 centred over 成文日期, the date four characters in from the right, with room
/// above for the seal to press on both (GB/T 9704 §7.3.5.1). The block never splits.
pub(crate) fn signature(
    layout: &mut Layout<'_>,
    issuer: &str,
    date: NaiveDate,
) -> Result<(), Error> {
    let style = body_style();
    let date_text = chinese_date(date);
    layout.ensure(SIGNATURE_LINES * style.leading);
    layout.skip(2.0 * style.leading);
    let date_width = layout.fonts().width(&style, &date_text);
    let right_inset = 4.0 * (style.size + style.tracking);
    let issuer_width = layout.fonts().width(&style, issuer);
    let date_left = layout.right() - right_inset - date_width;
    let issuer_left =
        (date_left + date_width / 2.0 - issuer_width / 2.0).min(layout.right() - issuer_width);
    layout.check(style.role, issuer, "发文机关署名");
    let top = layout.cursor();
    layout.text_at(issuer_left, top, &style, issuer, style.tracking);
    layout.text_at(
        date_left,
        top + style.leading,
        &style,
        &date_text,
        style.tracking,
    );
    layout.skip(2.0 * style.leading);
    Ok(())
}

/// 附注: （联系人：……） one line below the date, indented two characters.
pub(crate) fn note(layout: &mut Layout<'_>, text: &str) -> Result<(), Error> {
    layout.paragraph(
        &format!("（{text}）"),
        &Paragraph::body(body_style()),
        "附注",
    )
}

/// 附件说明 (GB/T 9704 §7.3.4): one blank line below the body, two characters in, 附件：
/// then the names, numbered 1. 2. … in Arabic numerals, later names aligned under the first.
pub(crate) fn attachment_list(layout: &mut Layout<'_>, names: &[&str]) -> Result<(), Error> {
    let style = body_style();
    let label = "附件：";
    let label_width = layout.fonts().width(&style, label) + style.tracking;
    layout.ensure(2.0 * style.leading);
    layout.skip(style.leading);
    for (index, name) in names.iter().enumerate() {
        let text = format!(
            "{}{}. {name}",
            if index == 0 { label } else { "" },
            index + 1
        );
        let inset = if index == 0 { 0.0 } else { label_width };
        let paragraph = Paragraph {
            indent: 2.0,
            inset,
            align: Align::Left,
            ..Paragraph::body(style)
        };
        layout.paragraph(&text, &paragraph, "附件说明")?;
    }
    Ok(())
}

/// The first page of attachment `number` (GB/T 9704 §8): a new page, 附件N in 3号 黑体 flush
/// left on the first line, the attachment's title centred on the third.
pub(crate) fn attachment_start(
    layout: &mut Layout<'_>,
    number: usize,
    name: &str,
) -> Result<(), Error> {
    layout.new_page();
    let style = TextStyle {
        role: FontRole::Heading,
        ..body_style()
    };
    layout.line(&style, &format!("附件{number}"), Align::Left, "附件")?;
    layout.skip(body_style().leading);
    title(layout, name)
}

/// What the 版记 holds.
pub(crate) struct Imprint<'a> {
    /// 抄送机关; the row is left out when empty.
    pub copy_to: &'a [String],
    /// 印发机关; without it the 版记 is left out (the 核验码 still prints).
    pub printed_by: Option<&'a str>,
    /// 印发日期.
    pub date: NaiveDate,
    /// The 核验码 of an issued document, printed just above the 版记 inside the text block.
    pub code: Option<&'a str>,
}

/// 版记 at the foot of the last page (GB/T 9704 §7.4): 抄送 and 印发机关 with 印发日期 in
/// 4号, one character in from each side, between a 0.35 mm rule above and below and a
/// 0.25 mm rule between the rows; the 核验码 line just above it, inside the text block.
pub(crate) fn imprint(layout: &mut Layout<'_>, imprint: &Imprint<'_>) -> Result<(), Error> {
    let style = TextStyle::new(FontRole::Body, 14.0, 24.0)
        .with_tracking(official_body(FontRole::Body).tracking);
    let code_style = TextStyle::new(FontRole::Body, 10.5, 16.0);
    let code_line = imprint
        .code
        .map(|code| format!("核验码：{code}（可在本系统“文书核验”页面核验）"));
    let rows = match (imprint.printed_by, imprint.copy_to.is_empty()) {
        (None, _) => 0.0,
        (Some(_), true) => 1.0,
        (Some(_), false) => 2.0,
    };
    let mut height = if rows > 0.0 {
        rows * style.leading + 2.0
    } else {
        0.0
    };
    if code_line.is_some() {
        height += code_style.leading + 4.0;
    }
    if layout.remaining() < height + style.leading {
        layout.new_page();
    }
    layout.move_to(layout.cursor() + layout.remaining() - height);
    if let Some(line) = &code_line {
        layout.line(&code_style, line, Align::Left, "核验码")?;
        layout.skip(4.0);
    }
    let Some(printed_by) = imprint.printed_by else {
        return Ok(());
    };
    layout.rule(1.0, Colour::BLACK);
    let inset = style.size;
    if !imprint.copy_to.is_empty() {
        let text = format!("抄送：{}。", imprint.copy_to.join("，"));
        layout.check(style.role, &text, "抄送机关");
        let paragraph = Paragraph {
            inset,
            right_inset: inset,
            ..Paragraph::plain(style, Align::Left)
        };
        layout.paragraph(&text, &paragraph, "抄送机关")?;
        layout.rule(0.7, Colour::BLACK);
    }
    layout.check(style.role, printed_by, "印发机关");
    let printed_on = format!("{}印发", chinese_date(imprint.date));
    let top = layout.cursor();
    let right_width = layout.fonts().width(&style, &printed_on);
    let (left, right) = (layout.left(), layout.right());
    layout.text_at(left + inset, top, &style, printed_by, style.tracking);
    layout.text_at(
        right - inset - right_width,
        top,
        &style,
        &printed_on,
        style.tracking,
    );
    layout.skip(style.leading);
    layout.rule(1.0, Colour::BLACK);
    Ok(())
}
