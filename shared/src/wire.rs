//! What travels between the app and the server: route paths, bodies, the error body.
//! Both sides use these definitions, so a path or a field is never spelled twice.

use serde::{Deserialize, Serialize};

/// Route paths, versioned under `/api/v1`.
pub mod routes {
    pub const HEALTHZ: &str = "/healthz";
    pub const FORMS: &str = "/api/v1/forms";
    /// `/api/v1/forms/{version}`
    pub const FORM: &str = "/api/v1/forms/{version}";
    pub const CAMPAIGNS: &str = "/api/v1/campaigns";

    /// The path of one form version.
    pub fn form(version: &str) -> String {
        format!("{FORMS}/{version}")
    }
}

/// Every refusal: a stable code for programs, a Vietnamese message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    pub code: String,
    pub message: String,
}

/// A campaign as listed to the app.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CampaignSummary {
    /// Stable code, e.g. `2025`.
    pub code: String,
    pub year: i32,
    /// Chủ đề.
    pub theme: String,
    /// ISO dates (`2025-10-01`).
    pub starts_on: String,
    pub ends_on: String,
    pub form_version: String,
    pub open: bool,
}

/// Answer of `GET /healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    pub status: String,
    pub version: String,
}

/// `2025-10-01` → `01/10/2025`, as Vietnamese documents write dates. Anything else is
/// returned unchanged.
pub fn format_date(iso: &str) -> String {
    match iso.split('-').collect::<Vec<_>>()[..] {
        [y, m, d] if y.len() == 4 && m.len() == 2 && d.len() == 2 => format!("{d}/{m}/{y}"),
        _ => iso.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_the_vietnamese_way() {
        assert_eq!(format_date("2025-10-01"), "01/10/2025");
        assert_eq!(format_date("soon"), "soon");
    }

    #[test]
    fn form_paths_are_built_from_the_constant() {
        assert_eq!(routes::form("2025"), "/api/v1/forms/2025");
    }
}
