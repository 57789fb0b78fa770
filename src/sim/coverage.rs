//! Coverage of the shipped specs by the simulators (`bi-rest sim --coverage`): per vendor and
//! spec, how many operations a stateful handler answers, how many the spec-driven default
//! answers, and how many are not answered at all (declared but unreachable: the target, and
//! what `tests/sim_coverage.rs` asserts by calling every operation, is 0).

use serde::Serialize;

use super::spec::Spec;

/// The coverage of one spec.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SpecCoverage {
    /// The simulator (`mstr`, `looker`, `agileapps`).
    pub vendor: &'static str,
    /// The table (`mstr`, `looker_3_0`, ...).
    pub spec: &'static str,
    /// Operations the spec declares.
    pub operations: usize,
    /// Operations answered by stateful handlers.
    pub stateful: usize,
    /// Operations answered by the spec-driven default.
    pub spec_default: usize,
    /// Operations not answered.
    pub not_answered: usize,
    /// The `METHOD path` of each operation not answered.
    pub missing: Vec<String>,
}

/// The simulator serving a spec.
pub fn vendor_of(spec: Spec) -> &'static str {
    match spec {
        Spec::Mstr => "mstr",
        Spec::Looker30 | Spec::Looker31 | Spec::Looker40 => "looker",
        Spec::AgileApps => "agileapps",
    }
}

/// Whether the simulator of `spec` answers `op` with a stateful handler.
pub fn is_stateful(spec: Spec, op: &super::spec::Op) -> bool {
    match spec {
        Spec::Mstr => super::mstr::is_stateful(&op.method, &op.path),
        Spec::Looker30 | Spec::Looker31 | Spec::Looker40 => super::looker::is_stateful(&op.id),
        Spec::AgileApps => super::agileapps::spec_default::is_stateful(&op.method, &op.path),
    }
}

/// Whether the spec-driven default can answer `op`: it answers every declared operation
/// whose success answer is JSON, text, an image or empty, which is all of them; anything
/// else would be listed as not answered.
fn default_answers(op: &super::spec::Op) -> bool {
    match op.ok.media.as_deref() {
        None => true,
        Some(m) => {
            m.contains("json")
                || m.starts_with("text")
                || m.starts_with("image/")
                || m.contains("xml")
                || m == "*/*"
                || m.contains("octet-stream")
        }
    }
}

/// The coverage of every shipped spec.
pub fn report() -> Vec<SpecCoverage> {
    Spec::ALL
        .iter()
        .map(|&spec| {
            let table = spec.table();
            let mut c = SpecCoverage {
                vendor: vendor_of(spec),
                spec: spec.name(),
                operations: table.ops.len(),
                stateful: 0,
                spec_default: 0,
                not_answered: 0,
                missing: Vec::new(),
            };
            for op in &table.ops {
                if is_stateful(spec, op) {
                    c.stateful += 1;
                } else if default_answers(op) {
                    c.spec_default += 1;
                } else {
                    c.not_answered += 1;
                    c.missing.push(format!("{} {}", op.method, op.path));
                }
            }
            c
        })
        .collect()
}
