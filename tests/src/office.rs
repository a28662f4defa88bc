//! Documents printed as officials print them: LibreOffice headless converts a workbook or
//! a Word document to PDF, and poppler's `pdftotext -bbox-layout` reads back each page's
//! text lines with their boxes, to check what a reader of the printed page sees.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, bail};

/// One line of text on a printed page, its box in points from the page's top left.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x_min: f64,
    pub y_min: f64,
    pub x_max: f64,
    pub y_max: f64,
    pub text: String,
}

impl Line {
    /// Whether one line is printed over the other. A line's box is its font's whole
    /// height, stacked Vietnamese marks included, so the boxes of two lines that follow
    /// each other in a paragraph overlap by a sixth or so; a line printed over another
    /// (text run out of its row into the next) covers much more of it.
    pub fn overlaps(&self, other: &Line) -> bool {
        let dx = self.x_max.min(other.x_max) - self.x_min.max(other.x_min);
        let dy = self.y_max.min(other.y_max) - self.y_min.max(other.y_min);
        let height = (self.y_max - self.y_min).min(other.y_max - other.y_min);
        dx > 0.5 && dy > 0.3 * height
    }
}

/// The pages of a PDF, each the list of its text lines in reading order.
pub type Pages = Vec<Vec<Line>>;

/// `file` (its type from its extension: `.xlsx`, `.docx`) printed to PDF by LibreOffice,
/// in a profile of its own so that tests may run side by side. The PDF's path.
///
/// LibreOffice itself now and then aborts while it sets a fresh profile up ("Fatal
/// exception: Signal 6", seen once in about a hundred prints on this machine, on files
/// it printed fine the next time): such a crash is tried again, twice at most, in a new
/// profile. A file it refuses without crashing fails at once.
pub fn print_to_pdf(file: &Path) -> anyhow::Result<std::path::PathBuf> {
    let mut tries = 0;
    loop {
        tries += 1;
        match print_once(file)? {
            Ok(pdf) => return Ok(pdf),
            Err((crashed, said)) if crashed && tries < 3 => {
                eprintln!(
                    "LibreOffice crashed printing {} (try {tries}): {said}",
                    file.display()
                );
            }
            Err((_, said)) => bail!("LibreOffice did not print {}: {said}", file.display()),
        }
    }
}

/// One print: the PDF, or whether LibreOffice crashed and what it said.
fn print_once(file: &Path) -> anyhow::Result<Result<std::path::PathBuf, (bool, String)>> {
    let dir = file.parent().context("a file in a directory")?;
    let profile = tempfile::tempdir()?;
    let out = Command::new("soffice")
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.path().display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir)
        .arg(file)
        .output()
        .context("LibreOffice (soffice) is needed: scripts/test installs it")?;
    let pdf = file.with_extension("pdf");
    if out.status.success() && pdf.exists() {
        return Ok(Ok(pdf));
    }
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let crashed = said.contains("Fatal exception") || {
        use std::os::unix::process::ExitStatusExt;
        out.status.signal().is_some()
    };
    Ok(Err((crashed, said)))
}

