//! The sync engine's logic (`docs/sync.md`), free of the browser so it is tested natively.
//!
//! Per report the device keeps the content it shows (`Draft`), the last server version
//! it knows (`base`), at most one queued push, and an unresolved conflict if there is
//! one. A queued push is immutable: it keeps its `push_id`, base and content across every
//! retry, so the server applies it once; edits made meanwhile go in the next push.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tuanle_shared::content::CellValue;
use tuanle_shared::merge::keys_of;
use tuanle_shared::peers::Reference;
use tuanle_shared::wire::{
    CellComment, HelpContact, PushAccepted, PushConflict, PushRequest, RefusalCode, ReportState,
    ReportStatus,
};
use tuanle_shared::{Cell, Conflict, Content, FormDef, merge};

use crate::draft::Draft;

/// What the server last said about the report, beyond its content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerMeta {
    pub unit_name: Option<String>,
    pub status: Option<ReportStatus>,
    pub late: bool,
    pub return_reason: Option<String>,
    pub deadline: Option<String>,
    pub updated_by: Option<String>,
    pub updated_at: Option<i64>,
    /// Why the report takes no changes whatever its status (a closed campaign, an
    /// inactive unit), as the server last said.
    #[serde(default)]
    pub read_only: Option<RefusalCode>,
    /// The report's form version, for reading the draft where the page is not open
    /// (signing out checks every stored report for unsent changes).
    #[serde(default)]
    pub form_version: Option<String>,
    /// The comments on the report's cells, as last pulled: shown offline too.
    #[serde(default)]
    pub comments: Vec<CellComment>,
    /// What the report is compared with (last year, the peers' fences), as last pulled:
    /// the warnings offline are the server's.
    #[serde(default)]
    pub reference: Reference,
    /// Who to ask for help: the unit's parent and its contact.
    #[serde(default)]
    pub help: Option<HelpContact>,
    /// The yes/no rows not asked of this unit's kind.
    #[serde(default)]
    pub not_counted: Vec<tuanle_shared::Code>,
}

/// Cells changed both here and on another device, waiting for the person to choose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingConflict {
    /// The server version the choices are made against.
    pub version: u64,
    pub conflicts: Vec<Conflict>,
    pub changed_by: String,
    pub changed_at: i64,
}

/// Everything the device keeps about one report besides the draft.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    pub base_version: u64,
    pub base: Content,
    pub pending: Option<PushRequest>,
    pub conflict: Option<PendingConflict>,
    pub meta: ServerMeta,
    /// Unix milliseconds of the last exchange that succeeded.
    pub last_sync_ms: Option<f64>,
    /// Failed attempts in a row, for the backoff.
    #[serde(default)]
    pub failures: u32,
    /// The last push the server refused for what it held (not for the network, the
    /// session or the report's state): it would be refused again as it is, so the same
    /// content is not sent again until it changes.
    #[serde(default)]
    pub refused: Option<RefusedPush>,
    /// Answers to comments written here and not yet accepted by the server, by comment:
    /// kept like every keystroke, sent at the next exchange.
    #[serde(default)]
    pub answers: BTreeMap<i64, String>,
    /// Answers being written, not yet given to send ("Gửi trả lời"), by comment: kept
    /// at every keystroke like the figures, so a reload or a tablet that dies keeps them.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub answer_drafts: BTreeMap<i64, String>,
}

/// A push the server refused, and why, as it said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RefusedPush {
    pub content: Content,
    pub code: RefusalCode,
    pub message: String,
}

/// What a sync step tells the person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum News {
    Nothing,
    /// Cells that came from another device.
    CameIn(Vec<Cell>),
    /// A conflict to resolve.
    Conflict,
}

impl SyncState {
    /// Whether the device holds anything the server has not got.
    pub fn has_unsent(&self, form: &FormDef, draft: &Draft) -> bool {
        self.pending.is_some() || draft.content_over(form, &self.base) != self.base
    }

    /// Submitted or approved: no changes until the report is returned.
    pub fn locked(&self) -> bool {
        self.meta.status.is_some_and(ReportStatus::is_locked)
    }

    /// Whether the report takes no changes here, for any reason: locked, or read-only
    /// (a closed campaign, an inactive unit).
    pub fn frozen(&self) -> bool {
        self.locked() || self.meta.read_only.is_some()
    }

