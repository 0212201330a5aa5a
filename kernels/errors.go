package kernels

// Panic messages of Sgemm, phrased as gonum's blas package phrases them, so that callers
// moving from gonum recognise them.
const (
	mLT0   = "kernels: m < 0"
	nLT0   = "kernels: n < 0"
	kLT0   = "kernels: k < 0"
	badLdA = "kernels: bad leading dimension of A"
	badLdB = "kernels: bad leading dimension of B"
	badLdC = "kernels: bad leading dimension of C"
	shortA = "kernels: insufficient length of a"
	shortB = "kernels: insufficient length of b"
	shortC = "kernels: insufficient length of c"
)