/// The text lines of every page of a PDF (`pdftotext -bbox-layout`).
pub fn pdf_lines(pdf: &Path) -> anyhow::Result<Pages> {
    let out = Command::new("pdftotext")
        .arg("-bbox-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .context("pdftotext (poppler-utils) is needed: scripts/test installs it")?;
    if !out.status.success() {
        bail!("pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    }
    parse_bbox(&String::from_utf8(out.stdout)?)
}

/// Reads pdftotext's XHTML: `<page>`s of `<line xMin=… yMin=… xMax=… yMax=…>`s of
/// `<word>`s.
fn parse_bbox(xhtml: &str) -> anyhow::Result<Pages> {
    let mut pages = Vec::new();
    for page in xhtml.split("<page ").skip(1) {
        let mut lines = Vec::new();
        for line in page.split("<line ").skip(1) {
            let (attrs, body) = line.split_once('>').context("a line's tag")?;
            let attr = |name: &str| -> anyhow::Result<f64> {
                let rest = attrs
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .with_context(|| format!("{name} of a line"))?;
                Ok(rest.split('"').next().unwrap_or_default().parse()?)
            };
            let body = body.split("</line>").next().unwrap_or_default();
            let words: Vec<String> = body
                .split("<word ")
                .skip(1)
                .filter_map(|w| {
                    let text = w.split_once('>')?.1.split("</word>").next()?;
                    Some(unescape(text))
                })
                .collect();
            lines.push(Line {
                x_min: attr("xMin")?,
                y_min: attr("yMin")?,
                x_max: attr("xMax")?,
                y_max: attr("yMax")?,
                text: words.join(" "),
            });
        }
        pages.push(lines);
    }
    Ok(pages)
}

/// A printed page's size in points (1/72 inch), width by height.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PageSize {
    pub width: f64,
    pub height: f64,
}

impl PageSize {
    /// ISO A4 (210 × 297 mm), upright or turned, to within a point.
    pub fn is_a4(&self) -> bool {
        let (short, long) = (self.width.min(self.height), self.width.max(self.height));
        (short - 595.28).abs() < 1.0 && (long - 841.89).abs() < 1.0
    }
}

/// Millimetres in points.
pub fn mm(mm: f64) -> f64 {
    mm * 72.0 / 25.4
}

/// Every page's size (`pdfinfo`).
pub fn page_sizes(pdf: &Path) -> anyhow::Result<Vec<PageSize>> {
    let out = Command::new("pdfinfo")
        .args(["-f", "1", "-l", "100000"])
        .arg(pdf)
        .output()
        .context("pdfinfo (poppler-utils) is needed: scripts/test installs it")?;
    if !out.status.success() {
        bail!("pdfinfo: {}", String::from_utf8_lossy(&out.stderr));
    }
    parse_page_sizes(&String::from_utf8_lossy(&out.stdout))
}

/// `Page    1 size: 595.276 x 841.89 pts (A4)` lines.
fn parse_page_sizes(info: &str) -> anyhow::Result<Vec<PageSize>> {
    info.lines()
        .filter(|l| l.starts_with("Page ") && l.contains(" size: "))
        .map(|l| {
            let size = l.split(" size: ").nth(1).context("a size")?;
            let mut numbers = size.split_whitespace();
            let width = numbers.next().context("a width")?.parse()?;
            numbers.next();
            let height = numbers.next().context("a height")?.parse()?;
            Ok(PageSize { width, height })
        })
        .collect()
}

/// The names of the fonts a PDF embeds or names (`pdffonts`), without the subset tag
/// (`ABCDEF+LiberationSerif` is `LiberationSerif`).
pub fn fonts(pdf: &Path) -> anyhow::Result<Vec<String>> {
    let out = Command::new("pdffonts")
        .arg(pdf)
        .output()
        .context("pdffonts (poppler-utils) is needed: scripts/test installs it")?;
    if !out.status.success() {
        bail!("pdffonts: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(parse_fonts(&String::from_utf8_lossy(&out.stdout)))
}

fn parse_fonts(listing: &str) -> Vec<String> {
    let mut names: Vec<String> = listing
        .lines()
        .skip_while(|l| !l.starts_with("---"))
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(|n| n.split_once('+').map_or(n, |(_, name)| name).to_owned())
        .collect();
    names.sort();
    names.dedup();
    names
}

/// Whether a font is Times New Roman or the metric twin LibreOffice prints it with.
pub fn is_times(font: &str) -> bool {
    font.starts_with("LiberationSerif") || font.starts_with("TimesNewRoman")
}

/// The lines of `page` that are printed outside a box `left`, `top`, `right` and
/// `bottom` points in from its edges (the page's margins), `slack` points allowed.
pub fn outside_margins(
    page: &[Line],
    size: PageSize,
    [top, right, bottom, left]: [f64; 4],
    slack: f64,
) -> Vec<&Line> {
    page.iter()
        .filter(|l| {
            l.x_min < left - slack
                || l.y_min < top - slack
                || l.x_max > size.width - right + slack
                || l.y_max > size.height - bottom + slack
        })
        .collect()
}

fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// Every pair of lines on the same page whose boxes overlap, by page number (from 1).
pub fn overlapping(pages: &Pages) -> Vec<(usize, Line, Line)> {
    let mut found = Vec::new();
    for (n, lines) in pages.iter().enumerate() {
        for (i, a) in lines.iter().enumerate() {
            for b in &lines[i + 1..] {
                if a.overlaps(b) {
                    found.push((n + 1, a.clone(), b.clone()));
                }
            }
        }
    }
    found
}

/// The whole printed text, page after page, in pdftotext's order (block by block: a
/// table's cells one after the other), lines joined by spaces and runs of spaces made
/// one: where labels are looked for in order (a label may wrap over lines).
pub fn flat_text(pages: &Pages) -> String {
    let all: Vec<&str> = pages.iter().flatten().map(|l| l.text.as_str()).collect();
    all.join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The same, each page's lines as a reader of running text takes them: top to bottom,
/// left to right along one baseline (pdftotext's order of blocks sometimes puts a
/// justified paragraph's last line first).
pub fn reading_text(pages: &Pages) -> String {
    let mut all: Vec<&str> = Vec::new();
    for page in pages {
        let mut lines: Vec<&Line> = page.iter().collect();
        lines.sort_by(|a, b| a.y_max.total_cmp(&b.y_max));
        // Lines whose bottoms are within 2 points share a baseline.
        let mut rows: Vec<Vec<&Line>> = Vec::new();
        for line in lines {
            match rows.last_mut() {
                Some(row) if row.last().is_some_and(|l| line.y_max - l.y_max < 2.0) => {
                    row.push(line)
                }
                _ => rows.push(vec![line]),
            }
        }
        for mut row in rows {
            row.sort_by(|a, b| a.x_min.total_cmp(&b.x_min));
            all.extend(row.iter().map(|l| l.text.as_str()));
        }
    }
    all.join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Checks that `wanted` all appear in `text` in that order. A wanted text's words must
/// follow each other with at most a few others between them: a printed line joins the
/// cells that share its baseline (a label's end and the unit beside it). The first
/// missing one, and what follows where it was looked for, otherwise.
pub fn in_order(text: &str, wanted: &[&str]) -> anyhow::Result<()> {
    in_order_within(text, wanted, 4)
}

/// [`in_order`] with at most `gap` other words between a wanted text's words (side by
/// side columns interleave their lines more).
pub fn in_order_within(text: &str, wanted: &[&str], gap: usize) -> anyhow::Result<()> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let mut from = 0;
    'wanted: for w in wanted {
        let words: Vec<&str> = w.split_whitespace().collect();
        let Some((first, rest)) = words.split_first() else {
            continue;
        };
        let starts: Vec<usize> = (from..tokens.len())
            .filter(|&i| tokens[i] == *first)
            .collect();
        for start in starts {
            let mut at = start;
            let followed = rest.iter().all(|word| {
                let window = at + 1..(at + 2 + gap).min(tokens.len());
                match tokens[window.clone()].iter().position(|t| t == word) {
                    Some(i) => {
                        at = window.start + i;
                        true
                    }
                    None => false,
                }
            });
            if followed {
                from = at + 1;
                continue 'wanted;
            }
        }
        let context = tokens[from.min(tokens.len())..]
            .iter()
            .take(40)
            .copied()
            .collect::<Vec<_>>()
            .join(" ");
        bail!("not found in order: {w:?}; after the last found: {context:?}")
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pdftotext_lines_are_read_and_overlaps_found() -> anyhow::Result<()> {
        let xhtml = r#"<doc><page width="595" height="842"><flow><block>
            <line xMin="10" yMin="10" xMax="100" yMax="22"><word xMin="10" yMin="10" xMax="50" yMax="22">Số</word><word xMin="55" yMin="10" xMax="100" yMax="22">người &amp; lớp</word></line>
            <line xMin="10" yMin="22" xMax="100" yMax="34"><word xMin="10" yMin="22" xMax="100" yMax="34">next</word></line>
            <line xMin="50" yMin="24" xMax="120" yMax="34"><word xMin="50" yMin="24" xMax="120" yMax="34">runs</word></line>
            <line xMin="10" yMin="32" xMax="100" yMax="44"><word xMin="10" yMin="32" xMax="100" yMax="44">follows</word></line>
            </block></flow></page><page width="595" height="842"></page></doc>"#;
        let pages = parse_bbox(xhtml)?;
        assert_eq!(pages.len(), 2);
        assert_eq!(pages[0][0].text, "Số người & lớp");
        let found = overlapping(&pages);
        assert_eq!(
            found.len(),
            1,
            "lines that follow on do not overlap: {found:?}"
        );
        assert_eq!(found[0].2.text, "runs");
        let text = flat_text(&pages);
        in_order(&text, &["Số người", "next", "runs", "follows"])?;
        assert!(in_order(&text, &["next", "Số"]).is_err());
        in_order(
            "Bồi dưỡng cho công chức, lớp/người viên chức",
            &["công chức, viên chức"],
        )?;
        assert!(
            in_order("a b c d e f g h", &["a h"]).is_err(),
            "too far apart"
        );
        Ok(())
    }

    #[test]
    fn page_sizes_and_fonts_are_read() -> anyhow::Result<()> {
        let info = "Pages:           2\nPage    1 size: 595.276 x 841.89 pts (A4)\n\
                    Page    1 rot:  0\nPage    2 size: 841.89 x 595.276 pts (A4)\n";
        let sizes = parse_page_sizes(info)?;
        assert_eq!(sizes.len(), 2);
        assert!(sizes.iter().all(PageSize::is_a4));
        assert!(
            !PageSize {
                width: 612.0,
                height: 792.0
            }
            .is_a4(),
            "US Letter"
        );
        let listing = "name                                 type              encoding         emb sub uni object ID\n\
            ------------------------------------ ----------------- ---------------- --- --- --- ---------\n\
            BAAAAA+LiberationSerif               TrueType          WinAnsi          yes yes no      11  0\n\
            CAAAAA+LiberationSerif-Bold          TrueType          WinAnsi          yes yes no      12  0\n\
            DAAAAA+LiberationSerif               CID TrueType      Identity-H       yes yes yes     13  0\n";
        let fonts = parse_fonts(listing);
        assert_eq!(fonts, ["LiberationSerif", "LiberationSerif-Bold"]);
        assert!(fonts.iter().all(|f| is_times(f)));
        assert!(!is_times("Carlito"));
        let line = |x_min, y_min| Line {
            x_min,
            y_min,
            x_max: x_min + 100.0,
            y_max: y_min + 12.0,
            text: String::new(),
        };
        let page = [line(90.0, 60.0), line(20.0, 60.0)];
        let a4 = sizes[0];
        let out = outside_margins(&page, a4, [mm(20.0), mm(15.0), mm(20.0), mm(30.0)], 2.0);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].x_min, 20.0);
        Ok(())
    }
}
