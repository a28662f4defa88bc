//! The report as the person fills it in: the narrative report (I.1 … II.3) and the
//! indicator form (II.4), in the official order with the official labels, rendered
//! entirely from the [`FormDef`] the server sends. Totals, errors and warnings are
//! computed by the shared code on every keystroke.

use std::collections::BTreeMap;
use std::sync::Arc;

use leptos::prelude::*;
use tuanle_shared::form::{ItemKind, Section};
use tuanle_shared::number::format_number;
use tuanle_shared::peers::Reference;
use tuanle_shared::validate::{Severity, validate_against};
use tuanle_shared::wire::CellComment;
use tuanle_shared::{
    Code, Column, Content, Figures, FormDef, Issue, NumberCell, RowDef, RowKind, Sums, TextCell,
    Totals,
};

use crate::draft::{Draft, normalized};

/// What every part of the form reads: the definition, the raw inputs, and what the
/// shared code derives from them.
#[derive(Clone, Copy)]
struct FormCtx {
    form: StoredValue<Arc<FormDef>>,
    draft: RwSignal<Draft>,
    /// Called after every edit, once the draft signal holds it: the page stores it.
    on_edit: Callback<()>,
    readonly: Signal<bool>,
    content: Memo<Content>,
    totals: Memo<Option<Totals>>,
    issues: Memo<Vec<Issue>>,
    remarks: Remarks,
    reference: Signal<Reference>,
    /// The yes/no rows not asked of this unit (they do not count its kind).
    not_counted: Signal<Vec<Code>>,
    /// Last year's value is shown under each cell.
    show_last_year: RwSignal<bool>,
}

/// The comments on the report's cells, and what a reader may do with them: the unit's
/// staff answer them, a supervisor reviewing picks a cell to comment on.
#[derive(Clone, Copy, Default)]
pub struct Remarks {
    pub comments: Signal<Vec<CellComment>>,
    /// Answers written on this device and not yet sent, by comment.
    pub unsent: Signal<BTreeMap<i64, String>>,
    /// What the box under a comment starts with: an answer queued or being written.
    pub in_progress: Option<Callback<i64, Option<String>>>,
    pub on_answer: Option<Callback<(i64, String)>>,
    /// Each keystroke in an answer's box, to be kept.
    pub on_typing: Option<Callback<(i64, String)>>,
    /// Answers are not taken now (the campaign is closed, the unit no longer reports):
    /// the box to answer is not offered, and why is said instead.
    pub answers_closed: Signal<bool>,
    pub on_pick: Option<Callback<String>>,
}

impl FormCtx {
    fn total(&self, row: usize, column: Column) -> Option<u128> {
        self.totals
            .with(|t| t.as_ref().and_then(|t| t.get(row, column)))
    }
}

/// The id of a cell's input, for links that jump to it.
pub fn cell_dom_id(cell: &str) -> String {
    format!("o-{}", cell.replace(['/', '.'], "-"))
}

#[component]
pub fn ReportForm(
    form: Arc<FormDef>,
    draft: RwSignal<Draft>,
    on_edit: Callback<()>,
    #[prop(into)] readonly: Signal<bool>,
    #[prop(optional)] remarks: Remarks,
    /// What the report is compared with: last year, the peers' fences.
    #[prop(optional, into)]
    reference: Signal<Reference>,
    /// The yes/no rows not asked of this unit's kind.
    #[prop(optional, into)]
    not_counted: Signal<Vec<Code>>,
) -> impl IntoView {
    let stored = StoredValue::new(form);
    let content = Memo::new(move |_| stored.with_value(|f| draft.with(|d| d.content(f))));
    let totals = Memo::new(move |_| {
        stored.with_value(|f| {
            content.with(|c| {
                Figures::from_content(f, c)
                    .ok()
                    .map(|fig| Totals::of_report(f, &fig))
            })
        })
    });
    let issues = Memo::new(move |_| {
        stored.with_value(|f| content.with(|c| reference.with(|r| validate_against(f, c, r))))
    });
    let ctx = FormCtx {
        form: stored,
        draft,
        on_edit,
        readonly,
        content,
        totals,
        issues,
        remarks,
        reference,
        not_counted,
        show_last_year: RwSignal::new(false),
    };

    let sections = stored.with_value(|f| f.sections().to_vec());
    let title = stored.with_value(|f| f.title().to_owned());
    let subtitle = stored.with_value(|f| f.subtitle().to_owned());
    let report_title = stored.with_value(|f| f.report_title().to_owned());
    let report_aria = report_title.clone();
    let has_readings = stored.with_value(|f| f.rows().iter().any(|r| r.reading.is_some()));
    let rows = stored.with_value(|f| f.rows().iter().cloned().enumerate().collect::<Vec<_>>());

    view! {
        <Summary ctx=ctx/>
        <section class="narrative" aria-label=report_aria>
            <h2>{report_title}</h2>
            {sections.into_iter().map(|s| view! { <NarrativeSection ctx=ctx section=s/> }).collect_view()}
        </section>
        <section class="indicators" id="bang-so-lieu">
            <h2 class="form-title">{title}</h2>
            <p class="form-subtitle">{subtitle}</p>
            {move || reference.with(|r| r.last_year.as_ref().map(|l| l.year)).map(|year| view! {
                <label class="show-last-year">
                    <input type="checkbox" name="show-last-year" bind:checked=ctx.show_last_year/>
                    {format!(" Hiện số liệu năm {year} của đơn vị (báo cáo đã nộp)")}
                </label>
            })}
            <div class="table-wrap">
                <table class="form-table">
                    <TableHead with_note=true/>
                    <tbody>
                        {rows.into_iter().map(|(i, row)| view! { <FormRow ctx=ctx index=i row=row/> }).collect_view()}
                    </tbody>
                </table>
            </div>
            {has_readings.then(|| view! {
                <p class="footnote">{tuanle_shared::form::READING_NOTE}</p>
            })}
        </section>
    }
}

