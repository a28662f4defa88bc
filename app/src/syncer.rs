//! Runs the sync logic of [`crate::sync`] against the server for one report: after
//! edits (debounced), when the network comes back, when the server's live stream says
//! the report moved there, every 30 seconds while online, and when the person asks. Every change is written to storage before anything else.
//!
//! An exchange in flight when the page goes away is simply dropped: the queued push is
//! still in storage with its id, and the next sync sends it again, which the server
//! answers as it did the first time.

use std::sync::Arc;
use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use tuanle_shared::wire::{RefusalCode, ReportNews, ReportState, routes};
use tuanle_shared::{Cell, FormDef, TextField};

use crate::api::{self, ApiFailure, PushOutcome};
use crate::device;
use crate::draft::Draft;
use crate::live::Heard;
use crate::storage::{self, StoredReport};
use crate::sync::{News, SyncState};

/// How soon after the last keystroke a sync starts.
const DEBOUNCE: Duration = Duration::from_millis(1_500);
/// How often to sync while the page is open.
const PERIOD: Duration = Duration::from_secs(30);

/// What the sync is doing, for the status bar. Each way of failing is its own state,
/// because each asks something else of the person: nothing (offline, no answer, a
/// server error: it retries by itself), signing in again, or correcting what was typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    Idle,
    Syncing,
    /// The browser has no network.
    Offline,
    /// Connected, but the server did not answer (a stalled link, a captive portal).
    NoAnswer,
    /// The server failed; it is retried.
    ServerError,
    /// The session has ended: sign in again.
    SignedOut,
    /// The server refused, with its message in Vietnamese.
    Refused(String),
}

impl Phase {
    /// Offline, no answer or a server error: retried by itself.
    pub fn is_transient_failure(&self) -> bool {
        matches!(self, Phase::Offline | Phase::NoAnswer | Phase::ServerError)
    }
}

/// One report's draft, sync state and the machinery that keeps them in step.
#[derive(Clone, Copy)]
pub struct ReportSync {
    pub campaign: StoredValue<String>,
    pub unit: StoredValue<String>,
    /// The report's form: what is sent is parsed and bounded by it.
    pub form: StoredValue<Arc<FormDef>>,
    pub device_id: StoredValue<String>,
    pub draft: RwSignal<Draft>,
    pub state: RwSignal<SyncState>,
    pub phase: RwSignal<Phase>,
    /// A message about what just happened (what came in from another device).
    pub news: RwSignal<Option<String>>,
    /// Set when storage refused a write.
    pub storage_error: RwSignal<Option<String>>,
    running: StoredValue<bool>,
    again: StoredValue<bool>,
    timer: StoredValue<Option<TimeoutHandle>>,
}

/// How a cell is named to people.
pub fn describe_cell(cell: &Cell) -> String {
    match cell {
        Cell::Number(c) => match c.column {
            tuanle_shared::Column::Count => format!("dòng {}, Số lớp/số cuộc thi", c.code),
            tuanle_shared::Column::Persons => format!("dòng {}, Số người", c.code),
        },
        Cell::Text(c) => match c.field {
            TextField::Note => format!("dòng {}, Ghi chú", c.code),
            TextField::Text => format!("mục {}", c.code),
        },
    }
}