    /// Whether the report is on another form version than `shown`, the one it is shown
    /// by: it then takes no typing (a cell its own version lacks would be refused).
    pub fn on_other_version(&self, shown: &str) -> bool {
        self.meta
            .form_version
            .as_deref()
            .is_some_and(|own| own != shown)
    }

    /// The push to send now, if any: the queued one again (a retry keeps its id), or a
    /// new one of the current draft. None while a conflict waits or the report takes no
    /// changes.
    pub fn next_push(
        &mut self,
        form: &FormDef,
        draft: &Draft,
        device_id: &str,
        new_id: impl FnOnce() -> String,
    ) -> Option<PushRequest> {
        if self.conflict.is_some() || self.frozen() {
            return None;
        }
        if self.pending.is_none() {
            let content = draft.content_over(form, &self.base);
            if content == self.base && self.base_version > 0 {
                return None;
            }
            if content.is_empty() && self.base_version == 0 {
                return None;
            }
            if self.refused.as_ref().is_some_and(|r| r.content == content) {
                return None;
            }
            self.pending = Some(PushRequest {
                push_id: new_id(),
                device_id: device_id.to_owned(),
                base_version: self.base_version,
                content,
                form_version: Some(form.version().to_owned()),
            });
        }
        self.pending.clone()
    }

    /// The server accepted the queued push. Cells that came from the other device are
    /// shown, unless the person has changed them since the push was queued.
    pub fn accepted(
        &mut self,
        form: &FormDef,
        answer: PushAccepted,
        draft: &mut Draft,
        now_ms: f64,
    ) -> News {
        let sent = self.pending.take().map(|p| p.content).unwrap_or_default();
        for cell in &answer.from_theirs {
            if draft.content_over(form, &self.base).get(cell) == sent.get(cell) {
                draft.set(cell, answer.content.get(cell));
            }
        }
        self.base_version = answer.version;
        self.base = answer.content;
        self.refused = None;
        if self.meta.status.is_none() {
            self.meta.status = Some(ReportStatus::Draft);
        }
        self.succeeded(now_ms);
        if answer.from_theirs.is_empty() {
            News::Nothing
        } else {
            News::CameIn(answer.from_theirs)
        }
    }

    /// The server refused the queued push with a conflict: nothing was written there, and
    /// nothing typed here is dropped. Cells changed only on the other device come in;
    /// the conflicting ones keep this device's value until the person chooses.
    pub fn conflicted(
        &mut self,
        form: &FormDef,
        answer: PushConflict,
        draft: &mut Draft,
        now_ms: f64,
    ) -> News {
        self.pending = None;
        self.merge_in(form, answer.version, answer.content, draft);
        self.conflict = Some(PendingConflict {
            version: self.base_version,
            conflicts: answer.conflicts,
            changed_by: answer.changed_by,
            changed_at: answer.changed_at,
        });
        self.succeeded(now_ms);
        News::Conflict
    }

    /// The server refused the push because the report is locked: the device keeps what
    /// was typed and stops pushing until the report is returned.
    pub fn refused_locked(&mut self) {
        self.pending = None;
        if !self.locked() {
            self.meta.status = Some(ReportStatus::Submitted);
        }
    }

    /// The server refused the push because the report is read-only for a reason other
    /// than its status (`CAMPAIGN_CLOSED`, `UNIT_INACTIVE`): the device keeps the draft
    /// and the queued push as they are, and stops pushing until a pull says the report
    /// takes changes again. The report's status is not touched: it was not submitted.
    pub fn refused_read_only(&mut self, why: RefusalCode) {
        self.meta.read_only = Some(why);
    }

    /// The server refused the queued push for what it holds (`ABOVE_BOUND`, a cell the
    /// form does not have…): it is dropped, since it would be refused again as it is,
    /// and its content is remembered so that it is not sent again until it changes.
    /// Nothing typed is touched: the person corrects it, and the next push goes.
    pub fn refused(&mut self, code: RefusalCode, message: String) {
        if let Some(push) = self.pending.take() {
            self.refused = Some(RefusedPush {
                content: push.content,
                code,
                message,
            });
        }
    }

