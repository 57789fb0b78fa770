//! Property test: random mutations of small specs (tree edits and text edits) never make the
//! loader panic; each input either loads to an `openapi: 3.0.3`-or-3.0.x document or is an
//! error naming the origin. Deterministic (fixed seeds, bounded iterations).

use std::path::Path;

use bi_rest_generator::load::load_str;
use serde_json::{json, Map, Value};

/// xorshift64*: small, deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const KEYS: [&str; 34] = [
    "$ref",
    "type",
    "items",
    "properties",
    "allOf",
    "oneOf",
    "in",
    "name",
    "schema",
    "parameters",
    "responses",
    "nullable",
    "const",
    "examples",
    "prefixItems",
    "collectionFormat",
    "exclusiveMinimum",
    "minimum",
    "swagger",
    "openapi",
    "x-nullable",
    "x-looker-nullable",
    "x-looker-values",
    "discriminator",
    "content",
    "requestBody",
    "consumes",
    "produces",
    "definitions",
    "components",
    "paths",
    "get",
    "post",
    "contentEncoding",
];

fn random_value(rng: &mut Rng, depth: usize) -> Value {
    let choices = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1.5),
        json!(2.0),
        json!("3.1.0"),
        json!("#/definitions/Pet"),
        json!("#/parameters/limit"),
        json!("#/components/pathItems/A"),
        json!("file"),
        json!("body"),
        json!("formData"),
        json!("array"),
        json!("null"),
        json!(["string", "null"]),
        json!(["integer", "object", "null"]),
        json!("base64"),
        json!("multi"),
        json!([]),
        json!({}),
    ];
    if depth < 3 && rng.below(4) == 0 {
        let mut m = Map::new();
        for _ in 0..rng.below(3) {
            m.insert(
                KEYS[rng.below(KEYS.len())].to_string(),
                random_value(rng, depth + 1),
            );
        }
        return Value::Object(m);
    }
    if depth < 3 && rng.below(6) == 0 {
        return Value::Array(
            (0..rng.below(3))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        );
    }
    choices[rng.below(choices.len())].clone()
}

/// Apply one random edit somewhere in the tree (walk down a random path first).
fn mutate(v: &mut Value, rng: &mut Rng, depth: usize) {
    let descend = depth < 12 && rng.below(5) != 0;
    match v {
        Value::Object(m) if descend && !m.is_empty() => {
            let i = rng.below(m.len());
            if let Some((_, child)) = m.iter_mut().nth(i) {
                mutate(child, rng, depth + 1);
            }
        }
        Value::Array(a) if descend && !a.is_empty() => {
            let i = rng.below(a.len());
            mutate(&mut a[i], rng, depth + 1);
        }
        Value::Object(m) => match rng.below(3) {
            0 if !m.is_empty() => {
                let i = rng.below(m.len());
                let key = m.keys().nth(i).cloned().unwrap_or_default();
                m.shift_remove(&key);
            }
            1 => {
                m.insert(
                    KEYS[rng.below(KEYS.len())].to_string(),
                    random_value(rng, 0),
                );
            }
            _ => *v = random_value(rng, 0),
        },
        _ => *v = random_value(rng, 0),
    }
}

fn seeds() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/load");
    ["swagger2_pets.yaml", "oas31_mixed.yaml", "oas30_min.json"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).expect("fixture");
            (f.to_string(), text)
        })
        .collect()
}

/// Load `text`; true when it loaded (then it must be OpenAPI 3.0), false on an error (which
/// must name the origin).
fn check(text: &str, origin: &str) -> bool {
    match load_str(text, origin) {
        Ok(spec) => {
            let v = spec.document["openapi"].as_str().unwrap_or("");
            assert!(v.starts_with("3.0"), "loaded document has openapi {v:?}");
            true
        }
        Err(e) => {
            assert_eq!(e.file(), origin);
            false
        }
    }
}

#[test]
fn tree_mutations_never_panic() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut loaded = 0;
    for (name, text) in seeds() {
        let base = load_str(&text, &name).expect("seed loads");
        // Mutate the ORIGINAL (pre-conversion) document, re-serialised as JSON.
        let (original, _) =
            bi_rest_generator::load::json_yaml::parse(&text, &name).expect("parses");
        assert!(base.document.is_object());
        for _ in 0..600 {
            let mut doc = original.clone();
            for _ in 0..1 + rng.below(4) {
                mutate(&mut doc, &mut rng, 0);
            }
            let origin = format!("mutated-{name}.json");
            if check(&doc.to_string(), &origin) {
                loaded += 1;
            }
        }
    }
    // Most single edits keep a loadable spec: the conversions themselves were exercised.
    assert!(
        loaded > 600,
        "only {loaded} of 1800 mutated documents loaded"
    );
}

#[test]
fn text_mutations_never_panic() {
    let mut rng = Rng(0x0123_4567_89ab_cdef);
    let alphabet: Vec<char> = "{}[]:,\"'-#&*!|>\n \t0123456789abcnull~\\%@`"
        .chars()
        .collect();
    for (name, text) in seeds() {
        let chars: Vec<char> = text.chars().collect();
        for _ in 0..200 {
            let mut c = chars.clone();
            for _ in 0..1 + rng.below(3) {
                let at = rng.below(c.len() + 1).min(c.len());
                match rng.below(3) {
                    0 if at < c.len() => {
                        c.remove(at);
                    }
                    1 if at < c.len() => c[at] = alphabet[rng.below(alphabet.len())],
                    _ => c.insert(at, alphabet[rng.below(alphabet.len())]),
                }
            }
            let mutated: String = c.into_iter().collect();
            check(&mutated, &name);
        }
    }
}

#[test]
fn hostile_inputs_are_errors_not_panics() {
    let deep = format!("{}{}", "[".repeat(5000), "]".repeat(5000));
    let deep_yaml = format!("a: {}1{}", "[".repeat(2000), "]".repeat(2000));
    let alias_bomb =
        "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n\
        c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n\
        e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n\
        g: [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nopenapi: 3.0.0\n";
    for text in [
        "",
        "\u{feff}",
        "null",
        "{",
        "- a\n- b",
        "openapi: 3.1.0\ncomponents: {schemas: {A: {type: [1, {}, null]}}}\n",
        "openapi: 3.1.0\ncomponents: {schemas: {A: {prefixItems: 3, examples: [], const: {}}}}\n",
        "swagger: '2.0'\nparameters: {p: {in: body}}\npaths: {/a: {parameters: [{$ref: '#/parameters/p'}], get: {}}}\n",
        "swagger: '2.0'\npaths: {/a: {get: {parameters: [{in: formData, type: array, items: 3}], responses: {200: 4}}}}\n",
        "swagger: '2.0'\nsecurityDefinitions: {o: {type: oauth2, flow: 7}}\npaths: {}\n",
        &deep,
        &deep_yaml,
        alias_bomb,
    ] {
        check(text, "hostile.yaml");
    }
}