impl ReportSync {
    /// Loads the report from storage and starts syncing it.
    pub fn start(campaign: String, unit: String, form: Arc<FormDef>) -> ReportSync {
        let stored = storage::load_report(&campaign, &unit);
        let this = ReportSync {
            campaign: StoredValue::new(campaign),
            unit: StoredValue::new(unit),
            form: StoredValue::new(form),
            device_id: StoredValue::new(storage::device_id()),
            draft: RwSignal::new(stored.draft),
            state: RwSignal::new(stored.sync),
            phase: RwSignal::new(if device::online() {
                Phase::Idle
            } else {
                Phase::Offline
            }),
            news: RwSignal::new(None),
            storage_error: RwSignal::new(None),
            running: StoredValue::new(false),
            again: StoredValue::new(false),
            timer: StoredValue::new(None),
        };
        let online = window_event_listener(leptos::ev::online, move |_| this.sync_now());
        let offline = window_event_listener(leptos::ev::offline, move |_| {
            this.phase.try_set(Phase::Offline);
        });
        let periodic = set_interval_with_handle(move || this.sync_now(), PERIOD).ok();
        // The server says at once when the report moves there (a return, an approval,
        // another device's push), instead of at the next periodic sync.
        let url = routes::report(&this.campaign.get_value(), &this.unit.get_value(), "events");
        let stream =
            StoredValue::new_local(crate::live::EventStream::open(
                &url,
                move |heard| match heard {
                    Heard::Ready { again: true, .. } => this.sync_now(),
                    Heard::Ready { data, .. } | Heard::Changed(data) => {
                        if let Ok(news) = crate::json::from_str::<ReportNews>(&data) {
                            this.heard(news);
                        }
                    }
                    Heard::Lost => {}
                },
            ));
        on_cleanup(move || {
            stream.set_value(None);
            online.remove();
            offline.remove();
            if let Some(p) = periodic {
                p.clear();
            }
            if let Some(Some(t)) = this.timer.try_get_value() {
                t.clear();
            }
        });
        this.sync_now();
        this
    }

    /// Whether anything typed here has not reached the server (tracked).
    pub fn unsent(&self) -> bool {
        self.form.with_value(|f| {
            self.draft.with(|d| {
                self.state
                    .with(|s| s.has_unsent(f, d) || !s.answers.is_empty())
            })
        })
    }

    /// The unit's name as the server last gave it, its code until then.
    pub fn unit_name(&self) -> String {
        self.state
            .with(|s| s.meta.unit_name.clone())
            .unwrap_or_else(|| self.unit.get_value())
    }

    /// [`ReportSync::unsent`], outside any reactive scope.
    pub fn unsent_untracked(&self) -> bool {
        self.form.with_value(|f| {
            self.draft.with_untracked(|d| {
                self.state
                    .with_untracked(|s| s.has_unsent(f, d) || !s.answers.is_empty())
            })
        })
    }

    /// What the draft would send now (tracked): see [`Draft::content_over`].
    pub fn outgoing(&self) -> tuanle_shared::Content {
        self.form.with_value(|f| {
            self.draft
                .with(|d| self.state.with(|s| d.content_over(f, &s.base)))
        })
    }

    /// Writes the draft and sync state to storage. Called after every change.
    pub fn save(&self) {
        let (Some(draft), Some(sync)) = (
            self.draft.try_get_untracked(),
            self.state.try_get_untracked(),
        ) else {
            return;
        };
        let result = storage::save_report(
            &self.campaign.get_value(),
            &self.unit.get_value(),
            &StoredReport { draft, sync },
        );
        self.storage_error
            .try_set(result.err().map(|e| e.message()));
    }

    /// The person typed: store at once, sync a little later.
    pub fn edited(&self) {
        self.save();
        let this = *self;
        if let Some(Some(t)) = self.timer.try_get_value() {
            t.clear();
        }
        let handle = set_timeout_with_handle(move || this.sync_now(), DEBOUNCE).ok();
        self.timer.try_set_value(handle);
    }

    /// Starts a sync now (or right after the one running).
    pub fn sync_now(&self) {
        let this = *self;
        spawn_local(async move { this.run().await });
    }

    /// The server's report moved: syncs when it differs from what this device last had,
    /// after the exchange running now (whose answer may be that very change).
    fn heard(&self, news: ReportNews) {
        let Some((version, status, comments_at)) = self.state.try_with_untracked(|s| {
            (
                s.base_version,
                s.meta.status,
                tuanle_shared::wire::comments_at(&s.meta.comments),
            )
        }) else {
            return;
        };
        if (news.version, Some(news.status), news.comments_at) == (version, status, comments_at) {
            return;
        }
        let this = *self;
        if self.running.try_get_value() == Some(true) {
            set_timeout(move || this.heard(news), Duration::from_millis(500));
        } else {
            self.sync_now();
        }
    }

