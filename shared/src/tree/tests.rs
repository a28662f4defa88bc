use super::*;

fn row(line: u32, code: &str, name: &str, kind: &str, parent: &str) -> TreeRow {
    TreeRow {
        line,
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        parent: parent.into(),
        contact: None,
        predecessor: None,
    }
}

fn existing(
    code: &str,
    name: &str,
    kind: &str,
    parent: Option<&str>,
    report: bool,
) -> ExistingUnit {
    ExistingUnit {
        code: code.into(),
        name: name.into(),
        kind: kind.into(),
        parent: parent.map(str::to_owned),
        active: true,
        has_report: report,
    }
}

fn province() -> Vec<TreeRow> {
    vec![
        row(2, "NB", "Sở GDĐT Ninh Bình", "tỉnh", ""),
        row(3, "NB-HQ", "Phường Hồng Quang", "phường", "NB"),
        row(
            4,
            "NB-HQ-TH",
            "Trường Tiểu học Hồng Quang",
            "tiểu học",
            "NB-HQ",
        ),
        row(5, "NB-HL", "Phường Hoa Lư", "phường", "nb"),
    ]
}

fn nothing_taken(_: &str) -> bool {
    false
}

fn lines_and_codes(problems: &[Problem]) -> Vec<(u32, &'static str)> {
    problems.iter().map(|p| (p.line, p.code())).collect()
}

#[test]
fn a_clean_file_is_planned_parents_first_with_depths() {
    let plan = plan(
        &province(),
        Anchor::Root,
        &[],
        nothing_taken,
        &Kinds::builtin(),
    )
    .expect("clean");
    let got: Vec<(&str, Option<&str>, u32)> = plan
        .units
        .iter()
        .map(|u| (u.code.as_str(), u.parent.as_deref(), u.depth))
        .collect();
    assert_eq!(
        got,
        [
            ("NB", None, 0),
            ("NB-HQ", Some("NB"), 1),
            ("NB-HL", Some("NB"), 1),
            ("NB-HQ-TH", Some("NB-HQ"), 2)
        ]
    );
    assert!(plan.units.iter().all(|u| u.change == Change::Added));
    assert_eq!(plan.units[3].kind, "truong_tieu_hoc");
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let rows = vec![
        row(2, "NB", "Sở GDĐT Ninh Bình", "tỉnh", ""),
        row(3, "NB-HQ", "", "phường", "NB"),
        row(4, "NB-HQ", "Phường Hồng Quang", "phường", "NB"),
        row(5, "X1", "Trường A", "bệnh viện", "NB"),
        row(6, "X2", "Trường B", "tiểu học", "ZZ"),
        row(7, "C1", "Vòng 1", "khác", "C2"),
        row(8, "C2", "Vòng 2", "khác", "C1"),
        row(9, "", "Không mã", "khác", "NB"),
        row(10, "có dấu", "Mã có dấu", "khác", "NB"),
        row(11, "R2", "Gốc thứ hai", "tỉnh", ""),
        row(12, "SELF", "Tự trỏ", "khác", "SELF"),
        TreeRow {
            predecessor: Some("mã cũ có dấu".into()),
            ..row(13, "NB-P", "Phường mới", "phường", "NB")
        },
    ];
    let problems =
        plan(&rows, Anchor::Root, &[], nothing_taken, &Kinds::builtin()).expect_err("problems");
    assert_eq!(
        lines_and_codes(&problems),
        [
            (3, "EMPTY_NAME"),
            (4, "DUPLICATE_CODE"),
            (5, "UNKNOWN_KIND"),
            (6, "UNKNOWN_PARENT"),
            (7, "CYCLE"),
            (8, "CYCLE"),
            (9, "EMPTY_CODE"),
            (10, "BAD_CODE"),
            (11, "SECOND_ROOT"),
            (12, "SELF_PARENT"),
            (13, "BAD_PREDECESSOR"),
        ]
    );
    assert!(
        problems[1].message().contains("dòng 3"),
        "{}",
        problems[1].message()
    );
    assert!(
        problems[4].message().contains("C1 → C2 → C1"),
        "{}",
        problems[4].message()
    );
    let unknown = problems[2].message();
    assert!(
        unknown.contains("“bệnh viện”") && unknown.contains("Gần nhất: "),
        "{unknown}"
    );
    assert!(
        matches!(&problems[2].kind, ProblemKind::UnknownKind { choices, .. } if choices.len() == KIND_CHOICES)
    );
}

