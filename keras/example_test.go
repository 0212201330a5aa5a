package keras_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/simdnn/simdnn/keras"
)

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
