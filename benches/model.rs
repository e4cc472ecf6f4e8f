//! m
#![allow(missing_docs)]
fn main() {}
