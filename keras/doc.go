// Package keras runs Keras models saved in the TensorFlow.js Layers format on simdnn's
// kernels.
//
// A model saved by TF.js (model.save) or converted from Keras by tensorflowjs_converter
// is a file model.json, holding the model's topology (modelTopology: each layer's Keras
// config) and a weights manifest (weightsManifest: groups of binary shards, concatenated
// in order, with each weight's name, shape and dtype), and the shards beside it:
//
//	m, err := keras.Load("testdata/mnist") // the directory, or .../model.json
//	if err != nil {
//		log.Fatal(err) // names the layer and the field it cannot run
//	}
//	fmt.Print(m.Summary())
//	probs := make([]float32, 64*m.OutputSize())
//	err = m.Predict(probs, images, 64) // images: 64×28×28×1 values, NHWC
//
// LoadFS reads the files from an fs.FS instead (an embed.FS, a zip file).
//
// # What runs
//
// Sequential models of the layers InputLayer, Conv2D, Conv2DTranspose, Dense,
// MaxPooling2D, AveragePooling2D, GlobalAveragePooling2D, Flatten, Dropout,
// SpatialDropout2D, Activation, Softmax (over the last axis), ReLU (plain, or
// max_value 6) and LeakyReLU, with the activations linear, relu, relu6, leaky_relu,
// sigmoid, tanh, swish (silu), gelu (exact, Keras's default) and softmax; tensors in
// channels_last (NHWC) format, weights in float32, the input shape fixed but for the
// batch. Layer configs are read as TF.js, Keras 2 and Keras 3 write them. Dropout is the
// identity at inference, and Flatten too: the NHWC memory order is Keras's channels_last
// flatten order. Dense applies to the last axis, as in Keras.
//
// Anything else is refused when the model is loaded, never at Predict: an *Error naming
// the layer and the config field, weight or shard at fault, which wraps ErrFormat (not
// a TF.js Layers model), ErrUnsupported (valid Keras that simdnn does not run: another
// class, channels_first, a float16 or quantized weight, strides with dilation, an
// activation such as elu) or ErrWeights (a weight missing or of the wrong shape, a
// shard missing, truncated or too long).
//
// Weights are matched to layers by name (layer/kernel, layer/bias, or a name ending in
// /layer/kernel, as some converters prefix the model's name) and checked against the
// shapes the config gives: Conv2D [kh][kw][in][filters], Conv2DTranspose
// [kh][kw][filters][in], Dense [in][units]. Weights that no layer takes (an optimizer's)
// are ignored.
//
// # Running
//
// A Model is immutable once loaded: Predict is safe for concurrent use by several
// goroutines, and results are bit-for-bit the same whatever the goroutines and threads
// (see the kernels package). Each call takes its intermediate tensors from a pool, so it
// allocates nothing once a call with as large a batch has returned. The layers run one
// after another, each spreading its work over up to kernels.SetMaxThreads threads; an
// activation layer right after a linear Conv2D, Conv2DTranspose or Dense is applied by
// that layer as it stores its outputs. PredictTimed also measures the time each layer
// takes.
package keras
