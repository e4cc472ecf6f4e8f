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
        let graph = crate::tflite::read(bytes)?;
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