/// The header of the form as printed: STT | Các hoạt động | Đơn vị | Số lượng over
/// Số lớp/số cuộc thi and Số người | Ghi chú.
#[component]
fn TableHead(with_note: bool) -> impl IntoView {
    view! {
        <colgroup>
            <col class="c-stt"/>
            <col class="c-label"/>
            <col class="c-unit"/>
            <col class="c-num"/>
            <col class="c-num"/>
            {with_note.then(|| view! { <col class="c-note"/> })}
        </colgroup>
        <thead>
            <tr>
                <th rowspan="2" class="stt">"STT"</th>
                <th rowspan="2">"Các hoạt động"</th>
                <th rowspan="2" class="unit">"Đơn vị"</th>
                <th colspan="2">"Số lượng"</th>
                {with_note.then(|| view! { <th rowspan="2" class="note">"Ghi chú"</th> })}
            </tr>
            <tr>
                <th class="num">"Số lớp/số cuộc thi"</th>
                <th class="num">"Số người"</th>
            </tr>
        </thead>
    }
}

/// A line above the form: how many cells are wrong and how many warnings there are.
#[component]
fn Summary(ctx: FormCtx) -> impl IntoView {
    let invalid = move || {
        ctx.form
            .with_value(|f| ctx.draft.with(|d| d.invalid_cells(f).len()))
    };
    let errors = move || {
        ctx.issues
            .with(|i| i.iter().filter(|i| i.severity() == Severity::Error).count())
    };
    let warnings = move || {
        ctx.issues.with(|i| {
            i.iter()
                .filter(|i| i.severity() == Severity::Warning)
                .count()
        })
    };
    view! {
        <p class="summary" aria-live="polite">
            {move || {
                match (invalid() + errors(), warnings()) {
                    (0, 0) => "Chưa có lỗi nào.".to_owned(),
                    (b, 0) => format!("{b} ô cần sửa."),
                    (0, w) => format!("{w} cảnh báo cần xem lại."),
                    (b, w) => format!("{b} ô cần sửa, {w} cảnh báo cần xem lại."),
                }
            }}
        </p>
    }
}

#[component]
fn NarrativeSection(ctx: FormCtx, section: Section) -> impl IntoView {
    view! {
        <div class="section">
            <h3>{format!("{}. {}", section.code, section.label)}</h3>
            {section
                .items
                .into_iter()
                .map(|item| {
                    let number = item.code.as_str().rsplit('.').next().unwrap_or_default().to_owned();
                    let heading = format!("{number}. {}", item.label);
                    let shown = item.shows_rows.clone();
                    match item.kind {
                        ItemKind::Table => view! {
                            <div class="item">
                                <h4><a href="#bang-so-lieu">{heading}</a></h4>
                            </div>
                        }
                        .into_any(),
                        ItemKind::Text => view! {
                            <div class="item">
                                <label>
                                    <span class="item-label">{heading}</span>
                                    {(!shown.is_empty()).then(|| view! { <ShownRows ctx=ctx rows=shown.clone()/> })}
                                    <TextInput ctx=ctx cell=TextCell::text(item.code.clone()) multiline=true/>
                                </label>
                            </div>
                        }
                        .into_any(),
                    }
                })
                .collect_view()}
        </div>
    }
}

