//! The data behind reports and cubes: the grids of the seeded reports and cube (attribute
//! elements and metric values) and their JSON shapes (definition, a page of data, an
//! instance), shared by the report/cube execution and the pushed datasets.

use serde_json::{json, Value};

use super::data::{HEADCOUNT_REPORT_ID, REVENUE_REPORT_ID, SALARY_REPORT_ID, SALES_CUBE_ID};
use super::objects::ObjectRec;

/// A table of attribute elements and metric values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grid {
    /// Attributes: id, name, elements (rows refer to elements by index).
    pub attributes: Vec<(String, String, Vec<String>)>,
    /// Metrics: id, name.
    pub metrics: Vec<(String, String)>,
    /// Rows: the element index of each attribute, the value of each metric.
    pub rows: Vec<(Vec<usize>, Vec<f64>)>,
}

fn revenue_grid() -> Grid {
    let regions = ["Central", "Mid-Atlantic", "Northeast", "South", "Web"];
    let years = ["2021", "2022", "2023", "2024"];
    let mut rows = Vec::new();
    for (r, _) in regions.iter().enumerate() {
        for (y, _) in years.iter().enumerate() {
            let revenue =
                100_000.0 * (r as f64 + 1.0) + 12_500.0 * y as f64 + 731.0 * (r * y) as f64;
            let cost = (revenue * 0.62).round();
            rows.push((vec![r, y], vec![revenue, cost]));
        }
    }
    Grid {
        attributes: vec![
            (
                "8D679D5111D3E4981000E787EC6DE8A4".to_string(),
                "Region".to_string(),
                regions.iter().map(|s| s.to_string()).collect(),
            ),
            (
                "8D679D5211D3E4981000E787EC6DE8A4".to_string(),
                "Year".to_string(),
                years.iter().map(|s| s.to_string()).collect(),
            ),
        ],
        metrics: vec![
            (
                "4C05177011D3E877C000B3B2D86C964F".to_string(),
                "Revenue".to_string(),
            ),
            (
                "7FD5B69611D5AC76C000D98A4CC5F24F".to_string(),
                "Cost".to_string(),
            ),
        ],
        rows,
    }
}

fn cube_grid() -> Grid {
    let categories = ["Books", "Electronics", "Movies", "Music"];
    let months: Vec<String> = (1..=12).map(|m| format!("2024-{m:02}")).collect();
    let regions = ["Central", "Mid-Atlantic", "Northeast", "South", "Web"];
    let mut rows = Vec::new();
    for c in 0..categories.len() {
        for m in 0..months.len() {
            for r in 0..regions.len() {
                let units = (17 * (c + 1) + 5 * m + 3 * r) as f64;
                let revenue = units * (19.5 + 10.0 * c as f64);
                rows.push((vec![c, m, r], vec![units, revenue]));
            }
        }
    }
    Grid {
        attributes: vec![
            (
                "8D679D3711D3E4981000E787EC6DE8A4".to_string(),
                "Category".to_string(),
                categories.iter().map(|s| s.to_string()).collect(),
            ),
            (
                "8D679D4411D3E4981000E787EC6DE8A4".to_string(),
                "Month".to_string(),
                months,
            ),
            (
                "8D679D5111D3E4981000E787EC6DE8A4".to_string(),
                "Region".to_string(),
                regions.iter().map(|s| s.to_string()).collect(),
            ),
        ],
        metrics: vec![
            (
                "B6E5BCAB4A5D2F6E8F0F6C9B3E2D1A0F".to_string(),
                "Units Sold".to_string(),
            ),
            (
                "4C05177011D3E877C000B3B2D86C964F".to_string(),
                "Revenue".to_string(),
            ),
        ],
        rows,
    }
}

