//! Consolidates 100,000 reports of the 2025 form: a national campaign from scratch.
//! Run with `cargo bench -p tuanle-shared`. Target: under 10 ms on a 2-core machine.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tuanle_shared::aggregate::consolidate;
use tuanle_shared::{Column, Content, Figures, NumberCell, form::builtin};

fn reports(n: usize) -> Vec<Figures> {
    let form = builtin("2025").expect("2025 form");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    (0..n)
        .map(|_| {
            let mut c = Content::default();
            for row in form.rows() {
                for column in Column::ALL {
                    if row.accepts(column) {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        let v = if row.is_money() {
                            seed % 50_000_000
                        } else {
                            seed % 300
                        };
                        c.set_number(NumberCell::new(row.code.clone(), column), Some(v));
                    }
                }
            }
            Figures::from_content(form, &c).expect("generated reports fit the form")
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let form = builtin("2025").expect("2025 form");
    let all = reports(100_000);
    c.bench_function("consolidate 100,000 reports (2025 form)", |b| {
        b.iter(|| consolidate(form, black_box(&all)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
