//! The documents a unit sends upward, downloaded as files: the official Excel form and
//! the report as a Word document, for the unit shown with the figures chosen.

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::{FigureMode, routes};

use crate::api;

/// The documents a unit sends upward, as files.
#[derive(Debug, Clone, Copy)]
enum Document {
    /// The official Excel form.
    Workbook,
    /// The report (*báo cáo*) as a Word document, the table as its appendix.
    Report,
}

impl Document {
    fn route(self, campaign: &str, unit: &str, mode: FigureMode) -> String {
        match self {
            Document::Workbook => routes::export(campaign, unit, mode),
            Document::Report => routes::report_document(campaign, unit, mode),
        }
    }

    /// The server's name for the file: `tong-hop-NB-HQ-2025-chinh-thuc.xlsx`.
    fn file_name(self, campaign: &str, unit: &str, mode: FigureMode) -> String {
        let suffix = match mode {
            FigureMode::Official => "-chinh-thuc",
            FigureMode::Final => "",
            FigureMode::Provisional => "-tam-tinh",
        };
        match self {
            Document::Workbook => format!("tong-hop-{unit}-{campaign}{suffix}.xlsx"),
            Document::Report => format!("bao-cao-{unit}-{campaign}{suffix}.docx"),
        }
    }

    fn mime(self) -> &'static str {
        match self {
            Document::Workbook => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            Document::Report => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }

    /// What the user reads while it is made.
    fn making(self) -> &'static str {
        match self {
            Document::Workbook => "Đang tạo tệp Excel…",
            Document::Report => "Đang tạo báo cáo…",
        }
    }
}

/// The two download buttons and what became of the last download.
#[component]
pub fn DocumentButtons(
    campaign: String,
    unit: Signal<String>,
    mode: Signal<FigureMode>,
) -> impl IntoView {
    let campaign = StoredValue::new(campaign);
    let status = RwSignal::new(None::<String>);
    let download = move |document: Document| {
        let (c, u, m) = (
            campaign.get_value(),
            unit.get_untracked(),
            mode.get_untracked(),
        );
        status.set(Some(document.making().into()));
        spawn_local(async move {
            let message = match api::get_bytes(&document.route(&c, &u, m)).await {
                Ok(bytes) => {
                    let name = document.file_name(&c, &u, m);
                    match crate::device::download_bytes(&name, &bytes, document.mime()) {
                        Some(()) => format!("Đã tạo tệp {name}."),
                        None => "Không lưu được tệp.".into(),
                    }
                }
                Err(e) => e.message(),
            };
            status.try_set(Some(message));
        });
    };
    view! {
        <button type="button" class="secondary export" on:click=move |_| download(Document::Workbook)>"Xuất Excel (mẫu chính thức)"</button>
        <button type="button" class="secondary report-document" on:click=move |_| download(Document::Report)>"Tải báo cáo (Word)"</button>
        {move || status.get().map(|m| view! { <span class="export-status" role="status">{m}</span> })}
    }
}
