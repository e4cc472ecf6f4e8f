//! `ADD` and `LOGISTIC`: element by element.

use crate::geometry::Activation;
use crate::tflite::schema::add as slot;

use super::{Io, Operator, Parse, Result, Shapes};

/// `ADD` of two tensors of one shape, then the fused activation.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Add {
    pub(crate) activation: Activation,
}

impl Add {
    pub(crate) fn parse(p: &Parse) -> Result<Self> {
        Ok(Add {
            activation: Activation::from_code(p.u8(slot::ACTIVATION, 0)?)?,
        })
    }
}

impl Operator for Add {
    fn arity(&self, _listed: usize) -> usize {
        2
    }

    fn check(&self, s: &Shapes) -> Result<()> {
        let (a, b, out) = (s.input(0), s.input(1), s.output());
        if a != b || a != out {
            return Err(format!("adds {a:?} and {b:?} into {out:?}"));
        }
        Ok(())
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        add(io.data(0), io.data(1), self.activation, out);
    }
}

/// `LOGISTIC`: the logistic function of each element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Logistic;

impl Operator for Logistic {
    fn check(&self, s: &Shapes) -> Result<()> {
        super::layout::same_count(s)
    }

    fn run(&self, io: &mut Io, out: &mut [f32]) {
        logistic(io.data(0), out);
    }
}

gait_cpu::multiversion! {
/// Element-wise sum of two tensors of the same shape.
pub(crate) fn add(a: &[f32], b: &[f32], activation: Activation, out: &mut [f32]) {
    for ((o, &a), &b) in out.iter_mut().zip(a).zip(b) {
        *o = a + b;
    }
    activation.apply(out);
}
}

/// The logistic function, element-wise.
pub(crate) fn logistic(input: &[f32], out: &mut [f32]) {
    for (o, &x) in out.iter_mut().zip(input) {
        *o = 1.0 / (1.0 + (-x).exp());
    }
}