/// Rows of the table shown inside a narrative item (I.4 shows the two budgets), read
/// from what is typed in the table: asked once, shown twice.
#[component]
fn ShownRows(ctx: FormCtx, rows: Vec<usize>) -> impl IntoView {
    rows.into_iter()
        .filter_map(|i| ctx.form.with_value(|f| f.rows().get(i).cloned()))
        .map(|row| {
            let code = row.code.clone();
            let value = move || {
                ctx.content
                    .with(|c| c.number(&code, Column::Count))
                    .map(|v| format!("{} {}", format_number(v), row.unit))
                    .unwrap_or_else(|| "chưa nhập".to_owned())
            };
            view! {
                <span class="shown-row">
                    "- " {row.label.clone()} ": " <strong>{value}</strong>
                    " (dòng " {row.code.to_string()} " của bảng)"
                </span>
            }
        })
        .collect_view()
}

#[component]
fn FormRow(ctx: FormCtx, index: usize, row: RowDef) -> impl IntoView {
    let code = row.code.clone();
    let guidance = ctx
        .form
        .with_value(|f| f.guidance(&code).map(str::to_owned));
    let kind_class = match row.kind {
        RowKind::Group => "group",
        RowKind::Total { .. } => "total",
        RowKind::Text => "text",
        _ if row.stt.is_some() => "top",
        _ => "sub",
    };
    let label_cell = view! {
        <td class="label">
            {row.label.clone()}
            {row.reading.clone().map(|r| view! { <span class="reading" title=r>" (*)"</span> })}
            {row.provincial.then(|| view! { <span class="provincial">" (chỉ tiêu riêng của tỉnh)"</span> })}
            {guidance.map(|note| view! {
                <details class="guidance" data-guidance=code.to_string()>
                    <summary>"Hướng dẫn"</summary>
                    <p>{note}</p>
                </details>
            })}
            <RowIssues ctx=ctx code=code.clone()/>
        </td>
    };
    let aria = |column: &str| format!("Dòng {}, {}", row.code, column);
    let values = match &row.kind {
        RowKind::Count | RowKind::Money => view! {
            <td class="num" data-head="Số lớp/số cuộc thi"><NumberInput ctx=ctx cell=NumberCell::new(code.clone(), Column::Count) aria=aria("số lượng")/></td>
            <td class="num blank"></td>
        }
        .into_any(),
        RowKind::CountPersons { .. } => view! {
            <td class="num" data-head="Số lớp/số cuộc thi"><NumberInput ctx=ctx cell=NumberCell::new(code.clone(), Column::Count) aria=aria("số lớp/số cuộc")/></td>
            <td class="num" data-head="Số người"><NumberInput ctx=ctx cell=NumberCell::new(code.clone(), Column::Persons) aria=aria("số người")/></td>
        }
        .into_any(),
        RowKind::Total { .. } => view! {
            <td class="num computed" data-head="Số lớp/số cuộc thi"><TotalValue ctx=ctx index=index code=code.clone() column=Column::Count/></td>
            <td class="num computed" data-head="Số người"><TotalValue ctx=ctx index=index code=code.clone() column=Column::Persons/></td>
        }
        .into_any(),
        RowKind::YesNo { .. } => view! {
            <td class="num" data-head="Số lớp/số cuộc thi"><YesNoInput ctx=ctx cell=NumberCell::new(code.clone(), Column::Count) aria=aria("đơn vị có tổ chức không")/></td>
            <td class="num blank"></td>
        }
        .into_any(),
        RowKind::Group => view! { <td class="num blank"></td><td class="num blank"></td> }.into_any(),
        RowKind::Text => view! {
            <td class="num" colspan="2"><TextInput ctx=ctx cell=TextCell::text(code.clone()) multiline=true/></td>
        }
        .into_any(),
    };
    let note = if row.accepts_note() {
        view! { <td class="note" data-head="Ghi chú"><TextInput ctx=ctx cell=TextCell::note(code.clone()) multiline=false/></td> }.into_any()
    } else {
        view! { <td class="note blank"></td> }.into_any()
    };
    view! {
        <tr class=kind_class data-row=code.to_string()>
            <td class="stt">{row.stt.clone().unwrap_or_default()}</td>
            {label_cell}
            <td class="unit">{row.unit.clone()}</td>
            {values}
            {note}
        </tr>
    }
}

