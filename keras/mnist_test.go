package keras

import (
	"fmt"
	"testing"
)

// mnistCNN is the Keras MNIST CNN of every tutorial, as TF.js saves it, with random
// weights: Conv2D(32, 3×3, relu, input 28×28×1) → Conv2D(64, 3×3, relu) →
// MaxPooling2D(2) → Dropout(0.25) → Flatten → Dense(128, relu) → Dropout(0.5) →
// Dense(10, softmax).
func mnistCNN() savedModel {
	r := rng(11)
	conv := func(name string, filters int, first bool) map[string]any {
		c := map[string]any{"name": name, "trainable": true, "filters": filters, "kernel_size": []int{3, 3},
			"strides": []int{1, 1}, "padding": "valid", "data_format": "channels_last", "dilation_rate": []int{1, 1},
			"activation": "relu", "use_bias": true, "kernel_initializer": map[string]any{"class_name": "VarianceScaling"}}
		if first {
			c["batch_input_shape"] = []any{nil, 28, 28, 1}
			c["dtype"] = "float32"
		}
		return layerEntry("Conv2D", c)
	}
	dense := func(name string, units int, act string) map[string]any {
		return layerEntry("Dense", map[string]any{"name": name, "trainable": true, "units": units, "activation": act, "use_bias": true})
	}
	return savedModel{
		name: "sequential",
		layers: []map[string]any{
			conv("conv2d", 32, true),
			conv("conv2d_1", 64, false),
			layerEntry("MaxPooling2D", map[string]any{"name": "max_pooling2d", "trainable": true, "pool_size": []int{2, 2},
				"padding": "valid", "strides": []int{2, 2}, "data_format": "channels_last"}),
			layerEntry("Dropout", map[string]any{"name": "dropout", "trainable": true, "rate": 0.25}),
			layerEntry("Flatten", map[string]any{"name": "flatten", "trainable": true}),
			dense("dense", 128, "relu"),
			layerEntry("Dropout", map[string]any{"name": "dropout_1", "trainable": true, "rate": 0.5}),
			dense("dense_1", 10, "softmax"),
		},
		weights: []savedWeight{
			{"conv2d/kernel", []int{3, 3, 1, 32}, scaled(r.fill(288), 0.5)},
			{"conv2d/bias", []int{32}, scaled(r.fill(32), 0.1)},
			{"conv2d_1/kernel", []int{3, 3, 32, 64}, scaled(r.fill(18432), 0.1)},
			{"conv2d_1/bias", []int{64}, scaled(r.fill(64), 0.1)},
			{"dense/kernel", []int{9216, 128}, scaled(r.fill(1179648), 0.02)},
			{"dense/bias", []int{128}, scaled(r.fill(128), 0.1)},
			{"dense_1/kernel", []int{128, 10}, scaled(r.fill(1280), 0.2)},
			{"dense_1/bias", []int{10}, scaled(r.fill(10), 0.1)},
		},
		shards: 2,
	}
}

func scaled(v []float32, s float32) []float32 {
	for i := range v {
		v[i] *= s
	}
	return v
}

// mnistSummary is what Keras 2's model.summary() prints for the model.
const mnistSummary = `Model: "sequential"
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
conv2d (Conv2D)              (None, 26, 26, 32)        320
_________________________________________________________________
conv2d_1 (Conv2D)            (None, 24, 24, 64)        18496
_________________________________________________________________
max_pooling2d (MaxPooling2D) (None, 12, 12, 64)        0
_________________________________________________________________
dropout (Dropout)            (None, 12, 12, 64)        0
_________________________________________________________________
flatten (Flatten)            (None, 9216)              0
_________________________________________________________________
dense (Dense)                (None, 128)               1179776
_________________________________________________________________
dropout_1 (Dropout)          (None, 128)               0
_________________________________________________________________
dense_1 (Dense)              (None, 10)                1290
=================================================================
Total params: 1,199,882
Trainable params: 1,199,882
Non-trainable params: 0
_________________________________________________________________
`

func TestMNISTCNNSummary(t *testing.T) {
	m := mnistCNN().load(t)
	if got := m.Summary(); got != mnistSummary {
		t.Fatalf("Summary:\n%s\nwant:\n%s", got, mnistSummary)
	}
}

// BenchmarkMNISTCNN times Predict on the MNIST CNN at batch 1 and 64, with the
// images per second.
func BenchmarkMNISTCNN(b *testing.B) {
	m := mnistCNN().load(b)
	for _, n := range []int{1, 64} {
		b.Run(fmt.Sprintf("batch=%d", n), func(b *testing.B) {
			r := rng(12)
			src, dst := r.fill(n*m.InputSize()), make([]float32, n*m.OutputSize())
			b.ReportAllocs()
			for b.Loop() {
				if err := m.Predict(dst, src, n); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "images/s")
		})
	}
}