fn headcount_grid() -> Grid {
    let departments = ["Engineering", "Finance", "Sales", "Support"];
    Grid {
        attributes: vec![(
            "9E2A1C3B4D5E6F708192A3B4C5D6E7F8".to_string(),
            "Department".to_string(),
            departments.iter().map(|s| s.to_string()).collect(),
        )],
        metrics: vec![(
            "1F2E3D4C5B6A79881726354453627180".to_string(),
            "Headcount".to_string(),
        )],
        rows: (0..departments.len())
            .map(|d| (vec![d], vec![(40 + 23 * d) as f64]))
            .collect(),
    }
}

/// The grid of a seeded report or cube, by id.
pub(crate) fn seeded_grid(id: &str) -> Option<Grid> {
    match id {
        REVENUE_REPORT_ID | SALARY_REPORT_ID => Some(revenue_grid()),
        SALES_CUBE_ID => Some(cube_grid()),
        HEADCOUNT_REPORT_ID => Some(headcount_grid()),
        _ => None,
    }
}

/// The `definition` of a report, cube or instance answer.
pub(crate) fn definition_json(g: &Grid) -> Value {
    let rows: Vec<Value> = g
        .attributes
        .iter()
        .map(|(id, name, elements)| {
            json!({
                "name": name,
                "id": id,
                "type": "attribute",
                "forms": [{"id": "CCFBE2A5EADB4F50941FB879CCF1721C", "name": "DESC",
                           "dataType": "Char", "baseFormCategory": "DESC",
                           "baseFormType": "Text"}],
                "elements": elements.iter().enumerate().map(|(i, e)| json!({
                    "formValues": [e],
                    "id": format!("h{};{id}", i + 1),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let metrics: Vec<Value> = g
        .metrics
        .iter()
        .map(|(id, name)| {
            json!({"name": name, "id": id, "type": "metric", "dataType": "double",
                   "numberFormatting": {"category": 1, "decimalPlaces": 2, "formatString": "#,##0.00"}})
        })
        .collect();
    let available_attributes: Vec<Value> = g
        .attributes
        .iter()
        .map(|(id, name, _)| json!({"id": id, "name": name, "type": "attribute"}))
        .collect();
    json!({
        "availableObjects": {
            "attributes": available_attributes,
            "metrics": metrics.clone(),
            "consolidations": [],
            "customGroups": [],
        },
        "grid": {
            "crossTab": false,
            "subtotals": {"defined": false, "visible": false},
            "pageBy": [],
            "metricsPosition": {"axis": "columns", "index": 0},
            "rows": rows,
            "columns": [{"name": "Metrics", "id": "00000000000000000000000000000000",
                         "type": "templateMetrics", "elements": metrics}],
        }
    })
}

/// One page of an instance's `data`.
pub(crate) fn data_page_json(g: &Grid, offset: usize, limit: usize) -> Value {
    let total = g.rows.len();
    let page: Vec<&(Vec<usize>, Vec<f64>)> = g.rows.iter().skip(offset).take(limit).collect();
    let limit = limit.min(total.max(1));
    let headers: Vec<&Vec<usize>> = page.iter().map(|(h, _)| h).collect();
    let raw: Vec<&Vec<f64>> = page.iter().map(|(_, v)| v).collect();
    let formatted: Vec<Vec<String>> = page
        .iter()
        .map(|(_, v)| v.iter().map(|x| format!("{x:.2}")).collect())
        .collect();
    let metric_idx: Vec<usize> = (0..g.metrics.len()).collect();
    json!({
        "paging": {
            "total": total,
            "current": page.len(),
            "offset": offset,
            "limit": limit,
            "prev": null,
            "next": null,
        },
        "headers": {"rows": headers, "columns": [metric_idx]},
        "metricValues": {"raw": raw, "formatted": formatted, "extras": []},
    })
}

/// An instance answer: the object, the instance id, its definition and one page of data.
pub(crate) fn instance_json(
    o: &ObjectRec,
    g: &Grid,
    instance: &str,
    offset: usize,
    limit: usize,
) -> Value {
    json!({
        "id": o.id,
        "name": o.name,
        "instanceId": instance,
        "status": 1,
        "definition": definition_json(g),
        "data": data_page_json(g, offset, limit),
    })
}
