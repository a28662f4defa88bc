//! Every code a refusal of the API can carry, each with its Vietnamese message.
//!
//! The server builds every refusal from this list, and the app decides from it, never
//! from an HTTP status: one status can mean several things (423 is a locked report, a
//! closed campaign or an inactive unit), and only the code says which. The list and its
//! meanings are in `docs/sync.md` (pushes) and `docs/domain.md` (everything else).
//!
//! A code travels as its `SCREAMING_SNAKE_CASE` name (`"REPORT_LOCKED"`). A name this
//! build does not know (a newer server) reads as [`RefusalCode::Unknown`], so an older
//! app still shows the server's message instead of failing to read the answer.

use serde::{Deserialize, Serialize};

macro_rules! refusal_codes {
    ($($(#[doc = $doc:literal])* $name:ident = $wire:literal => $message:literal,)*) => {
        /// Why the API refused a request: the `code` of every error body.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum RefusalCode {
            $($(#[doc = $doc])* $name,)*
            /// A code this build does not know (sent by a newer server). Never sent.
            Unknown,
        }

        impl RefusalCode {
            /// Every code the API sends.
            pub const ALL: &'static [RefusalCode] = &[$(RefusalCode::$name,)*];

            /// The code as it travels.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(RefusalCode::$name => $wire,)*
                    RefusalCode::Unknown => "UNKNOWN",
                }
            }

            /// The code named `s`; [`RefusalCode::Unknown`] for any other name.
            pub fn from_name(s: &str) -> RefusalCode {
                match s {
                    $($wire => RefusalCode::$name,)*
                    _ => RefusalCode::Unknown,
                }
            }

            /// What the refusal says to a person, in Vietnamese, when nothing more
            /// precise is known (the server may say more: which row, how long to wait).
            pub fn message(self) -> &'static str {
                match self {
                    $(RefusalCode::$name => $message,)*
                    RefusalCode::Unknown => "Máy chủ từ chối yêu cầu. Vui lòng tải lại trang.",
                }
            }
        }
    };
}

