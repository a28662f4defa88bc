//! The per-cell three-way merge of the sync contract (`docs/sync.md`).
//!
//! `base` is the version both sides started from, `theirs` the server's current version,
//! `ours` the pushed content. A cell changed on one side takes that side's value; changed
//! on both sides to the same value is fine; changed on both sides to different values is a
//! conflict, which the user resolves. The app and the server call this same function.

use std::collections::BTreeMap;

use crate::content::{Cell, CellValue, Content, NumberCell, TextCell};

/// One cell both sides changed to different values.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conflict {
    pub cell: Cell,
    pub base: Option<CellValue>,
    pub theirs: Option<CellValue>,
    pub ours: Option<CellValue>,
}

/// What a merge gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeOutcome {
    /// The merged content. Conflicting cells hold *our* value, so nothing typed on this
    /// device is dropped until the user has chosen.
    pub merged: Content,
    /// Cells whose value came from *theirs* (the other device), to tell the user.
    pub from_theirs: Vec<Cell>,
    /// Cells changed on both sides to different values. Empty means a clean merge.
    pub conflicts: Vec<Conflict>,
}

impl MergeOutcome {
    pub fn is_clean(&self) -> bool {
        self.conflicts.is_empty()
    }
}

/// Merges `ours` and `theirs`, both descended from `base`, cell by cell.
pub fn merge(base: &Content, theirs: &Content, ours: &Content) -> MergeOutcome {
    let mut out = MergeOutcome {
        merged: Content::default(),
        from_theirs: Vec::new(),
        conflicts: Vec::new(),
    };
    merge_maps(
        &base.numbers,
        &theirs.numbers,
        &ours.numbers,
        &mut out.merged.numbers,
        &mut out.from_theirs,
        &mut out.conflicts,
        |c: &NumberCell, v: &u64| (Cell::Number(c.clone()), CellValue::Number(*v)),
    );
    merge_maps(
        &base.texts,
        &theirs.texts,
        &ours.texts,
        &mut out.merged.texts,
        &mut out.from_theirs,
        &mut out.conflicts,
        |c: &TextCell, v: &String| (Cell::Text(c.clone()), CellValue::Text(v.clone())),
    );
    out
}

fn merge_maps<K: Ord + Clone, V: Eq + Clone>(
    base: &BTreeMap<K, V>,
    theirs: &BTreeMap<K, V>,
    ours: &BTreeMap<K, V>,
    merged: &mut BTreeMap<K, V>,
    from_theirs: &mut Vec<Cell>,
    conflicts: &mut Vec<Conflict>,
    describe: impl Fn(&K, &V) -> (Cell, CellValue),
) {
    let value = |m: &BTreeMap<K, V>, k: &K| m.get(k).map(|v| describe(k, v).1);
    for key in keys_of([base, theirs, ours]) {
        let (b, t, o) = (base.get(key), theirs.get(key), ours.get(key));
        let chosen = if t == o || t == b {
            o
        } else if o == b {
            if let Some((cell, _)) = t.or(o).or(b).map(|v| describe(key, v)) {
                from_theirs.push(cell);
            }
            t
        } else {
            if let Some((cell, _)) = t.or(o).or(b).map(|v| describe(key, v)) {
                conflicts.push(Conflict {
                    cell,
                    base: value(base, key),
                    theirs: value(theirs, key),
                    ours: value(ours, key),
                });
            }
            o
        };
        if let Some(v) = chosen {
            merged.insert(key.clone(), v.clone());
        }
    }
}

