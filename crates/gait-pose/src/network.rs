//! [`Network`]: a TFLite model read once and run many times, computing only what its chosen
//! outputs need, with every buffer allocated up front and shared by tensors that are not alive at
//! the same time.

use std::path::Path;

use gait_io::FileError;

use crate::error::{Error, Result};
use crate::graph::{Graph, Io, Shapes};
use crate::shape::MAX_ACTIVATIONS;

/// A model ready to run: the graph cut down to the chosen outputs, the filters of its
/// convolutions laid out for the products, and the buffers its tensors are computed into.
#[derive(Debug)]
pub struct Network {
    graph: Graph,
    /// The operations that run, in order.
    plan: Vec<usize>,
    /// Per operation: its constant operands laid out for its kernel, if it wants them so.
    prepared: Vec<Option<Vec<f32>>>,
    buffers: Vec<Vec<f32>>,
    /// Per tensor: the buffer that holds it, when it is computed (or the input).
    buffer_of: Vec<usize>,
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
        let (buffer_of, sizes) = share_buffers(&graph, &plan, input, &outputs);
        let buffers = sizes.into_iter().map(|len| vec![0.0; len]).collect();
        let mut prepared = vec![None; graph.ops.len()];
        for &n in &plan {
            let op = &graph.ops[n];
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
            buffer_of,
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
        let len = self.graph.tensors[self.input].shape.elements();
        &mut self.buffers[self.buffer_of[self.input]][..len]
    }

    /// The chosen output `k` after the last [`Network::run`].
    pub fn output(&self, k: usize) -> &[f32] {
        let t = self.outputs[k];
        &self.buffers[self.buffer_of[t]][..self.graph.tensors[t].shape.elements()]
    }

    /// The shape of the chosen output `k`.
    pub fn output_shape(&self, k: usize) -> &[usize] {
        &self.graph.tensors[self.outputs[k]].shape
    }

    /// Runs the model on what [`Network::input_mut`] holds.
    pub fn run(&mut self) {
        for &n in &self.plan {
            let op = &self.graph.ops[n];
            let buffer = self.buffer_of[op.output];
            let mut out = std::mem::take(&mut self.buffers[buffer]);
            let mut io = Io {
                graph: &self.graph,
                buffers: &self.buffers,
                buffer_of: &self.buffer_of,
                inputs: &op.inputs,
                output: op.output,
                prepared: self.prepared[n].as_deref(),
                scratch: &mut self.scratch,
            };
            let len = self.graph.tensors[op.output].shape.elements();
            op.operator.run(&mut io, &mut out[..len]);
            self.buffers[buffer] = out;
        }
    }
}

/// Which buffer holds each tensor the `plan` computes, and the input, and how long each buffer
/// is. A tensor takes the buffer of one whose last reader ran before it is computed (the shortest
/// that is long enough, else the longest, lengthened): the full landmark model's tensors, 35 MB
/// if each had its own, then take 11 MB, more of which stays in the caches from one operation to
/// the next. The input and the chosen outputs keep buffers of their own.
fn share_buffers(graph: &Graph, plan: &[usize], input: usize, outputs: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let elements = |t: usize| graph.tensors[t].shape.elements();
    // Per tensor, the step of the plan after which nothing reads it.
    let mut last = vec![0; graph.tensors.len()];
    for (step, &n) in plan.iter().enumerate() {
        graph.ops[n].inputs.iter().for_each(|&t| last[t] = step);
    }
    for &t in outputs.iter().chain([&input]) {
        last[t] = usize::MAX;
    }
    let mut buffer_of = vec![usize::MAX; graph.tensors.len()];
    // Per buffer: its length and the step after which it is free.
    let (mut sizes, mut free_after) = (vec![elements(input)], vec![usize::MAX]);
    buffer_of[input] = 0;
    for (step, &n) in plan.iter().enumerate() {
        let t = graph.ops[n].output;
        let free = (0..sizes.len()).filter(|&b| free_after[b] < step);
        let fits = free
            .clone()
            .filter(|&b| sizes[b] >= elements(t))
            .min_by_key(|&b| sizes[b]);
        let b = match fits.or_else(|| free.max_by_key(|&b| sizes[b])) {
            Some(b) => b,
            None => {
                sizes.push(0);
                free_after.push(0);
                sizes.len() - 1
            }
        };
        sizes[b] = sizes[b].max(elements(t));
        free_after[b] = last[t].max(step);
        buffer_of[t] = b;
    }
    (buffer_of, sizes)
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

    /// No tensor is computed into a buffer that holds one still to be read; and sharing makes
    /// the buffers far smaller than the tensors.
    #[test]
    fn tensors_alive_together_never_share_a_buffer() {
        let path = crate::default_model_dir().join("pose_landmark_full.tflite");
        let outputs = ["Identity", "Identity_1", "Identity_3"];
        let net = Network::open(&path, &outputs).unwrap();
        let (graph, plan) = (&net.graph, &net.plan);
        let reads_from = |t: usize, step: usize| {
            net.outputs.contains(&t) || plan[step..].iter().any(|&n| graph.ops[n].inputs.contains(&t))
        };
        let mut alive = vec![net.input];
        for (step, &n) in plan.iter().enumerate() {
            let t = graph.ops[n].output;
            alive.retain(|&u| reads_from(u, step));
            for &u in &alive {
                assert_ne!(
                    net.buffer_of[u], net.buffer_of[t],
                    "step {step}: tensor {t} over {u}"
                );
            }
            alive.push(t);
        }
        let tensors: usize = plan
            .iter()
            .map(|&n| graph.tensors[graph.ops[n].output].shape.elements())
            .sum();
        let buffers: usize = net.buffers.iter().map(Vec::len).sum();
        assert!(
            buffers * 3 < tensors,
            "{buffers} values in buffers for {tensors} in tensors"
        );
    }
}