refusal_codes! {
    // Who is calling.
    /// No session, or it ended.
    NotSignedIn = "NOT_SIGNED_IN" => "Bạn chưa đăng nhập hoặc phiên làm việc đã hết hạn. Vui lòng đăng nhập.",
    BadCredentials = "BAD_CREDENTIALS" => "Tên đăng nhập hoặc mật khẩu không đúng.",
    /// Too many failed sign-ins lately for the username or from the address.
    TooManyAttempts = "TOO_MANY_ATTEMPTS" => "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau.",
    /// The caller may not touch this report or unit.
    Forbidden = "FORBIDDEN" => "Tài khoản của bạn không có quyền với báo cáo này.",
    NotAdmin = "NOT_ADMIN" => "Chỉ quản trị viên mới dùng được chức năng này.",
    /// A unit or account outside the administrator's subtree.
    OutOfScope = "OUT_OF_SCOPE" => "Đơn vị hoặc tài khoản này nằm ngoài phạm vi bạn quản trị.",
    /// A subtree administrator's unit is not in the campaign's tree (yet).
    ScopeNotInCampaign = "SCOPE_NOT_IN_CAMPAIGN" => "Đơn vị bạn quản trị chưa có trong cây đơn vị của đợt này. Hãy nhờ quản trị cấp trên nhập cây trước.",

    // The request's shape.
    NotFound = "NOT_FOUND" => "Không tìm thấy nội dung yêu cầu.",
    /// A path that exists, asked with a method it does not take (405, with `Allow`).
    MethodNotAllowed = "METHOD_NOT_ALLOWED" => "Đường dẫn này không nhận phương thức yêu cầu đã gửi.",
    /// A request malformed below the API's own checks (what HTTP itself refused).
    BadRequest = "BAD_REQUEST" => "Yêu cầu không hợp lệ.",
    /// A change sent without `Content-Type: application/json`.
    NotJson = "NOT_JSON" => "Yêu cầu phải gửi dữ liệu JSON (Content-Type: application/json).",
    TooLarge = "TOO_LARGE" => "Dữ liệu gửi lên quá lớn.",
    UriTooLong = "URI_TOO_LONG" => "Đường dẫn quá dài.",
    BadJson = "BAD_JSON" => "Dữ liệu gửi lên không phải JSON hợp lệ.",
    /// A key given twice in one JSON object (which of the two was meant?).
    DuplicateKey = "DUPLICATE_KEY" => "Dữ liệu gửi lên có một trường được gửi hai lần.",
    /// JSON of the wrong shape: a missing, unknown or mistyped field.
    BadFields = "BAD_FIELDS" => "Dữ liệu gửi lên không đúng dạng.",
    /// A NUL character in a body, path or query.
    BadText = "BAD_TEXT" => "Dữ liệu gửi lên có ký tự không hợp lệ (ký tự NUL).",
    BadPath = "BAD_PATH" => "Đường dẫn không đúng.",
    BadQuery = "BAD_QUERY" => "Tham số trên đường dẫn không đúng.",
    /// `?mode=` other than `official`, `final` or `provisional`.
    BadMode = "BAD_MODE" => "Chế độ số liệu chỉ là official (chính thức, đã chốt), final (tạm tính theo báo cáo đã nộp) hoặc provisional (tạm tính, kể cả bản nháp).",
    /// An uploaded file's body could not be read.
    BadBody = "BAD_BODY" => "Không đọc được tệp gửi lên.",
    BadFileType = "BAD_FILE_TYPE" => "Chỉ nhận tệp CSV hoặc Excel (.xlsx).",

    // Pushes (docs/sync.md).
    /// A push or device id that is empty, too long or not `[A-Za-z0-9-]`.
    BadId = "BAD_ID" => "Mã lần gửi hoặc mã thiết bị không hợp lệ.",
    BadVersion = "BAD_VERSION" => "Số phiên bản không hợp lệ.",
    /// A push's `base_version` the server never had.
    BadBaseVersion = "BAD_BASE_VERSION" => "Phiên bản gốc không có trên máy chủ.",
    /// A `push_id` already applied to another report.
    PushIdReused = "PUSH_ID_REUSED" => "Mã lần gửi đã dùng cho báo cáo khác.",
    /// Another device changed the same cells: nothing was written (409, with both sides).
    Conflict = "CONFLICT" => "Một thiết bị khác đã sửa cùng ô. Hãy chọn giá trị cần giữ.",
    /// The report is submitted or approved: it takes no changes until it is returned.
    ReportLocked = "REPORT_LOCKED" => "Báo cáo đã nộp hoặc đã được duyệt nên không sửa được nữa. Những gì bạn nhập vẫn được giữ trên máy.",
    /// The campaign is closed: every report of it is read-only.
    CampaignClosed = "CAMPAIGN_CLOSED" => "Đợt báo cáo đã đóng nên không sửa được nữa. Những gì bạn nhập vẫn được giữ trên máy.",
    /// The unit is inactive in this campaign: it no longer reports.
    UnitInactive = "UNIT_INACTIVE" => "Đơn vị đã ngừng hoạt động trong đợt này nên không báo cáo được nữa.",
    /// A total above would go past the largest number.
    AboveBound = "ABOVE_BOUND" => "Có số vượt quá giới hạn của ô. Hãy kiểm tra lại các số vừa nhập.",

    // Content a form cannot hold (docs/form.md).
    UnknownCode = "UNKNOWN_CODE" => "Mẫu báo cáo không có dòng này.",
    /// Persons on a row whose unit has no "/người".
    PersonsNotAllowed = "PERSONS_NOT_ALLOWED" => "Dòng này không có cột Số người.",
    /// A number on a total row, which is computed.
    NotTyped = "NOT_TYPED" => "Dòng này không nhập số (dòng tổng được tính tự động).",
    NoTextHere = "NO_TEXT_HERE" => "Mục này không nhập chữ.",
    TextTooLong = "TEXT_TOO_LONG" => "Nội dung quá dài.",
    /// The issuer's fields of a report document cannot make one (the message says why).
    BadDocumentFields = "BAD_DOCUMENT_FIELDS" => "Thông tin văn bản chưa hợp lệ.",

    // Submitting and reviewing (docs/domain.md).
    EmptyReport = "EMPTY_REPORT" => "Báo cáo chưa có số liệu nào để nộp.",
    /// A submission of a version that is no longer the current one.
    StaleVersion = "STALE_VERSION" => "Báo cáo trên máy chủ đã thay đổi. Hãy đồng bộ rồi nộp lại.",
    /// Errors block a submission; they are listed in `issues`.
    ValidationFailed = "VALIDATION_FAILED" => "Báo cáo còn lỗi, chưa nộp được. Hãy sửa các ô được liệt kê.",
    /// Warnings must be acknowledged; they are listed in `issues`.
    WarningsNotAcknowledged = "WARNINGS_NOT_ACKNOWLEDGED" => "Báo cáo có cảnh báo. Hãy xem lại và xác nhận trước khi nộp.",
    /// Only a submitted report is approved, and a submitted or approved one returned.
    NotSubmitted = "NOT_SUBMITTED" => "Chỉ duyệt được báo cáo đã nộp, và chỉ trả lại được báo cáo đã nộp hoặc đã duyệt.",
    ReasonRequired = "REASON_REQUIRED" => "Hãy ghi lý do trả lại.",
    /// A comment on a cell the form does not type, or without a text (the message says which).
    BadComment = "BAD_COMMENT" => "Nhận xét chưa hợp lệ.",
    /// A report holds at most [`super::MAX_COMMENTS_PER_REPORT`] comments.
    TooManyComments = "TOO_MANY_COMMENTS" => "Báo cáo đã có quá nhiều nhận xét.",
    /// A campaign with reports stays a practice one, or a real one.
    PracticeInUse = "PRACTICE_IN_USE" => "Đợt đã có báo cáo nên không đổi được giữa đợt thật và đợt tập huấn.",
    /// Only a practice campaign's reports are reset.
    NotPractice = "NOT_PRACTICE" => "Chỉ đợt tập huấn mới làm lại báo cáo từ đầu được.",
    /// A mark on a report nothing has been pushed to.
    NoReportYet = "NO_REPORT_YET" => "Đơn vị chưa có báo cáo nào.",
    /// A comment on a report nothing has been pushed to: there is no cell to comment on.
    NothingToComment = "NOTHING_TO_COMMENT" => "Báo cáo chưa có số liệu nào để nhận xét.",
    /// A supervisor above the unit's parent: review goes through the direct parent.
    NotDirectParent = "NOT_DIRECT_PARENT" => "Chỉ đơn vị cấp trên trực tiếp mới trả lại hoặc duyệt được báo cáo này; các cấp trên nữa chỉ xem.",

    // Sign-off packages (docs/domain.md).
    /// A sign-off of a unit with no active unit below it: its report is reviewed instead.
    NoChildren = "NO_CHILDREN" => "Đơn vị không có đơn vị trực thuộc nên không có số liệu để chốt; báo cáo của đơn vị được cấp trên duyệt trực tiếp.",
    /// Only the latest package, still waiting, is accepted or returned.
    PackageNotSent = "PACKAGE_NOT_SENT" => "Gói số liệu này không còn chờ duyệt (đã được chấp nhận, bị trả lại hoặc đã có gói mới hơn).",

    // Administration.
    /// A code or username already taken.
    AlreadyExists = "ALREADY_EXISTS" => "Mã hoặc tên này đã tồn tại.",
    UnknownForm = "UNKNOWN_FORM" => "Không có mẫu biểu phiên bản này.",
    /// A campaign's form cannot change once a unit has signed off figures laid out by it.
    FormInUse = "FORM_IN_USE" => "Đợt đã có đơn vị chốt số liệu theo mẫu biểu hiện tại nên không đổi được mẫu biểu.",
    /// An uploaded form file with problems; the body's `problems` names each.
    BadForm = "BAD_FORM" => "Tệp mẫu biểu có lỗi.",
    /// A form version name already used (shipped, or stored with other content).
    FormTaken = "FORM_TAKEN" => "Đã có mẫu biểu phiên bản này với nội dung khác.",
    /// A province's own form is published for a unit of kind `tinh` only.
    NotAProvince = "NOT_A_PROVINCE" => "Chỉ đơn vị cấp tỉnh mới có mẫu biểu riêng.",
    /// A province's own form must extend its campaign's form as it is now.
    FormNotExtending = "FORM_NOT_EXTENDING" => "Mẫu biểu này không mở rộng mẫu biểu hiện tại của đợt nên không dùng làm mẫu riêng của tỉnh được.",
    BadCampaignCode = "BAD_CAMPAIGN_CODE" => "Mã đợt chỉ gồm chữ không dấu, chữ số và dấu “-”, tối đa 20 ký tự (ví dụ 2026).",
    BadYear = "BAD_YEAR" => "Năm phải từ 2000 đến 2100.",
    BadTheme = "BAD_THEME" => "Chủ đề không được để trống và không được quá dài.",
    BadDate = "BAD_DATE" => "Ngày không hợp lệ.",
    BadDeadlines = "BAD_DEADLINES" => "Hạn báo cáo của các cấp không hợp lệ.",
    BadCode = "BAD_CODE" => "Mã đơn vị không hợp lệ.",
    /// A unit code that belongs to another administrator's units or accounts.
    CodeTaken = "CODE_TAKEN" => "Mã đơn vị này đã được dùng ở nơi khác.",
    BadName = "BAD_NAME" => "Tên đơn vị không hợp lệ.",
    UnknownKind = "UNKNOWN_KIND" => "Không có loại đơn vị này.",
    /// A kind of unit added with a bad code, name, group or spelling.
    BadKind = "BAD_KIND" => "Loại đơn vị không hợp lệ.",
    /// A kind's code, or a spelling, that another kind has already.
    KindTaken = "KIND_TAKEN" => "Mã hoặc cách viết này đã thuộc một loại đơn vị khác.",
    CannotMove = "CANNOT_MOVE" => "Không chuyển được đơn vị này.",
    MoveIntoItself = "MOVE_INTO_ITSELF" => "Không chuyển được đơn vị vào bên trong chính nó.",
    HasActiveChildren = "HAS_ACTIVE_CHILDREN" => "Đơn vị còn đơn vị cấp dưới đang hoạt động.",
    ParentInactive = "PARENT_INACTIVE" => "Đơn vị cấp trên đã ngừng hoạt động.",
    BadUsername = "BAD_USERNAME" => "Tên đăng nhập không hợp lệ.",
    BadDisplayName = "BAD_DISPLAY_NAME" => "Tên hiển thị không hợp lệ.",
    /// An administrator may not lock or demote their own account.
    CannotChangeSelf = "CANNOT_CHANGE_SELF" => "Không tự thay đổi được quyền hoặc khoá tài khoản của chính mình.",
    /// A reporter or supervisor account needs a unit.
    UnitRequired = "UNIT_REQUIRED" => "Tài khoản báo cáo, giám sát và theo dõi phải gắn với một đơn vị.",

    // The server.
    /// Storage or another part of the server failed; the request can be tried again.
    Internal = "INTERNAL" => "Máy chủ gặp lỗi. Vui lòng thử lại sau.",
}