/// Every key of `maps` once, in order: their sorted keys merged as they are walked.
/// Collecting them into a set would sort them again, and link a sort and a set of each
/// key type into the app's bundle.
pub fn keys_of<K: Ord, V, const N: usize>(maps: [&BTreeMap<K, V>; N]) -> impl Iterator<Item = &K> {
    let mut walks = maps.map(|m| m.keys().peekable());
    std::iter::from_fn(move || {
        let next = walks.iter_mut().filter_map(|w| w.peek().copied()).min()?;
        for walk in &mut walks {
            walk.next_if_eq(&next);
        }
        Some(next)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::code::Code;
    use crate::form::Column;
    use proptest::prelude::*;

    /// Keys of several maps: each once, in order, whichever maps hold them.
    #[test]
    fn keys_of_walks_the_union_in_order() {
        let map = |keys: &[u32]| keys.iter().map(|k| (*k, ())).collect::<BTreeMap<u32, ()>>();
        let (a, b, c) = (map(&[1, 4, 9]), map(&[]), map(&[0, 4, 5, 9, 12]));
        let keys: Vec<u32> = keys_of([&a, &b, &c]).copied().collect();
        assert_eq!(keys, [0, 1, 4, 5, 9, 12]);
        assert_eq!(keys_of([&b, &b]).count(), 0);
    }

    fn cell(code: &str) -> NumberCell {
        NumberCell::new(code.parse::<Code>().expect("code"), Column::Count)
    }

    fn content(cells: &[(&str, u64)]) -> Content {
        let mut c = Content::default();
        for (k, v) in cells {
            c.set_number(cell(k), Some(*v));
        }
        c
    }

    #[test]
    fn disjoint_edits_merge_and_name_what_came_in() {
        let base = content(&[("2", 1), ("3", 1)]);
        let theirs = content(&[("2", 5), ("3", 1)]);
        let ours = content(&[("2", 1), ("3", 7)]);
        let m = merge(&base, &theirs, &ours);
        assert!(m.is_clean());
        assert_eq!(m.merged, content(&[("2", 5), ("3", 7)]));
        assert_eq!(m.from_theirs, [Cell::Number(cell("2"))]);
    }

    #[test]
    fn the_same_change_on_both_sides_is_not_a_conflict() {
        let base = content(&[("2", 1)]);
        let both = content(&[("2", 9)]);
        let m = merge(&base, &both, &both);
        assert!(m.is_clean());
        assert!(m.from_theirs.is_empty());
        assert_eq!(m.merged, both);
    }

    #[test]
    fn different_changes_to_one_cell_conflict_and_keep_ours() {
        let base = content(&[("2", 1)]);
        let theirs = content(&[("2", 5)]);
        let ours = content(&[("2", 6)]);
        let m = merge(&base, &theirs, &ours);
        assert_eq!(
            m.conflicts,
            [Conflict {
                cell: Cell::Number(cell("2")),
                base: Some(CellValue::Number(1)),
                theirs: Some(CellValue::Number(5)),
                ours: Some(CellValue::Number(6)),
            }]
        );
        assert_eq!(m.merged, ours);
    }

    #[test]
    fn a_deletion_against_an_edit_is_a_conflict() {
        let base = content(&[("2", 1)]);
        let m = merge(&base, &content(&[]), &content(&[("2", 4)]));
        assert_eq!(m.conflicts.len(), 1);
        assert_eq!(m.conflicts[0].theirs, None);
        let m = merge(&base, &content(&[]), &base);
        assert!(m.is_clean());
        assert_eq!(m.merged, content(&[]), "a deletion on one side is taken");
    }

    fn arb_content() -> impl Strategy<Value = Content> {
        proptest::collection::btree_map(0u8..8, 0u64..4, 0..8).prop_map(|m| {
            let mut c = Content::default();
            for (k, v) in m {
                c.set_number(cell(&k.to_string()), Some(v));
            }
            c
        })
    }

    proptest! {
        #[test]
        fn merge_with_no_concurrent_change_is_a_no_op(base in arb_content(), ours in arb_content()) {
            let m = merge(&base, &base, &ours);
            prop_assert!(m.is_clean());
            prop_assert!(m.from_theirs.is_empty());
            prop_assert_eq!(&m.merged, &ours);
            let m = merge(&base, &ours, &base);
            prop_assert!(m.is_clean());
            prop_assert_eq!(&m.merged, &ours);
        }

        #[test]
        fn merge_is_symmetric_in_which_cells_conflict(base in arb_content(), a in arb_content(), b in arb_content()) {
            let ab = merge(&base, &a, &b);
            let ba = merge(&base, &b, &a);
            let cells = |m: &MergeOutcome| m.conflicts.iter().map(|c| c.cell.clone()).collect::<Vec<_>>();
            prop_assert_eq!(cells(&ab), cells(&ba));
            if ab.is_clean() {
                prop_assert_eq!(ab.merged, ba.merged);
            }
        }
    }
}
