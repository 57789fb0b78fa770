//! The vendor specs bi-rest ships, and how build.rs generates them (one place, so the
//! staleness test of `generated/` uses exactly the build's configuration).

use crate::Config;
use std::path::{Path, PathBuf};

/// Inner type of every bi-rest client (the auth core's handle).
pub const INNER_TYPE: &str = "crate::auth::Auth";

/// The operations table types inside bi-rest (`bi_rest::operations`), re-exported by every
/// vendor module so the CLI works on any table without a conversion.
pub const OPERATION_TYPES: &str = "crate::operations";

/// One vendor module: feature, module name, candidate spec files (first existing wins).
#[derive(Debug, Clone, Copy)]
pub struct Vendor {
    /// Cargo feature that enables it.
    pub feature: &'static str,
    /// Module under `bi_rest::generated`, also the OUT_DIR / generated/ file stem.
    pub module: &'static str,
    /// Spec files relative to the workspace root, in order of preference.
    pub specs: &'static [&'static str],
    /// Header parameters the auth layer sends for every call (left out of signatures).
    pub session_headers: &'static [&'static str],
}

/// All vendor modules.
pub const VENDORS: &[Vendor] = &[
    Vendor {
        feature: "looker-3_0",
        module: "looker_3_0",
        specs: &["specs/looker/Looker.3.0.json"],
        session_headers: &[],
    },
    Vendor {
        feature: "looker-3_1",
        module: "looker_3_1",
        specs: &["specs/looker/Looker.3.1.oas.json"],
        session_headers: &[],
    },
    Vendor {
        feature: "looker-4_0",
        module: "looker_4_0",
        specs: &["specs/looker/Looker.4.0.oas.json"],
        session_headers: &[],
    },
    Vendor {
        feature: "mstr",
        module: "mstr",
        specs: &["specs/mstr/openapi.json", "specs/mstr/openapi.yaml"],
        // The auth core adds the session token and the selected project to every call.
        session_headers: &["X-MSTR-AuthToken", "X-MSTR-ProjectID"],
    },
    Vendor {
        feature: "agileapps",
        module: "agileapps",
        specs: &["specs/agileapps/openapi.yaml"],
        session_headers: &[],
    },
];

impl Vendor {
    /// The first existing spec file under `root`, or the list of files looked for.
    pub fn spec_path(&self, root: &Path) -> Result<PathBuf, String> {
        self.specs
            .iter()
            .map(|s| root.join(s))
            .find(|p| p.is_file())
            .ok_or_else(|| {
                format!(
                    "feature `{}` needs its spec, none found of: {}",
                    self.feature,
                    self.specs.join(", ")
                )
            })
    }

    /// Build configuration of this vendor.
    pub fn config(&self, root: &Path) -> Result<Config, String> {
        Ok(Config {
            spec: self.spec_path(root)?,
            inner_type: Some(INNER_TYPE.to_string()),
            module_name: self.module.to_string(),
            session_headers: self.session_headers.iter().map(|h| h.to_string()).collect(),
            operation_types: Some(OPERATION_TYPES.to_string()),
            ..Default::default()
        })
    }
}