    fn retry_later(&self) {
        let Some(delay) = self
            .state
            .try_with_untracked(|s| s.retry_delay_ms(js_sys::Math::random()))
        else {
            return;
        };
        let this = *self;
        set_timeout(
            move || this.sync_now(),
            Duration::from_millis(u64::from(delay)),
        );
    }

    async fn run(self) {
        if self.running.try_get_value() != Some(false) {
            self.again.try_set_value(true);
            return;
        }
        self.running.set_value(true);
        loop {
            self.again.set_value(false);
            self.cycle().await;
            // After a transient failure the retry is already scheduled, with backoff:
            // edits made meanwhile go with it, not in a burst against a dead link.
            let failed = self
                .phase
                .try_with_untracked(Phase::is_transient_failure)
                .unwrap_or(true);
            if failed || self.again.try_get_value() != Some(true) {
                break;
            }
        }
        self.running.try_set_value(false);
    }

    /// Applies `f` to the sync state and the draft together, then stores both.
    fn apply<R>(&self, f: impl FnOnce(&mut SyncState, &mut Draft) -> R) -> Option<R> {
        let mut state = self.state.try_get_untracked()?;
        let mut draft = self.draft.try_get_untracked()?;
        let r = f(&mut state, &mut draft);
        self.draft.try_set(draft);
        self.state.try_set(state);
        self.save();
        Some(r)
    }

    /// After the server reset the report (a practice campaign): nothing of it is kept
    /// here either, and the next exchange starts from nothing.
    pub fn start_over(&self) {
        self.apply(|s, d| {
            *s = SyncState::default();
            *d = Draft::default();
        });
        self.news.try_set(None);
        self.sync_now();
    }

    /// The person is writing an answer: kept at once, sent only when they say so.
    /// Untracked: nothing on screen reads the drafts (the box holds its own text), and a
    /// keystroke should not wake every reader of the sync state.
    pub fn answer_typed(&self, comment: i64, text: String) {
        if self
            .state
            .try_update_untracked(|s| s.answer_typed(comment, text))
            .is_some()
        {
            self.save();
        }
    }

    /// Keeps an answer to a comment and sends it (now, or at the next exchange).
    pub fn answer(&self, comment: i64, text: String) {
        self.apply(|s, _| s.answer(comment, text));
        self.sync_now();
    }

    /// Sends the answers written here, one by one, until none is left or the network
    /// fails (they are kept, and go at the next exchange).
    async fn send_answers(&self) -> Result<(), ApiFailure> {
        let (campaign, unit) = (self.campaign.get_value(), self.unit.get_value());
        while let Some(Some((id, text))) = self.state.try_with_untracked(|s| s.next_answer()) {
            let path = routes::report(&campaign, &unit, &format!("comments/{id}/answer"));
            let body = tuanle_shared::wire::CommentAnswerRequest { text: text.clone() };
            match api::post_json::<_, ReportState>(&path, &body).await {
                Ok(state) => {
                    self.apply(|s, _| s.answered(id, &text, state.comments));
                }
                Err(f) if f.is_transient() || f.is_signed_out() => return Err(f),
                Err(f) => {
                    self.apply(|s, _| s.answer_refused(id));
                    self.news
                        .try_set(Some(format!("Không gửi được câu trả lời: {}", f.message())));
                }
            }
        }
        Ok(())
    }

    /// Said once a conflict's choices are saved, until the push that carries them is
    /// accepted: then it is no longer true, and is cleared.
    pub const CHOICES_SAVED: &'static str = "Đã lưu lựa chọn; đang gửi lên máy chủ.";

