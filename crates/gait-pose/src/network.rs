//! [`Network`]: a TFLite model read once and run many times, computing only what its chosen
//! outputs need, with every buffer allocated up front.

use std::path::Path;

use gait_io::FileError;

use crate::error::{Error, Result};
use crate::graph::{Graph, Io, Shapes};
use crate::shape::MAX_ACTIVATIONS;

/// A model ready to run: the graph cut down to the chosen outputs, the filters of its
/// convolutions laid out for the products, and one buffer per computed tensor.
#[derive(Debug)]
pub struct Network {
    graph: Graph,
    /// The operations that run, in order.
    plan: Vec<usize>,
    /// Per operation: its constant operands laid out for its kernel, if it wants them so.
    prepared: Vec<Option<Vec<f32>>>,
    buffers: Vec<Vec<f32>>,
    scratch: Vec<f32>,
    input: usize,
    outputs: Vec<usize>,
}

impl Network {
    /// Reads the model at `path` and prepares it to compute the graph outputs named `outputs`
    /// (the model's only input is fed by [`Network::run`]).
    pub fn open(path: &Path, outputs: &[&str]) -> Result<Network> {
        let bytes = std::fs::read(path).map_err(|source| FileError::new(path.to_path_buf(), source))?;
        Network::from_bytes(&bytes, outputs).map_err(|reason| Error::Model {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// As [`Network::open`], from the file's bytes; the error is a description.
    pub(crate) fn from_bytes(bytes: &[u8], outputs: &[&str]) -> std::result::Result<Network, String> {
        let mut graph = crate::tflite::read(bytes)?;
        let [input] = graph.inputs[..] else {
            return Err(format!("{} inputs, expected one", graph.inputs.len()));
        };
        let outputs = outputs
            .iter()
            .map(|name| {
                graph
                    .outputs
                    .iter()
                    .copied()
                    .find(|&t| graph.tensors[t].name == *name)
                    .ok_or_else(|| format!("no output named {name}; is this the right model?"))
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;

        // Walk back from the wanted outputs to the operations they need.
        let mut needed = vec![false; graph.tensors.len()];
        outputs.iter().for_each(|&t| needed[t] = true);
        let mut plan = Vec::new();
        for (n, op) in graph.ops.iter().enumerate().rev() {
            if needed[op.output] {
                plan.push(n);
                op.inputs.iter().for_each(|&t| needed[t] = true);
            }
        }
        // The graph computes every tensor before it is read (checked when it was read).
        plan.reverse();
        fold_pads(&mut graph, &mut plan, &outputs);

        // Every computed tensor gets a buffer: their sum is bounded before any is allocated.
        let activations = plan
            .iter()
            .map(|&n| graph.tensors[graph.ops[n].output].shape.elements())
            .try_fold(graph.tensors[input].shape.elements(), usize::checked_add)
            .filter(|&total| total <= MAX_ACTIVATIONS);
        if activations.is_none() {
            return Err(format!(
                "its activations hold more than {MAX_ACTIVATIONS} values; is this a pose model?"
            ));
        }
        let mut buffers = vec![Vec::new(); graph.tensors.len()];
        buffers[input] = vec![0.0; graph.tensors[input].shape.elements()];
        let mut prepared = vec![None; graph.ops.len()];
        for &n in &plan {
            let op = &graph.ops[n];
            buffers[op.output] = vec![0.0; graph.tensors[op.output].shape.elements()];
            let shapes = Shapes {
                graph: &graph,
                inputs: &op.inputs,
                output: op.output,
            };
            prepared[n] = op.operator.prepare(&shapes);
        }
        Ok(Network {
            graph,
            plan,
            prepared,
            buffers,
            scratch: Vec::new(),
            input,
            outputs,
        })
    }

    /// The shape the input must have (`[1, height, width, channels]` for the pose models).
    pub fn input_shape(&self) -> &[usize] {
        &self.graph.tensors[self.input].shape
    }

    /// The buffer to fill with the input before [`Network::run`].
    pub fn input_mut(&mut self) -> &mut [f32] {
        &mut self.buffers[self.input]
    }

    /// The chosen output `k` after the last [`Network::run`].
    pub fn output(&self, k: usize) -> &[f32] {
        &self.buffers[self.outputs[k]]
    }

    /// The shape of the chosen output `k`.
    pub fn output_shape(&self, k: usize) -> &[usize] {
        &self.graph.tensors[self.outputs[k]].shape
    }

    /// Runs the model on what [`Network::input_mut`] holds.
    pub fn run(&mut self) {
        for &n in &self.plan {
            let op = &self.graph.ops[n];
            let mut out = std::mem::take(&mut self.buffers[op.output]);
            let mut io = Io {
                graph: &self.graph,
                buffers: &self.buffers,
                inputs: &op.inputs,
                output: op.output,
                prepared: self.prepared[n].as_deref(),
                scratch: &mut self.scratch,
            };
            op.operator.run(&mut io, &mut out);
            self.buffers[op.output] = out;
        }
    }
}

/// Folds each `PAD` of height and width into the convolution that alone reads it, when that
/// convolution can take the padding (`VALID`): the convolution then reads the unpadded tensor and
/// skips the taps that fell on the zeros, and the padded copy is never made. In the full landmark
/// model, the five `PAD`s cost a tenth of the time, most of it writing 9.5 MB of fresh memory.
fn fold_pads(graph: &mut Graph, plan: &mut Vec<usize>, outputs: &[usize]) {
    let mut folded = Vec::new();
    for &p in plan.iter() {
        let (pad, padded) = (&graph.ops[p], graph.ops[p].output);
        let Some(amounts) = pad.operator.spatial_padding() else {
            continue;
        };
        let mut readers = plan.iter().filter(|&&n| graph.ops[n].inputs.contains(&padded));
        let (Some(&reader), None) = (readers.next(), readers.next()) else {
            continue;
        };
        let op = &graph.ops[reader];
        let mut inputs = op.inputs.clone();
        if outputs.contains(&padded) || inputs[0] != padded || inputs[1..].contains(&padded) {
            continue;
        }
        inputs[0] = pad.inputs[0];
        let Some(operator) = op.operator.padded(amounts) else {
            continue;
        };
        let shapes = Shapes {
            graph,
            inputs: &inputs,
            output: op.output,
        };
        if operator.check(&shapes).is_ok() {
            folded.push((p, reader, operator, inputs));
        }
    }
    for (p, reader, operator, inputs) in folded {
        graph.ops[reader].operator = operator;
        graph.ops[reader].inputs = inputs;
        plan.retain(|&n| n != p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both landmark models pad before each convolution with a stride of two; every such `PAD`
    /// is folded, and the outputs still match TFLite's (`tests/network.rs`).
    #[test]
    fn the_landmark_models_run_no_pad() {
        for model in ["pose_landmark_full.tflite", "pose_landmark_lite.tflite"] {
            let path = crate::default_model_dir().join(model);
            let bytes = std::fs::read(&path).unwrap();
            let graph = crate::tflite::read(&bytes).unwrap();
            let pads = |plan: &[usize], graph: &Graph| {
                plan.iter()
                    .filter(|&&n| graph.ops[n].operator.spatial_padding().is_some())
                    .count()
            };
            assert_eq!(
                pads(&(0..graph.ops.len()).collect::<Vec<_>>(), &graph),
                5,
                "{model}"
            );
            let net = Network::from_bytes(&bytes, &["Identity"]).unwrap();
            assert_eq!(pads(&net.plan, &net.graph), 0, "{model}");
        }
    }
}