#[test]
fn an_empty_file_is_a_problem() {
    let problems =
        plan(&[], Anchor::Root, &[], nothing_taken, &Kinds::builtin()).expect_err("empty");
    assert_eq!(lines_and_codes(&problems), [(2, "EMPTY_FILE")]);
}

fn applied(rows: &[TreeRow]) -> Vec<ExistingUnit> {
    let plan = plan(rows, Anchor::Root, &[], nothing_taken, &Kinds::builtin()).expect("clean");
    plan.units
        .iter()
        .map(|u| ExistingUnit {
            code: u.code.clone(),
            name: u.name.clone(),
            kind: u.kind.clone(),
            parent: u.parent.clone(),
            active: true,
            has_report: false,
        })
        .collect()
}

#[test]
fn the_same_file_again_changes_nothing() {
    let now = applied(&province());
    let again = plan(
        &province(),
        Anchor::Root,
        &now,
        nothing_taken,
        &Kinds::builtin(),
    )
    .expect("clean");
    assert!(again.is_noop(), "{again:?}");
}

#[test]
fn a_changed_file_renames_moves_adds_and_removes_exactly() {
    let mut now = applied(&province());
    // The school in Hoa Lư has a report; the Hồng Quang school does not.
    now.push(existing(
        "NB-HL-MN",
        "Trường Mầm non Hoa Lư",
        "truong_mam_non",
        Some("NB-HL"),
        true,
    ));
    let rows = vec![
        row(2, "NB", "Sở GDĐT Ninh Bình", "tỉnh", ""),
        row(3, "NB-HQ", "Phường Hồng Quang mới", "phường", "NB"),
        row(4, "NB-NT", "Phường Nam Thành", "phường", "NB"),
        row(
            5,
            "NB-HQ-TH",
            "Trường Tiểu học Hồng Quang",
            "tiểu học",
            "NB-NT",
        ),
    ];
    let plan = plan(&rows, Anchor::Root, &now, nothing_taken, &Kinds::builtin()).expect("clean");
    let change = |code: &str| plan.units.iter().find(|u| u.code == code).map(|u| u.change);
    assert_eq!(change("NB"), Some(Change::Unchanged));
    assert_eq!(
        change("NB-HQ"),
        Some(Change::Updated {
            renamed: true,
            rekinded: false,
            moved: false,
            reactivated: false
        })
    );
    assert_eq!(change("NB-NT"), Some(Change::Added));
    assert_eq!(
        change("NB-HQ-TH"),
        Some(Change::Updated {
            renamed: false,
            rekinded: false,
            moved: true,
            reactivated: false
        })
    );
    // Hoa Lư is gone from the file, but its school has a report: both are kept, inactive.
    assert_eq!(plan.deactivated, ["NB-HL", "NB-HL-MN"]);
    assert!(plan.removed.is_empty());
}

#[test]
fn units_without_reports_are_removed_deepest_first() {
    let now = applied(&province());
    let rows = vec![row(2, "NB", "Sở GDĐT Ninh Bình", "tỉnh", "")];
    let plan = plan(&rows, Anchor::Root, &now, nothing_taken, &Kinds::builtin()).expect("clean");
    assert_eq!(plan.removed, ["NB-HQ-TH", "NB-HL", "NB-HQ"]);
}

#[test]
fn an_inactive_unit_listed_again_is_reactivated() {
    let mut now = applied(&province());
    now[1].active = false;
    let plan = plan(
        &province(),
        Anchor::Root,
        &now,
        nothing_taken,
        &Kinds::builtin(),
    )
    .expect("clean");
    assert_eq!(
        plan.units
            .iter()
            .find(|u| u.code == "NB-HQ")
            .map(|u| u.change),
        Some(Change::Updated {
            renamed: false,
            rekinded: false,
            moved: false,
            reactivated: true
        })
    );
}

#[test]
fn the_root_cannot_be_replaced() {
    let now = applied(&province());
    let rows = vec![row(2, "HN", "Sở GDĐT Hà Nội", "tỉnh", "")];
    let problems =
        plan(&rows, Anchor::Root, &now, nothing_taken, &Kinds::builtin()).expect_err("root");
    assert_eq!(lines_and_codes(&problems), [(2, "ROOT_CHANGED")]);
}

