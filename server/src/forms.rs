//! The form definitions the server serves, each named by a hash of its content as well
//! as by its version: a device keeps a form by version and takes a new copy only when
//! the hash it is told differs from its own, so a corrected form reaches every tablet,
//! and an unchanged one is never downloaded twice over a slow link.

use std::collections::HashMap;
use std::sync::OnceLock;

use blake2::{Blake2b512, Digest};
use tuanle_shared::form::{builtin, builtin_versions};

/// The content hash of form `version` (12 hex digits of BLAKE2b over its JSON as
/// served), or empty for an unknown version.
pub fn content_hash(version: &str) -> String {
    static HASHES: OnceLock<HashMap<&'static str, String>> = OnceLock::new();
    HASHES
        .get_or_init(|| {
            builtin_versions()
                .into_iter()
                .filter_map(|v| Some((v, hash_of(&serde_json::to_vec(builtin(v)?).ok()?))))
                .collect()
        })
        .get(version)
        .cloned()
        .unwrap_or_default()
}

fn hash_of(bytes: &[u8]) -> String {
    Blake2b512::digest(bytes)
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shipped_form_has_its_own_hash() {
        let hashes: Vec<String> = builtin_versions().into_iter().map(content_hash).collect();
        assert!(hashes.iter().all(|h| h.len() == 12), "{hashes:?}");
        let mut unique = hashes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), hashes.len());
        assert_eq!(content_hash("no-such-form"), "");
    }
}
