//! One child unit's report as its parent's supervisor reviews it: the report read only
//! (blank cells blank), its warnings, the comments on its cells and whether each is
//! settled, its history; returned with a reason and comments on cells, approved, or
//! commented on without a return. It follows the report live while open.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::admin::{AccountInfo, Credentials, PasswordReset};
use tuanle_shared::wire::{
    ApproveRequest, CellComment, FollowUp, History, NewComment, RefusalCode, ReportNews,
    ReportState, ReportStatus, ReturnRequest, UnitRef, comments_at, routes,
};
use tuanle_shared::{Cell, FormDef};

use super::dashboard::observing;
use super::history::{CommentLine, EventLine};
use crate::api;
use crate::device::format_time;
use crate::draft::Draft;
use crate::form_view::{Remarks, ReportForm};
use crate::live::{EventStream, Heard};
use crate::nav::Page;
use crate::syncer::describe_cell;

/// The accounts of a unit below the supervisor's, each with "Đặt lại mật khẩu": a
/// password forgotten in the deadline rush is reset here, not by the province's
/// administrator. Nothing is shown for a unit that is not below (the server refuses).
#[component]
fn UnitAccounts(path: StoredValue<(String, String)>) -> impl IntoView {
    let accounts = RwSignal::new(Vec::<AccountInfo>::new());
    let outcome = RwSignal::new(None::<Result<Credentials, String>>);
    let sheet = RwSignal::new(false);
    spawn_local(async move {
        let (c, u) = path.get_value();
        if let Ok(list) =
            api::get_json::<Vec<AccountInfo>>(&routes::unit_accounts(&c, &u, None)).await
        {
            accounts.try_set(list);
        }
    });
    let reset = move |username: String| {
        if !crate::device::confirm(&format!(
            "Đặt lại mật khẩu của tài khoản {username}? Mật khẩu cũ hết hiệu lực và mọi phiên đăng nhập của tài khoản này kết thúc."
        )) {
            return;
        }
        let (c, u) = path.get_value();
        spawn_local(async move {
            let path = routes::unit_accounts(&c, &u, Some(&username));
            let result = api::post_json::<_, Credentials>(&path, &PasswordReset {}).await;
            outcome.try_set(Some(result.map_err(|e| e.message())));
        });
    };
    move || {
        (!accounts.with(Vec::is_empty)).then(|| view! {
            <div class="unit-accounts">
                <h3>"Tài khoản của đơn vị"</h3>
                <ul>
                    {accounts.get().into_iter().map(|a| {
                        let username = a.username.clone();
                        view! {
                            <li data-account=a.username.clone()>
                                {format!("{} ({}, {})", a.display_name, a.username, a.role.label())}
                                <button type="button" class="secondary reset-password" on:click=move |_| reset(username.clone())>"Đặt lại mật khẩu"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {move || outcome.get().map(|o| match o {
                    Ok(c) => {
                        let slip = StoredValue::new(c.clone());
                        view! {
                            <p class="new-password" role="status">
                                "Mật khẩu mới của " {c.username.clone()} ": " <code data-password=c.password.clone()>{c.password.clone()}</code>
                                " — chỉ hiện một lần, hãy gửi cho người dùng."
                                <button type="button" class="secondary print-sheet" on:click=move |_| sheet.set(true)>"In phiếu đăng nhập"</button>
                            </p>
                            {move || sheet.get().then(|| view! {
                                <crate::pages::sign_in_sheet::SignInSheet slips=vec![slip.get_value()] on_close=Callback::new(move |_| sheet.set(false))/>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <p class="status error" role="alert">{e}</p> }.into_any(),
                })}
            </div>
        })
    }
}

/// Why a submitted report shown to a supervisor has no "Trả lại" and "Duyệt": said for
/// a reviewer, not in the words a reporter's refused push gets.
fn review_note(refusal: Option<RefusalCode>) -> &'static str {
    match refusal {
        Some(RefusalCode::CampaignClosed) => {
            "Đợt báo cáo đã đóng: không trả lại hay duyệt được nữa."
        }
        Some(RefusalCode::UnitInactive) => {
            "Đơn vị đã ngừng hoạt động trong đợt này: không trả lại hay duyệt được nữa."
        }
        // The supervisor's own unit's report: its parent reviews it.
        Some(RefusalCode::Forbidden) => {
            "Báo cáo này do đơn vị cấp trên trực tiếp trả lại hoặc duyệt."
        }
        Some(code) => code.message(),
        None => "",
    }
}

/// One unit's own report, read only, with its history; return it with a reason and
/// comments on cells, or approve it, when it is submitted and the viewer's unit is its
/// direct parent; comment on a cell without returning it whatever its status.
#[component]
pub fn ReviewPanel(
    campaign: String,
    form: Arc<FormDef>,
    unit: UnitRef,
    reviewing: RwSignal<Option<UnitRef>>,
    on_change: Callback<()>,
) -> impl IntoView {
    let report = RwSignal::new(None::<Result<(ReportState, History), String>>);
    let reason = RwSignal::new(String::new());
    let message = RwSignal::new(None::<String>);
    // Comments being written, by cell, sent with a return or on their own.
    let drafts = RwSignal::new(BTreeMap::<String, String>::new());
    let picked = RwSignal::new(String::new());
    let path = StoredValue::new((campaign, unit.code.clone()));
    let form = RwSignal::new(form);
    let load = move || {
        let (c, u) = path.get_value();
        spawn_local(async move {
            let state = api::get_json::<ReportState>(&routes::report(&c, &u, "")).await;
            let history = api::get_json::<History>(&routes::report(&c, &u, "history")).await;
            let result = match (state, history) {
                (Ok(s), Ok(h)) => Ok((s, h)),
                (Err(e), _) | (_, Err(e)) => Err(e.message()),
            };
            // Shown by the version the report was started on (a draft from before the
            // campaign's form changed keeps its own).
            if let Ok((state, _)) = &result
                && form.with_untracked(|f| f.version() != state.form_version)
                && let Ok(own) = super::version_form(&state.form_version).await
            {
                form.try_set(Arc::new(own));
            }
            report.try_set(Some(result));
        });
    };
    load();
    // Follows the report while the panel is open: a resubmission, another reviewer, an
    // answer to a comment.
    let follows = {
        let (c, u) = path.get_value();
        EventStream::open(&routes::report(&c, &u, "events"), move |heard| {
            let news = match heard {
                Heard::Ready { data, .. } | Heard::Changed(data) => {
                    crate::json::from_str::<ReportNews>(&data).ok()
                }
                Heard::Lost => None,
            };
            let shown = report.with_untracked(|r| match r {
                Some(Ok((s, _))) => Some((s.version, s.status, comments_at(&s.comments))),
                _ => None,
            });
            if let (Some(news), Some(shown)) = (news, shown)
                && (news.version, news.status, news.comments_at) != shown
            {
                // What was said of the last action no longer describes the report.
                message.try_set(None);
                load();
            }
        })
    };
    let follows = StoredValue::new_local(follows);
    on_cleanup(move || follows.set_value(None));
    let written = move || -> Vec<NewComment> {
        drafts.with_untracked(|d| {
            d.iter()
                .filter(|(_, t)| !t.trim().is_empty())
                .map(|(cell, text)| NewComment {
                    cell: cell.clone(),
                    text: text.clone(),
                })
                .collect()
        })
    };
    let done = move |said: &str| {
        message.set(Some(said.to_owned()));
        drafts.set(BTreeMap::new());
        load();
        on_change.run(());
    };
    let act = move |approve: bool| {
        let (c, u) = path.get_value();
        let text = reason.get_untracked();
        let comments = written();
        spawn_local(async move {
            let result = if approve {
                api::post_json::<_, ReportState>(
                    &routes::report(&c, &u, "approve"),
                    &ApproveRequest {},
                )
                .await
            } else {
                api::post_json::<_, ReportState>(
                    &routes::report(&c, &u, "return"),
                    &ReturnRequest {
                        reason: text,
                        comments,
                    },
                )
                .await
            };
            match result {
                Ok(_) => {
                    reason.set(String::new());
                    done(if approve {
                        "Đã duyệt báo cáo."
                    } else {
                        "Đã trả lại báo cáo."
                    });
                }
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    // Comments on their own, without a return: one request each, stopping at a refusal.
    let send_comments = move || {
        let (c, u) = path.get_value();
        let comments = written();
        spawn_local(async move {
            for comment in comments {
                let path = routes::report(&c, &u, "comments");
                if let Err(e) = api::post_json::<_, ReportState>(&path, &comment).await {
                    message.set(Some(e.message()));
                    load();
                    return;
                }
                drafts.update(|d| {
                    d.remove(&comment.cell);
                });
            }
            done("Đã gửi nhận xét.");
        });
    };
    let mark_follow_up = move |on: bool| {
        let (c, u) = path.get_value();
        spawn_local(async move {
            let body = FollowUp { follow_up: on };
            match api::send_json::<_, ReportState>(
                "PUT",
                &routes::report(&c, &u, "follow-up"),
                Some(&body),
            )
            .await
            {
                Ok(_) => {
                    load();
                    on_change.run(());
                }
                Err(e) => message.set(Some(e.message())),
            }
        });
    };
    view! {
        <section class="card review" data-review=unit.code.clone()>
            <h2>"Báo cáo của " {unit.name.clone()}</h2>
            <button type="button" class="link" on:click=move |_| reviewing.set(None)>"Đóng"</button>
            {move || match report.get() {
                None => view! { <p class="status">"Đang tải…"</p> }.into_any(),
                Some(Err(e)) => view! { <p class="status error">{e}</p> }.into_any(),
                Some(Ok((state, history))) => {
                    let submitted = state.status == ReportStatus::Submitted;
                    // An approved report can still be returned (an error found later).
                    let returnable = submitted || state.status == ReportStatus::Approved;
                    // Comments need the reviewer's right to review (not an observer, not
                    // above the direct parent, the campaign open) and something to read.
                    let may_comment = state.review_refusal.is_none() && state.version > 0 && !observing();
                    let status = if state.version == 0 {
                        "Chưa có báo cáo.".to_owned()
                    } else {
                        format!("{}{} — phiên bản {}", state.status.label(), if state.late { " (nộp muộn)" } else { "" }, state.version)
                    };
                    let draft = RwSignal::new(Draft::from_content(&state.content));
                    let comments = state.comments.clone();
                    let reference = state.reference.clone();
                    let content = state.content.clone();
                    let remarks = Remarks {
                        comments: Signal::stored(comments.clone()),
                        unsent: Signal::stored(BTreeMap::new()),
                        in_progress: None,
                        on_answer: None,
                        on_typing: None,
                        answers_closed: Signal::stored(false),
                        on_pick: may_comment.then(|| Callback::new(move |cell: String| picked.set(cell))),
                    };
                    view! {
                        <p class="review-status" data-status=format!("{:?}", state.status)>{status}</p>
                        {state.return_reason.clone().map(|r| view! { <p class="reason">"Lý do trả lại: " {r}</p> })}
                        {(returnable && state.review_refusal.is_some()).then(|| view! {
                            <p class="review-note" role="note">{if observing() { "Tài khoản theo dõi chỉ xem: không trả lại hay duyệt báo cáo." } else { review_note(state.review_refusal) }}</p>
                        })}
                        {state.flagged.then(|| view! { <p class="mark flagged" role="note">"Lần nộp gần nhất có số liệu cao bất thường so với các đơn vị cùng loại."</p> })}
                        {state.follow_up.then(|| view! { <p class="mark follow-up" role="note">"Báo cáo đang được đánh dấu cần theo dõi."</p> })}
                        {may_comment.then(|| {
                            let on = !state.follow_up;
                            view! {
                                <button type="button" class="secondary follow-up-toggle" data-follow-up=state.follow_up.to_string() on:click=move |_| mark_follow_up(on)>
                                    {if on { "Đánh dấu cần theo dõi" } else { "Bỏ đánh dấu theo dõi" }}
                                </button>
                            }
                        })}
                        <CommentList comments=comments content=content/>
                        {may_comment.then(|| view! { <CommentEditor drafts=drafts picked=picked/> })}
                        {(returnable && state.review_refusal.is_none()).then(|| view! {
                            <div class="review-actions">
                                <label>"Lý do trả lại"
                                    <textarea name="reason" rows="2" bind:value=reason></textarea>
                                </label>
                                <button type="button" class="secondary return" disabled=move || reason.with(|r| r.trim().is_empty()) on:click=move |_| act(false)>
                                    {move || match drafts.with(|d| d.values().filter(|t| !t.trim().is_empty()).count()) {
                                        0 => "Trả lại".to_owned(),
                                        n => format!("Trả lại kèm {n} nhận xét"),
                                    }}
                                </button>
                                {submitted.then(|| view! {
                                    <button type="button" class="primary approve" on:click=move |_| act(true)>"Duyệt"</button>
                                })}
                            </div>
                        })}
                        {may_comment.then(|| view! {
                            <button type="button" class="secondary send-comments"
                                disabled=move || drafts.with(|d| d.values().all(|t| t.trim().is_empty()))
                                on:click=move |_| send_comments()>
                                "Gửi nhận xét (không trả lại)"
                            </button>
                        })}
                        {(state.review_refusal.is_none() && state.status != ReportStatus::Approved && state.status != ReportStatus::Submitted).then(|| {
                            let code = path.get_value().1;
                            view! {
                                <button type="button" class="secondary enter-on-behalf" on:click=move |_| crate::nav::use_nav().go_with(Page::Report, &format!("{}={code}", super::report::ON_BEHALF))>"Nhập hộ báo cáo này"</button>
                            }
                        })}
                        {move || message.get().map(|m| view! { <p role="status" class="outcome">{m}</p> })}
                        <div class="review-form">
                            {if may_comment { "Chọn một ô để nhận xét về ô đó." } else { "" }}
                            <ReportForm form=form.get_untracked() draft=draft on_edit=Callback::new(|_| ()) readonly=true remarks=remarks reference=Signal::stored(reference)/>
                        </div>
                        <UnitAccounts path=path/>
                        <h3>"Lịch sử"</h3>
                        <ul class="events">
                            {history.versions.iter().rev().take(5).map(|v| view! {
                                <li>{format!("Phiên bản {} — {}{}, {}, thiết bị {}", v.version, if v.on_behalf { "nhập hộ bởi " } else { "" }, v.display_name, format_time(v.created_at as f64), v.device_id)}</li>
                            }).collect_view()}
                            {history.events.into_iter().rev().map(|e| view! { <li><EventLine event=e/></li> }).collect_view()}
                            {history.comments.into_iter().rev().map(|c| view! { <li class="comment-event"><CommentLine comment=c/></li> }).collect_view()}
                        </ul>
                    }.into_any()
                }
            }}
        </section>
    }
}

/// The comments already made on the report's cells, each with where it stands against
/// the report now.
#[component]
fn CommentList(comments: Vec<CellComment>, content: tuanle_shared::Content) -> impl IntoView {
    (!comments.is_empty()).then(|| {
        let open = comments.iter().filter(|c| c.settled(&content).is_open()).count();
        view! {
            <div class="comment-list">
                <h3>{format!("Nhận xét trên các ô ({open} chưa xử lý)")}</h3>
                <ul>
                    {comments.into_iter().map(|c| {
                        let settled = c.settled(&content);
                        view! {
                            <li data-comment=c.id data-settled=format!("{settled:?}")>
                                <strong>{cell_name(&c.cell)}</strong> ": " {c.comment.text.clone()}
                                " — " <em>{settled.label()}</em>
                                {c.answer.map(|a| view! { <div class="comment-answer">"Trả lời: " {a.text} " (" {a.display_name} ")"</div> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </div>
        }
    })
}

/// How a cell is named to people, from its content key.
fn cell_name(key: &str) -> String {
    key.parse::<Cell>()
        .map(|c| describe_cell(&c))
        .unwrap_or_else(|_| key.to_owned())
}

/// Comments being written: the cell last picked in the form gets a box; every box
/// written is sent with "Trả lại" or "Gửi nhận xét".
#[component]
fn CommentEditor(
    drafts: RwSignal<BTreeMap<String, String>>,
    picked: RwSignal<String>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let add = move || {
        let (cell, t) = (picked.get_untracked(), text.get_untracked());
        if !cell.is_empty() && !t.trim().is_empty() {
            drafts.update(|d| {
                d.insert(cell, t);
            });
            text.set(String::new());
        }
    };
    view! {
        <div class="comment-editor">
            <h3>"Nhận xét theo ô"</h3>
            <p class="picked">
                {move || match picked.get() {
                    c if c.is_empty() => "Chọn một ô trong biểu bên dưới.".to_owned(),
                    c => format!("Ô đang chọn: {}", cell_name(&c)),
                }}
            </p>
            <label>"Nhận xét"
                <textarea name="comment" rows="2" bind:value=text></textarea>
            </label>
            <button type="button" class="secondary add-comment"
                disabled=move || picked.with(String::is_empty) || text.with(|t| t.trim().is_empty())
                on:click=move |_| add()>
                "Thêm nhận xét cho ô này"
            </button>
            <ul class="comment-drafts">
                {move || drafts.get().into_iter().map(|(cell, t)| {
                    let gone = cell.clone();
                    view! {
                        <li data-draft-cell=cell.clone()>
                            <strong>{cell_name(&cell)}</strong> ": " {t}
                            <button type="button" class="link" on:click=move |_| drafts.update(|d| { d.remove(&gone); })>"Bỏ"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </div>
    }
}
