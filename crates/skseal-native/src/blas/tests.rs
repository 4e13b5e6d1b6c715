//! Unit tests of the driver model and small products.

use super::*;

#[test]
fn k_blocks_follow_the_drivers() {
    assert_eq!(k_blocks(300, 256, None), vec![(0, 150), (150, 150)]);
    assert_eq!(k_blocks(301, 256, None), vec![(0, 151), (151, 150)]);
    assert_eq!(k_blocks(301, 256, Some(4)), vec![(0, 152), (152, 149)]);
    assert_eq!(
        k_blocks(600, 256, None),
        vec![(0, 256), (256, 172), (428, 172)]
    );
    assert_eq!(k_blocks(10, 256, Some(4)), vec![(0, 10)]);
}

#[test]
fn gemm_plan_marks_the_last_column_of_odd_chunks() {
    let b = Blas::new(Core::Haswell, 1);
    // serial: 24, 24, 8, 5 -> the last column of the 5-wide chunk
    let plan = b.gemm_plan(2, 61, 10);
    assert!(!plan.threaded);
    assert_eq!(plan.ends, vec![60]);
    let b2 = Blas::new(Core::Haswell, 2);
    assert!(b2.gemm_plan(2, 2000, 300).threaded);
    assert!(!b2.gemm_plan(2, 3, 300).threaded);
}

#[test]
fn core_names() {
    assert_eq!(Core::from_name("HASWELL"), Core::Haswell);
    assert_eq!(Core::from_name("SkylakeX"), Core::SkylakeX);
    assert_eq!(Core::from_name("Zen").name(), "Zen");
    assert!(!Blas::new(Core::from_name("Zen"), 2).reproduced());
}

#[test]
fn one_element_products() {
    let b = Blas::new(Core::Haswell, 2);
    let x = Mat::new(1, 2, vec![1.0, 2.0]).unwrap();
    let c = Mat::new(1, 2, vec![3.0, 4.0]).unwrap();
    assert_eq!(b.matmul_t(&x, &c, false).data, vec![11.0]);
}
