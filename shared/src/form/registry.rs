//! The form versions shipped with the product, embedded at build time.

use std::sync::OnceLock;

use super::FormDef;

/// Every shipped form file. A new year's form is one more line here and one more file.
const FILES: &[(&str, &str)] = &[
    ("2023", include_str!("../../forms/2023.json")),
    ("2025", include_str!("../../forms/2025.json")),
];

/// The versions shipped, oldest first.
pub fn builtin_versions() -> Vec<&'static str> {
    FILES.iter().map(|(v, _)| *v).collect()
}

/// A shipped form version, parsed once. The files are checked by this crate's tests,
/// so `None` only means an unknown version.
pub fn builtin(version: &str) -> Option<&'static FormDef> {
    static FORMS: OnceLock<Vec<FormDef>> = OnceLock::new();
    FORMS
        .get_or_init(|| {
            FILES
                .iter()
                .filter_map(|(v, json)| FormDef::from_json(json).ok().filter(|f| f.version() == *v))
                .collect()
        })
        .iter()
        .find(|f| f.version() == version)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_file_parses_and_matches_its_version() {
        for (version, json) in FILES {
            let form = FormDef::from_json(json).unwrap_or_else(|e| panic!("{version}: {e}"));
            assert_eq!(form.version(), *version);
            assert!(builtin(version).is_some());
        }
        assert!(builtin("1999").is_none());
    }
}