impl Serialize for RefusalCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RefusalCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<str>::deserialize(d)?;
        Ok(RefusalCode::from_name(&name))
    }
}

impl std::fmt::Display for RefusalCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Letters only Vietnamese writes: a message without one is not in Vietnamese.
    fn is_vietnamese(s: &str) -> bool {
        s.chars().any(|c| {
            "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"
                .contains(c.to_lowercase().next().unwrap_or(c))
        })
    }

    #[test]
    fn every_code_has_a_vietnamese_message() {
        for code in RefusalCode::ALL.iter().chain([&RefusalCode::Unknown]) {
            let m = code.message();
            assert!(is_vietnamese(m), "{code}: {m:?}");
            assert!(
                m.ends_with('.') || m.ends_with(')'),
                "{code}: a sentence: {m:?}"
            );
        }
        assert!(!is_vietnamese("Report locked."));
    }

    #[test]
    fn every_code_has_its_own_name_and_reads_back() {
        let mut names: Vec<&str> = RefusalCode::ALL.iter().map(|c| c.as_str()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), RefusalCode::ALL.len(), "names are unique");
        for &code in RefusalCode::ALL {
            let json = serde_json::to_string(&code).expect("serializes");
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<RefusalCode>(&json).ok(), Some(code));
            assert!(
                code.as_str()
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b == b'_'),
                "{code}"
            );
        }
    }

    #[test]
    fn a_code_from_a_newer_server_is_unknown_not_unreadable() {
        let code: RefusalCode = serde_json::from_str("\"SOMETHING_NEW\"").expect("reads");
        assert_eq!(code, RefusalCode::Unknown);
        assert!(!RefusalCode::ALL.contains(&RefusalCode::Unknown));
    }
}
