package train

import (
	"fmt"

	"github.com/qnn-dev/qnn/dataset"
)

// TrainImages is the split of MNIST's and Fashion-MNIST's training file:
// the first TrainImages images train, the rest validate (50,000 / 10,000).
const TrainImages = 50000

// CIFARTrainImages is the split of CIFAR-10's training set: the first
// 45,000 images train, the last 5,000 validate; the test set is only for
// the final report.
const CIFARTrainImages = 45000

// SplitPoint is the number of images of a data set's training file that
// train (the rest validate): TrainImages for MNIST and Fashion-MNIST,
// CIFARTrainImages for CIFAR-10, and for any other data set (your own
// images) all but the last tenth (at least one image validates).
func SplitPoint(name string, n int) int {
	switch name {
	case dataset.MNIST, dataset.Fashion:
		return TrainImages
	case dataset.CIFAR10:
		return CIFARTrainImages
	}
	return n - max(1, n/10)
}

// Split divides a data set's training file into the training images (the
// first SplitPoint, or the first limit when 0 < limit < SplitPoint) and
// the validation images (the rest).
func Split(full *dataset.Set, limit int) (trainSet, val *dataset.Set, err error) {
	n := SplitPoint(full.Name, full.N)
	if full.N <= n || n < 1 {
		return nil, nil, fmt.Errorf("train: the %s training file has %d images, want more than %d (the rest validate)", full.Name, full.N, max(n, 1))
	}
	cut := n
	if limit > 0 {
		cut = min(cut, limit)
	}
	return full.Slice(0, cut), full.Slice(n, full.N), nil
}