/// A computed total, shown with grouping; money totals say "đồng".
#[component]
fn TotalValue(ctx: FormCtx, index: usize, code: Code, column: Column) -> impl IntoView {
    let key = format!("{code}/{}", column.as_str());
    let value = move || {
        ctx.total(index, column)
            .map(format_number)
            .unwrap_or_default()
    };
    view! { <output data-total=key>{value}</output> }
}

/// The errors and warnings of one row, under its label.
#[component]
fn RowIssues(ctx: FormCtx, code: Code) -> impl IntoView {
    let issues = move || {
        ctx.issues.with(|all| {
            all.iter()
                .filter(|i| i.code == code)
                .map(|i| (i.severity(), i.message()))
                .collect::<Vec<_>>()
        })
    };
    move || {
        issues()
            .into_iter()
            .map(|(severity, message)| {
                let class = match severity {
                    Severity::Error => "issue error",
                    Severity::Warning => "issue warning",
                };
                view! { <p class=class>{message}</p> }
            })
            .collect_view()
    }
}

/// A number cell: numeric keyboard, the typed text kept as is, its error underneath,
/// Vietnamese grouping shown once the person leaves the cell.
#[component]
fn NumberInput(ctx: FormCtx, cell: NumberCell, aria: String) -> impl IntoView {
    let key = cell.to_string();
    let is_money = ctx
        .form
        .with_value(|f| f.row(&cell.code).is_some_and(RowDef::is_money));
    let (key_notes, key_pick, key_words) = (key.clone(), key.clone(), key.clone());
    let (read, write, check, leave, last, words) = (
        cell.clone(),
        cell.clone(),
        cell.clone(),
        cell.clone(),
        cell.clone(),
        cell,
    );
    let value = move || {
        ctx.draft
            .with(|d| d.numbers.get(&read).cloned().unwrap_or_default())
    };
    let error = Memo::new(move |_| {
        ctx.form
            .with_value(|f| ctx.draft.with(|d| d.error(f, &check)))
            .map(|e| e.to_string())
    });
    view! {
        <input
            type="text"
            inputmode="numeric"
            autocomplete="off"
            enterkeyhint="next"
            class="num-input"
            class:invalid=move || error.with(Option::is_some)
            aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
            aria-label=aria
            id=cell_dom_id(&key)
            data-cell=key
            prop:value=value
            prop:readOnly=move || ctx.readonly.get()
            on:focus=move |_| pick(ctx, &key_pick)
            on:input=move |ev| {
                let typed = event_target_value(&ev);
                ctx.draft.update(|d| {
                    d.numbers.insert(write.clone(), typed);
                });
                ctx.on_edit.run(());
            }
            on:change=move |_| {
                ctx.draft.update(|d| {
                    if let Some(raw) = d.numbers.get_mut(&leave) {
                        *raw = normalized(raw);
                    }
                });
                ctx.on_edit.run(());
            }
        />
        {move || error.get().map(|m| view! { <p class="cell-error" role="alert">{m}</p> })}
        {is_money.then_some(move || {
            ctx.form
                .with_value(|f| ctx.draft.with(|d| d.numbers.get(&words).and_then(|raw| f.parse_cell(&words, raw).ok().flatten())))
                .map(|v| view! { <span class="in-words" data-in-words=key_words.clone()>{tuanle_shared::number::amount_in_words(v)}</span> })
        })}
        {move || ctx.show_last_year.get().then(|| last_year_of(ctx, &last)).flatten().map(|(year, v)| view! {
            <span class="last-year">{format!("Năm {year}: {}", v.map(format_number).unwrap_or_else(|| "để trống".into()))}</span>
        })}
        <CellNotes ctx=ctx cell=key_notes/>
    }
}

