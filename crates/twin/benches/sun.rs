//! `cargo bench -p orfevre-twin --bench sun`: SUN tap and certificate verifications per second on one core. A tap:
//! parse the URL, decrypt the PICC data, derive the session keys, check the CMAC (and decrypt the
//! file data for the second URL) — on AN12196's two examples.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use orfevre_twin::sun;

const PLAIN: &str = "https://ntag.nxp.com/424?e=EF963FF7828658A599F3041510671E88&c=94EED9EE65337086";
const FILE: &str = "https://my424dna.com/?picc_data=FDE4AFA99B5C820A2C1BB0F1C792D0EB&enc=94592FDE69FA06E8E3B6CA686A22842B&cmac=C48B89C17A233B2C";

fn verify(c: &mut Criterion) {
    let zero = [0u8; 16];
    let mut g = c.benchmark_group("sun");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify (e=, c=)", |b| {
        b.iter(|| sun::verify_url(std::hint::black_box(PLAIN), &zero, &zero).unwrap())
    });
    g.bench_function("verify with file data (picc_data=, enc=, cmac=)", |b| {
        b.iter(|| sun::verify_url(std::hint::black_box(FILE), &zero, &zero).unwrap())
    });
    g.finish();
}

/// Certificate verifications per second: JCS of the document and proof options, two SHA-256,
/// one Ed25519 verification, on the W3C eddsa-jcs-2022 vector.
fn credential(c: &mut Criterion) {
    let signed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/vectors/vc-di-eddsa/eddsa-jcs-2022_signedJCS.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut g = c.benchmark_group("credential");
    g.throughput(Throughput::Elements(1));
    g.bench_function("verify eddsa-jcs-2022 (W3C vector)", |b| {
        b.iter(|| orfevre_twin::credential::verify(std::hint::black_box(&signed)).unwrap())
    });
    g.finish();
}

criterion_group!(benches, verify, credential);
criterion_main!(benches);