    /// The refusal of the last push, while the draft would send the same again.
    pub fn standing_refusal(&self, form: &FormDef, draft: &Draft) -> Option<&RefusedPush> {
        let refused = self.refused.as_ref()?;
        (self.pending.is_none() && draft.content_over(form, &self.base) == refused.content)
            .then_some(refused)
    }

    /// The server's current state arrived (a pull). With nothing unsent the device takes
    /// it; with unsent edits it merges, and keeps any conflict for the person.
    pub fn pulled(
        &mut self,
        form: &FormDef,
        state: ReportState,
        draft: &mut Draft,
        now_ms: f64,
    ) -> News {
        // This device's first exchange: everything would be "new".
        let first = self.last_sync_ms.is_none();
        self.meta = ServerMeta {
            unit_name: Some(state.unit_name),
            status: Some(state.status),
            late: state.late,
            return_reason: state.return_reason,
            deadline: state.deadline,
            updated_by: state.updated_by,
            updated_at: state.updated_at,
            read_only: state.read_only,
            form_version: Some(state.form_version),
            comments: state.comments,
            reference: state.reference,
            help: state.help,
            not_counted: state.not_counted,
        };
        self.forget_drafts_of_gone_comments();
        self.succeeded(now_ms);
        if self.pending.is_some() || state.version == self.base_version || self.conflict.is_some() {
            return News::Nothing;
        }
        if !self.has_unsent(form, draft) {
            // Nothing of ours to keep: take the server's, and name what changed (not on
            // this device's first load, when everything would be "new"; another
            // device's first push into an empty report is news).
            let changed = if first {
                Vec::new()
            } else {
                changed_cells(&self.base, &state.content)
            };
            *draft = Draft::from_content(&state.content);
            self.base_version = state.version;
            self.base = state.content;
            return if changed.is_empty() {
                News::Nothing
            } else {
                News::CameIn(changed)
            };
        }
        let (came_in, conflicts) = self.merge_in(form, state.version, state.content, draft);
        if conflicts.is_empty() {
            return if came_in.is_empty() {
                News::Nothing
            } else {
                News::CameIn(came_in)
            };
        }
        self.conflict = Some(PendingConflict {
            version: self.base_version,
            changed_by: self.meta.updated_by.clone().unwrap_or_default(),
            changed_at: self.meta.updated_at.unwrap_or_default(),
            conflicts,
        });
        News::Conflict
    }

    /// An answer to a comment, written here: kept until the server has it.
    pub fn answer(&mut self, comment: i64, text: String) {
        self.answer_drafts.remove(&comment);
        self.answers.insert(comment, text);
    }

    /// An answer as it is being written (an emptied box keeps nothing).
    pub fn answer_typed(&mut self, comment: i64, text: String) {
        if text.is_empty() {
            self.answer_drafts.remove(&comment);
        } else {
            self.answer_drafts.insert(comment, text);
        }
    }

    /// What to show in the box under `comment`: the answer being written (a draft is
    /// always newer than the answer queued: sending one clears it), else the one waiting
    /// to be sent.
    pub fn answer_in_progress(&self, comment: i64) -> Option<String> {
        self.answer_drafts
            .get(&comment)
            .or_else(|| self.answers.get(&comment))
            .cloned()
    }

    /// The next answer to send, if any.
    pub fn next_answer(&self) -> Option<(i64, String)> {
        self.answers.iter().next().map(|(id, t)| (*id, t.clone()))
    }

    /// The server took the answer `text` to `comment`, and says where the comments stand.
    /// An answer rewritten meanwhile stays to be sent.
    pub fn answered(&mut self, comment: i64, text: &str, comments: Vec<CellComment>) {
        if self.answers.get(&comment).is_some_and(|t| t == text) {
            self.answers.remove(&comment);
        }
        self.meta.comments = comments;
        self.forget_drafts_of_gone_comments();
    }

    /// An answer being written to a comment the server no longer has (deleted, or a
    /// practice report reset) is of no use, and its id may come back on another comment.
    fn forget_drafts_of_gone_comments(&mut self) {
        let comments = &self.meta.comments;
        self.answer_drafts
            .retain(|id, _| comments.iter().any(|c| c.id == *id));
    }

    /// The server no longer has the comment (or refuses the answer for what it holds): the
    /// answer cannot be sent, and is dropped rather than retried for ever.
    pub fn answer_refused(&mut self, comment: i64) {
        self.answers.remove(&comment);
    }