/// A yes/no question about the unit itself (a row that counts units): "Có" is 1, "Không"
/// 0, kept in the draft as any number is. Not asked of a unit whose kind the row does not
/// count (a ward in 7.2): its answer would count nowhere.
#[component]
fn YesNoInput(ctx: FormCtx, cell: NumberCell, aria: String) -> impl IntoView {
    let key = cell.to_string();
    let code = cell.code.clone();
    let asked = move || ctx.not_counted.with(|n| !n.contains(&code));
    let (read, write) = (cell.clone(), cell);
    let key_notes = key.clone();
    view! {
        {move || if asked() {
            let read = read.clone();
            let value = move || {
                ctx.draft
                    .with(|d| d.numbers.get(&read).cloned().unwrap_or_default())
            };
            view! {
                <select
                    class="yes-no"
                    aria-label=aria.clone()
                    id=cell_dom_id(&key)
                    data-cell=key.clone()
                    prop:value=value
                    prop:disabled=move || ctx.readonly.get()
                    on:change={
                        let write = write.clone();
                        move |ev| {
                            let chosen = event_target_value(&ev);
                            ctx.draft.update(|d| {
                                d.numbers.insert(write.clone(), chosen);
                            });
                            ctx.on_edit.run(());
                        }
                    }
                >
                    <option value="">"—"</option>
                    <option value="1">"Có"</option>
                    <option value="0">"Không"</option>
                </select>
            }.into_any()
        } else {
            // A value typed before the row counted units by kind (a province's number
            // of communes) could never be sent: it can be cleared here.
            let typed = ctx.draft.with(|d| d.numbers.get(&write).is_some_and(|v| !v.trim().is_empty()));
            let clear = {
                let write = write.clone();
                move |_| {
                    ctx.draft.update(|d| {
                        d.numbers.remove(&write);
                    });
                    ctx.on_edit.run(());
                }
            };
            view! {
                <span class="not-asked" data-cell=key.clone()>"Không áp dụng cho loại đơn vị này"</span>
                {(typed && !ctx.readonly.get()).then(|| view! {
                    <button type="button" class="link clear-not-asked" on:click=clear>"Xoá giá trị đã nhập"</button>
                })}
            }.into_any()
        }}
        <CellNotes ctx=ctx cell=key_notes/>
    }
}

/// The year and the cell's value in the unit's report last year (`None`: left blank),
/// when there is one to compare with.
fn last_year_of(ctx: FormCtx, cell: &NumberCell) -> Option<(i64, Option<u64>)> {
    ctx.reference.with(|r| {
        r.last_year
            .as_ref()
            .map(|l| (l.year, l.content.numbers.get(cell).copied()))
    })
}

/// A note or a narrative text.
#[component]
fn TextInput(ctx: FormCtx, cell: TextCell, multiline: bool) -> impl IntoView {
    let key = cell.to_string();
    let (read, write) = (cell.clone(), cell);
    let value = move || {
        ctx.draft
            .with(|d| d.texts.get(&read).cloned().unwrap_or_default())
    };
    let on_input = move |ev: leptos::ev::Event| {
        let typed = event_target_value(&ev);
        ctx.draft.update(|d| {
            d.texts.insert(write.clone(), typed);
        });
        ctx.on_edit.run(());
    };
    let readonly = move || ctx.readonly.get();
    let id = cell_dom_id(&key);
    let (notes, picked) = (key.clone(), key.clone());
    let on_focus = move |_| pick(ctx, &picked);
    let input = if multiline {
        view! { <textarea id=id data-cell=key rows="3" prop:value=value prop:readOnly=readonly on:input=on_input on:focus=on_focus></textarea> }
            .into_any()
    } else {
        view! { <input type="text" class="note-input" id=id data-cell=key prop:value=value prop:readOnly=readonly on:input=on_input on:focus=on_focus/> }.into_any()
    };
    view! { {input} <CellNotes ctx=ctx cell=notes/> }
}

/// A reviewer who may comment picks the cell they are on.
fn pick(ctx: FormCtx, cell: &str) {
    if let Some(on_pick) = ctx.remarks.on_pick {
        on_pick.run(cell.to_owned());
    }
}

