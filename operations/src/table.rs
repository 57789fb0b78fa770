// The types of the operations table: the one source of truth for every generated module.
// Compiled here (the crate root includes it), re-exported as `bi_rest::operations` and named
// by modules generated for bi-rest (`pub use ::bi_rest::operations::{..}`); emitted inline by
// bi-rest-generator (through `SOURCE`) into standalone modules, which must compile alone.

/// Where a parameter travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// In the path template (`{name}`).
    Path,
    /// In the query string.
    Query,
    /// As a request header.
    Header,
}

/// One parameter of an operation.
#[derive(Clone, Copy, Debug)]
pub struct Parameter {
    /// Name as the server spells it.
    pub name: &'static str,
    /// Where it travels.
    pub location: Location,
    /// Whether the spec requires it.
    pub required: bool,
    /// JSON type hint: `string`, `integer:int64`, `array<string>`, a schema name...
    pub type_hint: &'static str,
}

/// One generated operation.
#[derive(Clone, Copy, Debug)]
pub struct Operation {
    /// Rust-safe id: the generated method name and `OperationInfo::operation_id`.
    pub id: &'static str,
    /// Id as written in the spec ("" when it had none).
    pub original_id: &'static str,
    /// HTTP method, upper case.
    pub method: &'static str,
    /// Path template, e.g. `/dashboards/{dashboard_id}`.
    pub path: &'static str,
    /// Parameters (path-item level ones included).
    pub parameters: &'static [Parameter],
    /// Media type the server expects for the body, if any.
    pub body_media_type: Option<&'static str>,
    /// The body is sent as raw bytes the caller builds; the module's
    /// `operations::raw_body_content_type` (run by the client's `pre` hook) sends them with
    /// `Content-Type: body_media_type`.
    pub raw_body: bool,
    /// Tags.
    pub tags: &'static [&'static str],
    /// A 2xx may have an empty body: map it to JSON `null` before decoding.
    pub empty_success_is_null: bool,
    /// A 4xx/5xx may have an empty body: map it to JSON `null` before decoding.
    pub empty_error_is_null: bool,
    /// The success answer is returned as raw bytes (ByteStream).
    pub raw_success: bool,
}

impl Operation {
    /// The parameter named `name` (as the server spells it), if the operation has one.
    pub fn parameter(&self, name: &str) -> Option<&'static Parameter> {
        self.parameters.iter().find(|p| p.name == name)
    }
}