    /// Merges the server's `theirs` into the draft over the known base, then makes it the
    /// base. Returns the cells that came in and the conflicting cells (which keep the
    /// draft's value).
    fn merge_in(
        &mut self,
        form: &FormDef,
        version: u64,
        theirs: Content,
        draft: &mut Draft,
    ) -> (Vec<Cell>, Vec<Conflict>) {
        let ours = draft.content_over(form, &self.base);
        let outcome = merge(&self.base, &theirs, &ours);
        for cell in &outcome.from_theirs {
            draft.set(cell, outcome.merged.get(cell));
        }
        self.base_version = version;
        self.base = theirs;
        (outcome.from_theirs, outcome.conflicts)
    }

    /// The person chose a value for every conflicting cell: they are written into the
    /// draft and the next push goes against the server's version.
    pub fn resolve(&mut self, choices: &[(Cell, Option<CellValue>)], draft: &mut Draft) -> bool {
        let Some(conflict) = &self.conflict else {
            return false;
        };
        if !conflict
            .conflicts
            .iter()
            .all(|c| choices.iter().any(|(cell, _)| *cell == c.cell))
        {
            return false;
        }
        for (cell, value) in choices {
            draft.set(cell, value.clone());
        }
        self.conflict = None;
        true
    }

    /// A network failure: the queued push stays queued, with the same id.
    pub fn failed(&mut self) {
        self.failures = self.failures.saturating_add(1);
    }

    fn succeeded(&mut self, now_ms: f64) {
        self.failures = 0;
        self.last_sync_ms = Some(now_ms);
    }

    /// How long to wait before retrying after the failures so far, with jitter from
    /// `random` (`0..1`): see [`crate::retry::backoff_ms`].
    pub fn retry_delay_ms(&self, random: f64) -> u32 {
        crate::retry::backoff_ms(self.failures, random)
    }
}

