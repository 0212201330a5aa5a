package keras_test

import (
	"errors"
	"fmt"
	"log"
	"testing/fstest"

	"github.com/simdnn/simdnn/keras"
)

// Load the MNIST CNN that TF.js trained and saved, print its summary and classify a
// batch of images.
func ExampleLoad() {
	m, err := keras.Load("../testdata/mnist") // or "../testdata/mnist/model.json"
	if err != nil {
		log.Fatal(err)
	}
	fmt.Print(m.Summary())

	const batch = 2
	images := make([]float32, batch*m.InputSize()) // 2×28×28×1, NHWC, grey levels in [0, 1]
	probs := make([]float32, batch*m.OutputSize()) // 2×10
	if err := m.Predict(probs, images, batch); err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.InputShape(), "→", m.OutputShape())
	// Output:
	// Model: "sequential"
	// _________________________________________________________________
	// Layer (type)                 Output Shape              Param #
	// =================================================================
	// conv2d (Conv2D)              (None, 26, 26, 32)        320
	// _________________________________________________________________
	// conv2d_1 (Conv2D)            (None, 24, 24, 64)        18496
	// _________________________________________________________________
	// max_pooling2d (MaxPooling2D) (None, 12, 12, 64)        0
	// _________________________________________________________________
	// dropout (Dropout)            (None, 12, 12, 64)        0
	// _________________________________________________________________
	// flatten (Flatten)            (None, 9216)              0
	// _________________________________________________________________
	// dense (Dense)                (None, 128)               1179776
	// _________________________________________________________________
	// dropout_1 (Dropout)          (None, 128)               0
	// _________________________________________________________________
	// dense_1 (Dense)              (None, 10)                1290
	// =================================================================
	// Total params: 1,199,882
	// Trainable params: 1,199,882
	// Non-trainable params: 0
	// _________________________________________________________________
	// [28 28 1] → [10]
}

// A model the package cannot run is refused when it is loaded, with an *Error that
// names the layer and the field.
func ExampleLoadFS() {
	fsys := fstest.MapFS{"model.json": {Data: []byte(`{
		"format": "layers-model",
		"modelTopology": {"class_name": "Sequential", "config": {"name": "seq", "layers": [
			{"class_name": "Conv2D", "config": {"name": "conv", "batch_input_shape": [null, 3, 28, 28],
				"filters": 8, "kernel_size": [3, 3], "data_format": "channels_first"}}]}},
		"weightsManifest": []}`)}}
	_, err := keras.LoadFS(fsys, "model.json")
	fmt.Println(err)
	var e *keras.Error
	if errors.As(err, &e) && errors.Is(err, keras.ErrUnsupported) {
		fmt.Printf("layer %s, field %s\n", e.Layer, e.Field)
	}
	// Output:
	// keras: layer "conv" (Conv2D): data_format: "channels_first" is not supported (simdnn runs channels_last (NHWC) only)
	// layer conv, field data_format
}