    fn tell(&self, news: News) {
        let message = match news {
            News::Nothing => return,
            News::CameIn(cells) => format!(
                "Đã nhận thay đổi từ thiết bị khác: {}.",
                cells
                    .iter()
                    .map(describe_cell)
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            News::Conflict => {
                "Cùng một ô đã được sửa khác nhau trên hai thiết bị. Hãy chọn giá trị cần giữ."
                    .into()
            }
        };
        self.news.try_set(Some(message));
    }

    fn failed(&self, failure: ApiFailure) {
        let phase = match &failure {
            f if f.is_transient() => {
                self.apply(|s, _| s.failed());
                self.retry_later();
                match f {
                    ApiFailure::NoAnswer => Phase::NoAnswer,
                    ApiFailure::Server => Phase::ServerError,
                    _ => Phase::Offline,
                }
            }
            f if f.is_signed_out() => Phase::SignedOut,
            f => Phase::Refused(f.message()),
        };
        self.phase.try_set(phase);
    }

    async fn cycle(&self) {
        if !device::online() {
            self.phase.try_set(Phase::Offline);
            return;
        }
        // A failure stays said while it is retried, until an exchange succeeds.
        if !self
            .phase
            .try_with_untracked(Phase::is_transient_failure)
            .unwrap_or(false)
        {
            self.phase.try_set(Phase::Syncing);
        }
        let (campaign, unit) = (self.campaign.get_value(), self.unit.get_value());
        let form = self.form.get_value();
        match api::get_json::<ReportState>(&routes::report(&campaign, &unit, "")).await {
            Ok(state) => {
                let Some(news) = self.apply(|s, d| s.pulled(&form, state, d, device::now_ms()))
                else {
                    return;
                };
                self.tell(news);
            }
            Err(f) => return self.failed(f),
        }
        let push_path = routes::report(&campaign, &unit, "push");
        loop {
            let device_id = self.device_id.get_value();
            let Some(Some(push)) =
                self.apply(|s, d| s.next_push(&form, d, &device_id, storage::random_id))
            else {
                break;
            };
            match api::push(&push_path, &push).await {
                Ok(PushOutcome::Accepted(answer)) => {
                    let Some(news) =
                        self.apply(|s, d| s.accepted(&form, answer, d, device::now_ms()))
                    else {
                        return;
                    };
                    self.news.try_update(|n| {
                        if n.as_deref() == Some(Self::CHOICES_SAVED) {
                            *n = None;
                        }
                    });
                    self.tell(news);
                }
                Ok(PushOutcome::Conflict(conflict)) => {
                    let Some(news) =
                        self.apply(|s, d| s.conflicted(&form, conflict, d, device::now_ms()))
                    else {
                        return;
                    };
                    self.tell(news);
                    break;
                }
                Err(ApiFailure::Refused(e)) if e.code == RefusalCode::ReportLocked => {
                    self.apply(|s, _| s.refused_locked());
                    break;
                }
                Err(ApiFailure::Refused(e))
                    if matches!(
                        e.code,
                        RefusalCode::CampaignClosed | RefusalCode::UnitInactive
                    ) =>
                {
                    self.apply(|s, _| s.refused_read_only(e.code));
                    break;
                }
                // Refused for what it holds: sending it again would be refused again.
                Err(ApiFailure::Refused(e)) if e.code != RefusalCode::NotSignedIn => {
                    self.apply(|s, _| s.refused(e.code, e.message.clone()));
                    self.phase.try_set(Phase::Refused(e.message));
                    return;
                }
                Err(f) => return self.failed(f),
            }
        }
        if let Err(f) = self.send_answers().await {
            return self.failed(f);
        }
        // A refusal that still stands (nothing changed since) stays said.
        let standing = self.form.with_value(|f| {
            self.draft.with_untracked(|d| {
                self.state
                    .with_untracked(|s| s.standing_refusal(f, d).map(|r| r.message.clone()))
            })
        });
        self.phase
            .try_set(standing.map_or(Phase::Idle, Phase::Refused));
    }
}