/// The comments on one cell: what the supervisor wrote, whether it is settled (answered,
/// or the cell changed since), and for the unit's staff a box to answer.
#[component]
fn CellNotes(ctx: FormCtx, cell: String) -> impl IntoView {
    // This cell's own comments, drawn again only when they change: a comment arriving
    // on another cell leaves an answer being typed here as it is.
    let mine = Memo::new(move |_| {
        ctx.remarks.comments.with(|all| {
            all.iter()
                .filter(|c| c.cell == cell)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    move || {
        mine.get()
            .into_iter()
            .map(|c| view! { <CellNote ctx=ctx comment=c/> })
            .collect_view()
    }
}

#[component]
fn CellNote(ctx: FormCtx, comment: CellComment) -> impl IntoView {
    let id = comment.id;
    let stored = StoredValue::new(comment.clone());
    let settled = move || stored.with_value(|c| ctx.content.with(|content| c.settled(content)));
    let unsent = move || ctx.remarks.unsent.with(|u| u.get(&id).cloned());
    let typed = RwSignal::new(
        ctx.remarks
            .in_progress
            .and_then(|c| c.run(id))
            .or_else(|| comment.answer.as_ref().map(|a| a.text.clone()))
            .unwrap_or_default(),
    );
    let on_typing = ctx.remarks.on_typing;
    let answer = comment.answer.clone();
    view! {
        <div class="cell-comment" data-comment=id data-settled=move || format!("{:?}", settled()) role="note">
            <p class="comment-text">
                <strong>"Nhận xét của cấp trên: "</strong> {comment.comment.text.clone()}
                <span class="comment-by">{format!(" — {}, {}", comment.comment.display_name, tuanle_shared::wire::format_day(comment.comment.at))}</span>
            </p>
            <p class="comment-state" class:open=move || settled().is_open()>{move || settled().label()}</p>
            {answer.map(|a| view! {
                <p class="comment-answer"><strong>"Trả lời: "</strong> {a.text} <span class="comment-by">{format!(" — {}, {}", a.display_name, tuanle_shared::wire::format_day(a.at))}</span></p>
            })}
            {move || (ctx.remarks.on_answer.is_some() && ctx.remarks.answers_closed.get()).then(|| view! {
                <p class="muted answers-closed">"Báo cáo đang khoá: không thể trả lời nhận xét."</p>
            })}
            {ctx.remarks.on_answer.map(|on_answer| view! {
                <div class="answer-box" class:hidden=move || ctx.remarks.answers_closed.get()>
                    <label>"Trả lời nhận xét"
                        <textarea rows="2" name="answer" bind:value=typed
                        on:input=move |ev| if let Some(keep) = on_typing {
                            keep.run((id, event_target_value(&ev)));
                        }></textarea>
                    </label>
                    <button type="button" class="secondary send-answer"
                        disabled=move || typed.with(|t| t.trim().is_empty())
                        on:click=move |_| on_answer.run((id, typed.get_untracked()))>
                        "Gửi trả lời"
                    </button>
                    {move || unsent().map(|_| view! { <span class="unsent">"Chưa gửi: sẽ gửi khi có mạng."</span> })}
                </div>
            })}
        </div>
    }
}

/// The indicator form filled with figures, read only: a consolidated subtree or a
/// report under review. Totals are computed by the shared code, as everywhere.
#[component]
pub fn FiguresTable(
    form: Arc<FormDef>,
    #[prop(into)] figures: Signal<Option<Sums>>,
) -> impl IntoView {
    let stored = StoredValue::new(form);
    let totals = Memo::new(move |_| {
        figures.with(|f| {
            f.as_ref()
                .map(|f| stored.with_value(|form| Totals::compute(form, f)))
        })
    });
    let title = stored.with_value(|f| f.title().to_owned());
    let rows = stored.with_value(|f| f.rows().iter().cloned().enumerate().collect::<Vec<_>>());
    let cell = move |index: usize, row: &RowDef, column: Column| -> Option<String> {
        match &row.kind {
            RowKind::Total { columns, .. } if columns.contains(&column) => totals
                .with(|t| t.as_ref().and_then(|t| t.get(index, column)))
                .map(format_number),
            _ if row.accepts(column) => figures.with(|f| {
                f.as_ref()
                    .and_then(|f| stored.with_value(|form| f.value(form, index, column)))
                    .map(format_number)
            }),
            _ => None,
        }
    };
    view! {
        <h2 class="form-title">{title}</h2>
        <div class="table-wrap">
            <table class="form-table readonly">
                <TableHead with_note=false/>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(i, row)| {
                            let kind_class = match row.kind {
                                RowKind::Group => "group",
                                RowKind::Total { .. } => "total",
                                _ if row.stt.is_some() => "top",
                                _ => "sub",
                            };
                            let (r1, r2) = (row.clone(), row.clone());
                            let code = row.code.to_string();
                            view! {
                                <tr class=kind_class data-row=code.clone()>
                                    <td class="stt">{row.stt.clone().unwrap_or_default()}</td>
                                    <td class="label">{row.label.clone()}</td>
                                    <td class="unit">{row.unit.clone()}</td>
                                    <td class="num value" data-value=format!("{code}/count")>{move || cell(i, &r1, Column::Count)}</td>
                                    <td class="num value" data-value=format!("{code}/persons")>{move || cell(i, &r2, Column::Persons)}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </div>
    }
}
