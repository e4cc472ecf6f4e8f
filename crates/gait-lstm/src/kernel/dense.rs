//! The dense layer `y = x W^T + b` as one Candle op, forward and backward, on the kernel's
//! products ([`matmul`]). Candle's own `matmul` asks at every call how many cores the machine
//! has, which reads `/proc/cpuinfo` where the answer is not cached: measured, a twentieth of
//! whole training, for products of a few thousand multiply-adds.

use candle_core::{CpuStorage, CustomOp3, Layout, Shape, Tensor};

use super::products::{Strided, matmul};
use super::{contiguous_f32, with_data};

/// The op: inputs `x` (`B x I`), `W` (`O x I`) and `b` (`O`); output `B x O`.
pub(crate) struct DenseKernel;

/// `B`, `I` and `O` of `x`, `W` and `b`, or why they do not fit.
fn sizes(x: &Layout, w: &Layout, b: &Layout) -> candle_core::Result<(usize, usize, usize)> {
    let (batch, input) = x.shape().dims2()?;
    let (output, width) = w.shape().dims2()?;
    if width != input || b.shape().dims1()? != output {
        return Err(candle_core::Error::Msg(format!(
            "dense layer: input {:?}, weights {:?} and bias {:?} do not fit (want B x I, O x I and O)",
            x.dims(),
            w.dims(),
            b.dims()
        )));
    }
    Ok((batch, input, output))
}

impl CustomOp3 for DenseKernel {
    fn name(&self) -> &'static str {
        "dense"
    }

    fn cpu_fwd(
        &self,
        x_storage: &CpuStorage,
        x_layout: &Layout,
        w_storage: &CpuStorage,
        w_layout: &Layout,
        b_storage: &CpuStorage,
        b_layout: &Layout,
    ) -> candle_core::Result<(CpuStorage, Shape)> {
        let (batch, input, output) = sizes(x_layout, w_layout, b_layout)?;
        let x = contiguous_f32(x_storage, x_layout)?;
        let w = contiguous_f32(w_storage, w_layout)?;
        let b = contiguous_f32(b_storage, b_layout)?;
        // W^T with contiguous rows, as the right factor of a product wants them.
        let w_t = Strided::row_major(w, output, input).transposed().copied();
        let mut y: Vec<f32> = b.iter().copied().cycle().take(batch * output).collect();
        matmul(
            &mut y,
            output,
            true,
            Strided::row_major(x, batch, input),
            Strided::row_major(&w_t, input, output),
        );
        Ok((CpuStorage::F32(y), Shape::from((batch, output))))
    }

    fn bwd(
        &self,
        x: &Tensor,
        w: &Tensor,
        b: &Tensor,
        _y: &Tensor,
        grad_y: &Tensor,
    ) -> candle_core::Result<(Option<Tensor>, Option<Tensor>, Option<Tensor>)> {
        let (batch, input, output) = sizes(x.layout(), w.layout(), b.layout())?;
        let grad_y = grad_y.contiguous()?;
        let mut dx = vec![0.0f32; if x.track_op() { batch * input } else { 0 }];
        let mut dw = vec![0.0f32; output * input];
        let mut db = vec![0.0f32; output];
        with_data(&grad_y, |dy| {
            let dy_m = Strided::row_major(dy, batch, output);
            if x.track_op() {
                // dx = dy W
                with_data(w, |w| {
                    matmul(&mut dx, input, false, dy_m, Strided::row_major(w, output, input));
                    Ok(())
                })?;
            }
            // dW = dy^T x, db = the sum of dy's rows
            with_data(x, |x| {
                matmul(
                    &mut dw,
                    input,
                    false,
                    dy_m.transposed(),
                    Strided::row_major(x, batch, input),
                );
                Ok(())
            })?;
            for row in dy.chunks_exact(output.max(1)) {
                db.iter_mut().zip(row).for_each(|(s, v)| *s += v);
            }
            Ok(())
        })?;
        Ok((
            if x.track_op() {
                Some(Tensor::from_vec(dx, x.shape(), x.device())?)
            } else {
                None
            },
            Some(Tensor::from_vec(dw, w.shape(), w.device())?),
            Some(Tensor::from_vec(db, b.shape(), b.device())?),
        ))
    }
}

#[cfg(test)]
mod tests {
    use candle_core::{Device, Var};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::kernel::tests::random;

    /// The op against Candle's own `x W^T + b`: output and the gradients of `x`, `W` and `b`
    /// through a weighted sum of the output, with shapes that leave partial tiles.
    #[test]
    fn the_dense_op_is_candles_matmul_and_its_gradients() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for (batch, input, output) in [(1, 1, 1), (7, 32, 16), (33, 16, 2), (5, 3, 70)] {
            let cpu = &Device::Cpu;
            let tensor = |n: usize, shape: &[usize], rng: &mut ChaCha8Rng| {
                Var::from_tensor(&Tensor::from_vec(random(n, rng), shape, cpu).unwrap()).unwrap()
            };
            let x = tensor(batch * input, &[batch, input], &mut rng);
            let w = tensor(output * input, &[output, input], &mut rng);
            let b = tensor(output, &[output], &mut rng);
            let weights = Tensor::from_vec(random(batch * output, &mut rng), (batch, output), cpu).unwrap();
            let ours = x
                .as_tensor()
                .apply_op3(w.as_tensor(), b.as_tensor(), DenseKernel)
                .unwrap();
            let candles = x
                .as_tensor()
                .matmul(&w.as_tensor().t().unwrap())
                .unwrap()
                .broadcast_add(b.as_tensor())
                .unwrap();
            let close = |a: &Tensor, b: &Tensor, what: &str| {
                let (a, b) = (
                    a.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                    b.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
                );
                assert_eq!(a.len(), b.len(), "{what}");
                for (a, b) in a.iter().zip(&b) {
                    assert!(
                        (a - b).abs() < 1e-5,
                        "{what} ({batch} x {input} -> {output}): {a} against {b}"
                    );
                }
            };
            close(&ours, &candles, "output");
            let ours = (ours * &weights).unwrap().sum_all().unwrap().backward().unwrap();
            let candles = (candles * &weights)
                .unwrap()
                .sum_all()
                .unwrap()
                .backward()
                .unwrap();
            for (var, what) in [(&x, "dx"), (&w, "dW"), (&b, "db")] {
                close(
                    ours.get(var.as_tensor()).unwrap(),
                    candles.get(var.as_tensor()).unwrap(),
                    what,
                );
            }
        }
    }
}
