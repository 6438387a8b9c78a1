#[test]
fn scratch() {
    let dir = std::path::Path::new("/work/shared/corpus");
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).unwrap();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        if cols[4] == "aux" { continue; }
        let bytes = std::fs::read(dir.join(cols[0])).unwrap();
        let r = govwatch::parse::parse_document(&bytes, &Default::default());
        let s = match r {
            Err(e) => format!("ERR {e}"),
            Ok(p) => { let d = &p.document; let e = d.entries.first();
              format!("OK {:?} {} n={} bare={} nodate={} noid={} first={:?} | {:?} | {:?} problems={:?}", d.format, p.encoding, d.entries.len(),
                d.entries.iter().filter(|e| e.title.is_none() && e.link.is_none()).count(),
                d.entries.iter().filter(|e| e.published.is_none() && e.updated.is_none()).count(),
                d.entries.iter().filter(|e| e.id.is_none()).count(),
                e.and_then(|e| e.title.as_deref()).map(|t| t.chars().take(40).collect::<String>()), e.and_then(|e| e.link.as_deref()), e.and_then(|e| e.published.or(e.updated)), p.problems) }
        };
        println!("{}\t{}\t{}\t{}", cols[4], cols[2], cols[0], s);
    }
}
