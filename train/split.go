package train

import (
	"fmt"

	"github.com/qnn-dev/qnn/dataset"
)

// TrainImages is the split of a training file: the first TrainImages images
// train, the rest validate (MNIST and Fashion-MNIST: 50,000 / 10,000).
const TrainImages = 50000

// Split divides a data set's training file into the training images (the
// first TrainImages, or the first limit when 0 < limit < TrainImages) and
// the validation images (the rest).
func Split(full *dataset.Set, limit int) (trainSet, val *dataset.Set, err error) {
	if full.N <= TrainImages {
		return nil, nil, fmt.Errorf("train: the %s training file has %d images, want more than %d (the rest validate)", full.Name, full.N, TrainImages)
	}
	n := TrainImages
	if limit > 0 {
		n = min(n, limit)
	}
	return full.Slice(0, n), full.Slice(TrainImages, full.N), nil
}
