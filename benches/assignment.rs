//! How long `solve` takes at each synthetic scale (divan). Quality figures and the comparison
//! with the exact optimum are in `examples/assign_report.rs` and `benches/highs_optimum.py`.

use divan::Bencher;
use pingcha::domain::assignment::{Scale, check_assignment, solve, synthetic_instance};

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 10)]
fn city(bencher: Bencher) {
    run(bencher, Scale::City);
}

#[divan::bench(sample_count = 3, sample_size = 1)]
fn province(bencher: Bencher) {
    run(bencher, Scale::Province);
}

#[divan::bench(sample_count = 1, sample_size = 1)]
fn nation(bencher: Bencher) {
    run(bencher, Scale::Nation);
}

fn run(bencher: Bencher, scale: Scale) {
    let problem = synthetic_instance(scale, 1);
    bencher.bench(|| {
        let result = solve(divan::black_box(&problem));
        // A failed solve or a broken rule would make the timing meaningless.
        assert!(result.is_ok_and(|a| check_assignment(&problem, &a).is_empty()));
    });
}