#[test]
fn under_an_anchor_rows_without_parent_hang_below_it() {
    let anchor = existing("NB", "Sở GDĐT Ninh Bình", "tinh", Some("BGD"), false);
    let rows = vec![
        row(2, "NB", "Sở Giáo dục và Đào tạo Ninh Bình", "tỉnh", "BGD"),
        row(3, "NB-HQ", "Phường Hồng Quang", "phường", ""),
        row(
            4,
            "NB-HQ-TH",
            "Trường Tiểu học Hồng Quang",
            "tiểu học",
            "NB-HQ",
        ),
        row(5, "HN-01", "Phường của Hà Nội", "phường", "NB"),
    ];
    let taken = |code: &str| code == "HN-01";
    let problems =
        plan(&rows, Anchor::Under(&anchor), &[], taken, &Kinds::builtin()).expect_err("taken");
    assert_eq!(lines_and_codes(&problems), [(5, "CODE_TAKEN")]);

    let plan = plan(
        &rows[..3],
        Anchor::Under(&anchor),
        &[],
        taken,
        &Kinds::builtin(),
    )
    .expect("clean");
    assert_eq!(
        plan.anchor_update,
        Some((
            "Sở Giáo dục và Đào tạo Ninh Bình".to_owned(),
            "tinh".to_owned()
        ))
    );
    let got: Vec<(&str, Option<&str>, u32)> = plan
        .units
        .iter()
        .map(|u| (u.code.as_str(), u.parent.as_deref(), u.depth))
        .collect();
    assert_eq!(
        got,
        [("NB-HQ", Some("NB"), 1), ("NB-HQ-TH", Some("NB-HQ"), 2)]
    );
}

#[test]
fn codes_are_compared_without_case_and_names_without_extra_spaces() {
    let rows = vec![
        row(2, " nb ", "Sở  GDĐT   Ninh Bình ", "tỉnh", ""),
        row(3, "NB", "Trùng", "tỉnh", ""),
    ];
    let problems =
        plan(&rows, Anchor::Root, &[], nothing_taken, &Kinds::builtin()).expect_err("dup");
    assert_eq!(lines_and_codes(&problems), [(3, "DUPLICATE_CODE")]);
    let plan = plan(
        &rows[..1],
        Anchor::Root,
        &[],
        nothing_taken,
        &Kinds::builtin(),
    )
    .expect("clean");
    assert_eq!(
        (plan.units[0].code.as_str(), plan.units[0].name.as_str()),
        ("NB", "Sở GDĐT Ninh Bình")
    );
}

#[test]
fn long_chains_and_cycles_are_checked_in_linear_time() {
    // 50,000 rows each naming the next as parent, the last an unknown one: one problem,
    // found without walking the chain again from every row (which took hours).
    let n = 50_000;
    let rows: Vec<TreeRow> = (0..n)
        .map(|i| {
            let parent = if i + 1 == n {
                "ZZ".to_owned()
            } else {
                format!("A{}", i + 1)
            };
            row(i + 2, &format!("A{i}"), "x", "khác", &parent)
        })
        .collect();
    let problems =
        plan(&rows, Anchor::Root, &[], nothing_taken, &Kinds::builtin()).expect_err("problems");
    assert_eq!(lines_and_codes(&problems), [(n + 1, "UNKNOWN_PARENT")]);

    // The same chain closed into one cycle: every row of it is named, once.
    let mut rows = rows;
    rows[(n - 1) as usize].parent = "A0".into();
    let problems =
        plan(&rows, Anchor::Root, &[], nothing_taken, &Kinds::builtin()).expect_err("cycle");
    assert_eq!(problems.len(), n as usize);
    assert!(problems.iter().all(|p| p.code() == "CYCLE"));
}

#[test]
fn names_lose_control_characters_and_extra_spaces() {
    assert_eq!(
        normalize_name("  Trường\u{0}  Tiểu học\t Hoa Lư "),
        "Trường Tiểu học Hoa Lư"
    );
    assert_eq!(normalize_name("\u{0}\u{7}"), "");
}

#[test]
fn a_contact_is_checked_on_its_line() {
    let mut rows = vec![
        row(2, "T", "Tỉnh", "tinh", ""),
        row(3, "X", "Xã", "xa_phuong", "T"),
    ];
    rows[1].contact = Some(Contact {
        name: Some("Nguyễn Thị Lan".into()),
        phone: Some("0912 345 678".into()),
    });
    assert!(plan(&rows, Anchor::Root, &[], |_| false, &Kinds::builtin()).is_ok());
    rows[1].contact = Some(Contact {
        name: None,
        phone: Some("gọi chị Lan".into()),
    });
    let problems = plan(&rows, Anchor::Root, &[], |_| false, &Kinds::builtin()).unwrap_err();
    assert_eq!(
        problems
            .iter()
            .map(|p| (p.line, p.code()))
            .collect::<Vec<_>>(),
        [(3, "BAD_CONTACT")]
    );
}
