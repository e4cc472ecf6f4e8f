//! The slots of the TFLite flatbuffer schema (`schema.fbs`) this reader uses, by name: every
//! table's field number, the builtin operator codes and the tensor types, in one place.

/// `Model`.
pub(crate) mod model {
    pub(crate) const OPERATOR_CODES: usize = 1;
    pub(crate) const SUBGRAPHS: usize = 2;
    pub(crate) const BUFFERS: usize = 4;
}

/// `OperatorCode`.
pub(crate) mod operator_code {
    pub(crate) const DEPRECATED_BUILTIN_CODE: usize = 0;
    pub(crate) const BUILTIN_CODE: usize = 3;
}

/// `SubGraph`.
pub(crate) mod subgraph {
    pub(crate) const TENSORS: usize = 0;
    pub(crate) const INPUTS: usize = 1;
    pub(crate) const OUTPUTS: usize = 2;
    pub(crate) const OPERATORS: usize = 3;
}

/// `Tensor`.
pub(crate) mod tensor {
    pub(crate) const SHAPE: usize = 0;
    pub(crate) const TYPE: usize = 1;
    pub(crate) const BUFFER: usize = 2;
    pub(crate) const NAME: usize = 3;
    pub(crate) const SPARSITY: usize = 6;

    /// `TensorType` values.
    pub(crate) const FLOAT32: u8 = 0;
    pub(crate) const FLOAT16: u8 = 1;
    pub(crate) const INT32: u8 = 2;
}

/// `Buffer`.
pub(crate) mod buffer {
    pub(crate) const DATA: usize = 0;
    pub(crate) const OFFSET: usize = 1;
    pub(crate) const SIZE: usize = 2;
}

/// `Operator`.
pub(crate) mod operator {
    pub(crate) const OPCODE_INDEX: usize = 0;
    pub(crate) const INPUTS: usize = 1;
    pub(crate) const OUTPUTS: usize = 2;
    pub(crate) const BUILTIN_OPTIONS: usize = 4;
}

/// `SparsityParameters` and its `DimensionMetadata`.
pub(crate) mod sparsity {
    pub(crate) const TRAVERSAL_ORDER: usize = 0;
    pub(crate) const BLOCK_MAP: usize = 1;
    pub(crate) const DIM_METADATA: usize = 2;

    pub(crate) const FORMAT: usize = 0;
    pub(crate) const DENSE_SIZE: usize = 1;
    pub(crate) const SEGMENTS_TYPE: usize = 2;
    pub(crate) const SEGMENTS: usize = 3;
    pub(crate) const INDICES_TYPE: usize = 4;
    pub(crate) const INDICES: usize = 5;
    /// The `values` of the `Int32Vector`, `Uint16Vector` and `Uint8Vector` index tables.
    pub(crate) const VALUES: usize = 0;
}

/// `BuiltinOperator` codes.
pub(crate) mod builtin {
    pub(crate) const ADD: i32 = 0;
    pub(crate) const CONCATENATION: i32 = 2;
    pub(crate) const CONV_2D: i32 = 3;
    pub(crate) const DEPTHWISE_CONV_2D: i32 = 4;
    pub(crate) const DEPTH_TO_SPACE: i32 = 5;
    pub(crate) const DEQUANTIZE: i32 = 6;
    pub(crate) const LOGISTIC: i32 = 14;
    pub(crate) const MAX_POOL_2D: i32 = 17;
    pub(crate) const RESHAPE: i32 = 22;
    pub(crate) const RESIZE_BILINEAR: i32 = 23;
    pub(crate) const PAD: i32 = 34;
    pub(crate) const DENSIFY: i32 = 124;
}

/// `Conv2DOptions`.
pub(crate) mod conv2d {
    pub(crate) const PADDING: usize = 0;
    pub(crate) const STRIDE_W: usize = 1;
    pub(crate) const STRIDE_H: usize = 2;
    pub(crate) const ACTIVATION: usize = 3;
    pub(crate) const DILATION_W: usize = 4;
    pub(crate) const DILATION_H: usize = 5;
    /// The slots a convolution's options are read from (`Conv::parse`), in its order.
    pub(crate) const CONV: [usize; 6] = [PADDING, STRIDE_W, STRIDE_H, ACTIVATION, DILATION_W, DILATION_H];
}

/// `DepthwiseConv2DOptions` (slot 3 is the depth multiplier).
pub(crate) mod depthwise_conv2d {
    pub(crate) const PADDING: usize = 0;
    pub(crate) const STRIDE_W: usize = 1;
    pub(crate) const STRIDE_H: usize = 2;
    pub(crate) const ACTIVATION: usize = 4;
    pub(crate) const DILATION_W: usize = 5;
    pub(crate) const DILATION_H: usize = 6;
    /// The slots a convolution's options are read from (`Conv::parse`), in its order.
    pub(crate) const CONV: [usize; 6] = [PADDING, STRIDE_W, STRIDE_H, ACTIVATION, DILATION_W, DILATION_H];
}

/// `AddOptions`.
pub(crate) mod add {
    pub(crate) const ACTIVATION: usize = 0;
}

/// `Pool2DOptions`.
pub(crate) mod pool2d {
    pub(crate) const PADDING: usize = 0;
    pub(crate) const STRIDE_W: usize = 1;
    pub(crate) const STRIDE_H: usize = 2;
    pub(crate) const FILTER_W: usize = 3;
    pub(crate) const FILTER_H: usize = 4;
    pub(crate) const ACTIVATION: usize = 5;
}

/// `ResizeBilinearOptions` (slots 0 and 1 are deprecated).
pub(crate) mod resize_bilinear {
    pub(crate) const ALIGN_CORNERS: usize = 2;
    pub(crate) const HALF_PIXEL_CENTERS: usize = 3;
}

/// `DepthToSpaceOptions`.
pub(crate) mod depth_to_space {
    pub(crate) const BLOCK_SIZE: usize = 0;
}

/// `ConcatenationOptions`.
pub(crate) mod concatenation {
    pub(crate) const AXIS: usize = 0;
    pub(crate) const ACTIVATION: usize = 1;
}