/// The cells whose value differs between two contents, in order.
fn changed_cells(a: &Content, b: &Content) -> Vec<Cell> {
    let numbers = keys_of([&a.numbers, &b.numbers]).cloned().map(Cell::Number);
    let texts = keys_of([&a.texts, &b.texts]).cloned().map(Cell::Text);
    // Numbers before texts, each in order: `Cell`'s own order.
    numbers
        .chain(texts)
        .filter(|c| a.get(c) != b.get(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tuanle_shared::form::Column;
    use tuanle_shared::{NumberCell, merge::Conflict};

    fn form() -> &'static tuanle_shared::FormDef {
        tuanle_shared::form::builtin("2025").expect("the 2025 form")
    }

    fn cell(code: &str) -> NumberCell {
        NumberCell::new(code.parse().expect("code"), Column::Count)
    }

    #[test]
    fn an_answer_being_written_is_stored_and_given_up_to_the_queue_when_sent() {
        let mut s = SyncState::default();
        s.answer_typed(7, "Đúng là".into());
        let stored: SyncState =
            crate::json::from_str(&serde_json::to_string(&s).expect("json")).expect("back");
        assert_eq!(stored.answer_in_progress(7).as_deref(), Some("Đúng là"));
        assert!(
            stored.next_answer().is_none(),
            "not sent before the person says so"
        );
        s.answer(7, "Đúng là 3 bài".into());
        assert!(s.answer_drafts.is_empty());
        assert_eq!(s.next_answer(), Some((7, "Đúng là 3 bài".into())));
        // Written on after sending, offline: the box shows the newer text.
        s.answer_typed(7, "Đúng là 3 bài, đã kiểm tra".into());
        assert_eq!(
            s.answer_in_progress(7).as_deref(),
            Some("Đúng là 3 bài, đã kiểm tra")
        );
        s.answer_typed(8, "x".into());
        s.answer_typed(8, String::new());
        assert_eq!(s.answer_in_progress(8), None);
        // The server no longer has comment 7: its draft goes.
        s.answered(7, "Đúng là 3 bài", Vec::new());
        assert!(s.answer_drafts.is_empty());
        // A state stored by a build without drafts reads as having none.
        let earlier = serde_json::to_string(&SyncState::default()).expect("json");
        assert!(!earlier.contains("answer_drafts"), "{earlier}");
    }

    fn content(cells: &[(&str, u64)]) -> Content {
        let mut c = Content::default();
        for (k, v) in cells {
            c.set_number(cell(k), Some(*v));
        }
        c
    }

    fn ids() -> impl FnMut() -> String {
        let mut n = 0;
        move || {
            n += 1;
            format!("push-{n}")
        }
    }

    fn state(version: u64, c: Content) -> ReportState {
        ReportState {
            campaign: "2025".into(),
            unit_code: "U".into(),
            unit_name: "U".into(),
            form_version: "2025".into(),
            version,
            content: c,
            status: ReportStatus::Draft,
            late: false,
            return_reason: None,
            deadline: None,
            updated_by: Some("Máy khác".into()),
            updated_at: Some(1),
            read_only: None,
            review_refusal: Some(RefusalCode::Forbidden),
            comments: Vec::new(),
            reference: Default::default(),
            help: None,
            follow_up: false,
            flagged: false,
            not_counted: Vec::new(),
        }
    }

    #[test]
    fn nothing_typed_means_nothing_to_push() {
        let mut s = SyncState::default();
        assert_eq!(s.next_push(form(), &Draft::default(), "d", ids()), None);
    }

    #[test]
    fn a_retry_reuses_the_push_id_and_its_content() {
        let mut s = SyncState::default();
        let mut d = Draft::from_content(&content(&[("2", 1)]));
        let mut next = ids();
        let first = s.next_push(form(), &d, "d", &mut next).expect("a push");
        s.failed();
        d.numbers.insert(cell("2"), "5".into());
        let retry = s
            .next_push(form(), &d, "d", &mut next)
            .expect("the same push");
        assert_eq!(retry, first);
        assert_eq!(s.retry_delay_ms(1.0), 2_000, "the first retry: 1 to 2 s");
        s.accepted(
            form(),
            PushAccepted {
                version: 1,
                content: first.content.clone(),
                from_theirs: vec![],
            },
            &mut d,
            1.0,
        );
        let second = s
            .next_push(form(), &d, "d", &mut next)
            .expect("the newer edit goes next");
        assert_eq!(second.push_id, "push-2");
        assert_eq!(second.base_version, 1);
        assert_eq!(second.content, content(&[("2", 5)]));
    }

    #[test]
    fn a_refused_push_is_not_sent_again_until_the_draft_changes() {
        let mut s = SyncState::default();
        let mut d = Draft::from_content(&content(&[("2", 1)]));
        let mut next = ids();
        let first = s.next_push(form(), &d, "d", &mut next).expect("a push");
        s.refused(RefusalCode::AboveBound, "quá lớn".into());
        assert_eq!(s.pending, None, "dropped: it would be refused again");
        assert!(s.has_unsent(form(), &d), "what was typed is still unsent");
        assert_eq!(s.next_push(form(), &d, "d", &mut next), None);
        assert_eq!(
            s.standing_refusal(form(), &d).map(|r| r.code),
            Some(RefusalCode::AboveBound)
        );
        d.numbers.insert(cell("2"), "5".into());
        let second = s
            .next_push(form(), &d, "d", &mut next)
            .expect("a corrected draft goes");
        assert_ne!(second.push_id, first.push_id);
        assert_eq!(
            s.standing_refusal(form(), &d),
            None,
            "no longer what was refused"
        );
        s.accepted(
            form(),
            PushAccepted {
                version: 1,
                content: second.content.clone(),
                from_theirs: vec![],
            },
            &mut d,
            1.0,
        );
        assert_eq!(s.refused, None);
    }

    #[test]
    fn cells_from_the_other_device_come_in() {
        let mut s = SyncState::default();
        let mut d = Draft::from_content(&content(&[("2", 1)]));
        let push = s.next_push(form(), &d, "d", ids()).expect("push");
        let merged = content(&[("2", 1), ("3", 9)]);
        let news = s.accepted(
            form(),
            PushAccepted {
                version: 2,
                content: merged.clone(),
                from_theirs: vec![Cell::Number(cell("3"))],
            },
            &mut d,
            1.0,
        );
        assert_eq!(news, News::CameIn(vec![Cell::Number(cell("3"))]));
        assert_eq!(d.content(form()), merged);
        assert_eq!(push.base_version, 0);
        assert!(!s.has_unsent(form(), &d));
    }

    #[test]
    fn a_conflict_keeps_what_was_typed_until_the_person_chooses() {
        let mut s = SyncState {
            base_version: 1,
            base: content(&[("2", 1), ("3", 1)]),
            ..Default::default()
        };
        let mut d = Draft::from_content(&content(&[("2", 6), ("3", 1)]));
        s.next_push(form(), &d, "d", ids()).expect("push");
        let theirs = content(&[("2", 5), ("3", 8)]);
        let news = s.conflicted(
            form(),
            PushConflict {
                code: RefusalCode::Conflict,
                message: String::new(),
                version: 2,
                content: theirs,
                conflicts: vec![Conflict {
                    cell: Cell::Number(cell("2")),
                    base: Some(CellValue::Number(1)),
                    theirs: Some(CellValue::Number(5)),
                    ours: Some(CellValue::Number(6)),
                }],
                changed_by: "Máy khác".into(),
                changed_at: 1,
            },
            &mut d,
            1.0,
        );
        assert_eq!(news, News::Conflict);
        assert_eq!(
            d.content(form()),
            content(&[("2", 6), ("3", 8)]),
            "ours kept, the other cell came in"
        );
        assert_eq!(
            s.next_push(form(), &d, "d", ids()),
            None,
            "nothing is pushed before the choice"
        );
        let choices = [(Cell::Number(cell("2")), Some(CellValue::Number(5)))];
        assert!(s.resolve(&choices, &mut d));
        assert_eq!(d.content(form()), content(&[("2", 5), ("3", 8)]));
        assert!(
            !s.has_unsent(form(), &d),
            "taking theirs leaves nothing to send"
        );
    }

    #[test]
    fn a_pull_takes_the_server_when_nothing_is_unsent_and_merges_otherwise() {
        let mut s = SyncState::default();
        let mut d = Draft::default();
        s.pulled(form(), state(3, content(&[("2", 4)])), &mut d, 1.0);
        assert_eq!(
            (s.base_version, d.content(form())),
            (3, content(&[("2", 4)]))
        );

        d.numbers.insert(cell("3"), "7".into());
        let news = s.pulled(form(), state(4, content(&[("2", 9)])), &mut d, 2.0);
        assert_eq!(news, News::CameIn(vec![Cell::Number(cell("2"))]));
        assert_eq!(d.content(form()), content(&[("2", 9), ("3", 7)]));
        assert!(
            s.has_unsent(form(), &d),
            "the local edit is still to be pushed"
        );
        let push = s.next_push(form(), &d, "d", ids()).expect("push");
        assert_eq!(push.base_version, 4);
    }

    #[test]
    fn a_locked_report_keeps_the_edits_and_stops_pushing() {
        let mut s = SyncState::default();
        let d = Draft::from_content(&content(&[("2", 1)]));
        s.next_push(form(), &d, "d", ids()).expect("push");
        s.refused_locked();
        assert!(s.locked());
        assert_eq!(s.next_push(form(), &d, "d", ids()), None);
        assert!(s.has_unsent(form(), &d));
    }

    #[test]
    fn a_closed_campaign_keeps_the_draft_unsubmitted_until_it_opens_again() {
        let mut s = SyncState::default();
        let mut d = Draft::from_content(&content(&[("2", 1)]));
        let queued = s.next_push(form(), &d, "d", ids()).expect("push");
        s.refused_read_only(RefusalCode::CampaignClosed);
        assert!(!s.locked(), "not taken for submitted");
        assert_eq!(s.meta.status, None);
        assert!(s.frozen());
        assert_eq!(s.next_push(form(), &d, "d", ids()), None, "no more pushes");
        assert!(s.has_unsent(form(), &d), "the edits are kept");
        // Still closed at the next pull: nothing changes.
        let closed = ReportState {
            read_only: Some(RefusalCode::CampaignClosed),
            ..state(0, Content::default())
        };
        s.pulled(form(), closed, &mut d, 1.0);
        assert_eq!(s.next_push(form(), &d, "d", ids()), None);
        assert_eq!(d.content(form()), content(&[("2", 1)]));
        // Opened again: the same queued push goes, with its id.
        s.pulled(form(), state(0, Content::default()), &mut d, 2.0);
        assert_eq!(s.next_push(form(), &d, "d", ids()), Some(queued));
    }
}
