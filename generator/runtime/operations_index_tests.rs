// Emitted at the end of every generated `operations` module: checks the sorted indices against
// a linear scan of the table. Also run by generator/tests/runtime.rs.

#[cfg(test)]
mod index_tests {
    use super::*;

    #[test]
    fn find_agrees_with_a_linear_scan() {
        let linear = |id: &str| {
            ALL.iter()
                .find(|o| o.id == id)
                .or_else(|| ALL.iter().find(|o| o.original_id == id))
        };
        let same = |a: Option<&Operation>, b: Option<&Operation>| match (a, b) {
            (Some(a), Some(b)) => std::ptr::eq(a, b),
            (None, None) => true,
            _ => false,
        };
        for op in ALL {
            assert!(same(find(op.id), linear(op.id)), "{}", op.id);
            assert!(same(find(op.original_id), linear(op.original_id)), "{}", op.original_id);
        }
        assert_eq!(BY_ID.len(), ALL.len());
        assert_eq!(BY_ORIGINAL_ID.len(), ALL.len());
        assert!(find("\u{0}no such operation").is_none());
        assert!(find("~no such operation").is_none());
    }
}
