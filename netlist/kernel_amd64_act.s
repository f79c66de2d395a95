//go:build amd64 && !purego

#include "textflag.h"

// func binarizeAVX512(acc *int64, ast uintptr, nimg int, m *int64, u *int64, nv int, last uint64, dst *uint64, dstStride uintptr)
//
// For nimg entries (accumulators at acc + e*ast bytes, output word at
// dst + e*dstStride bytes) and nv vectors of 8 rows, the last one masked by
// last: bit r of the output word is (acc[r] ^ m[r]) > u[r]; bits past the
// rows are zero.
TEXT ·binarizeAVX512(SB), NOSPLIT, $0-72
	MOVQ acc+0(FP), SI
	MOVQ ast+8(FP), R8
	MOVQ nimg+16(FP), R9
	MOVQ m+24(FP), R10
	MOVQ u+32(FP), R11
	MOVQ nv+40(FP), R12
	DECQ R12
	MOVQ last+48(FP), AX
	KMOVW AX, K1
	MOVQ dst+56(FP), DI
	MOVQ dstStride+64(FP), R13
	TESTQ R9, R9
	JZ done

img:
	MOVQ $0, (DI)
	XORQ CX, CX
	CMPQ CX, R12
	JAE lastv

full:
	MOVQ CX, DX
	SHLQ $6, DX
	VMOVDQU64 (SI)(DX*1), Z0
	VPXORQ (R10)(DX*1), Z0, Z0
	VPCMPGTQ (R11)(DX*1), Z0, K2
	KMOVW K2, AX
	MOVB AX, (DI)(CX*1)
	INCQ CX
	CMPQ CX, R12
	JB full

lastv:
	MOVQ CX, DX
	SHLQ $6, DX
	VMOVDQU64.Z (SI)(DX*1), K1, Z0
	VMOVDQU64.Z (R10)(DX*1), K1, Z1
	VPXORQ Z1, Z0, Z0
	VMOVDQU64.Z (R11)(DX*1), K1, Z2
	VPCMPGTQ Z2, Z0, K1, K2
	KMOVW K2, AX
	MOVB AX, (DI)(CX*1)
	ADDQ R8, SI
	ADDQ R13, DI
	DECQ R9
	JNZ img

done:
	VZEROUPPER
	RET

// func pack1AVX512(px *byte, size int, nimg int, thr uint64, dst *uint64, nw int)
//
// Binarizes nimg images of size bytes (back to back at px): bit i of word w
// of image b (at dst + b*nw words) is px[b*size+64w+i] >= thr, for thr in
// 0..255; bits past size are zero.
TEXT ·pack1AVX512(SB), NOSPLIT, $0-48
	MOVQ px+0(FP), SI
	MOVQ size+8(FP), R8
	MOVQ nimg+16(FP), R9
	MOVQ thr+24(FP), AX
	VPBROADCASTB AX, Z1
	MOVQ dst+32(FP), DI
	MOVQ nw+40(FP), R10
	MOVQ R8, R11
	SHRQ $6, R11
	MOVQ R8, CX
	ANDQ $63, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVQ AX, K2
	TESTQ R9, R9
	JZ done

img:
	XORQ DX, DX
	TESTQ R11, R11
	JZ tail

full:
	MOVQ DX, BX
	SHLQ $6, BX
	VPCMPUB $2, (SI)(BX*1), Z1, K1
	KMOVQ K1, AX
	MOVQ AX, (DI)(DX*8)
	INCQ DX
	CMPQ DX, R11
	JB full

tail:
	TESTQ CX, CX
	JZ next
	MOVQ DX, BX
	SHLQ $6, BX
	VMOVDQU8.Z (SI)(BX*1), K2, Z0
	VPCMPUB $2, Z0, Z1, K2, K1
	KMOVQ K1, AX
	MOVQ AX, (DI)(DX*8)

next:
	ADDQ R8, SI
	LEAQ (DI)(R10*8), DI
	DECQ R9
	JNZ img

done:
	VZEROUPPER
	RET

// func quantizeAVX512(acc *int64, ast uintptr, nimg int, tt *int64, k int, neg *int64, nv int, last uint64, nq int, dst *uint64, dstStride uintptr, planeStride uintptr)
//
// For nimg entries (accumulators at acc + e*ast bytes, output words at
// dst + e*dstStride + q*planeStride bytes) and nv vectors of 8 channels
// (the last masked by last): level = the number of the k transposed
// thresholds tt (kernelThresholds) that are <= (acc ^ neg) - neg; bit q of
// the level goes to plane q (q < nq); bits past the channels are zero.
TEXT ·quantizeAVX512(SB), NOSPLIT, $0-96
	MOVQ acc+0(FP), SI
	MOVQ nimg+16(FP), R9
	MOVQ tt+24(FP), R10
	MOVQ k+32(FP), R11
	MOVQ neg+40(FP), R12
	MOVQ nv+48(FP), R13
	SHLQ $6, R13
	MOVQ last+56(FP), AX
	KMOVW AX, K2
	MOVQ dst+72(FP), DI
	VPTERNLOGQ $0xff, Z31, Z31, Z31
	TESTQ R9, R9
	JZ qdone

qentry:
	MOVQ DI, R8
	XORQ CX, CX

qzero:
	MOVQ $0, (R8)
	ADDQ planeStride+88(FP), R8
	INCQ CX
	CMPQ CX, nq+64(FP)
	JB qzero
	XORQ DX, DX
	MOVQ DI, R14

qvec:
	KXNORW K3, K3, K3
	MOVQ R13, AX
	SUBQ $64, AX
	CMPQ DX, AX
	JNE qload
	KMOVW K2, K3

qload:
	VMOVDQU64.Z (SI)(DX*1), K3, Z0
	VMOVDQU64.Z (R12)(DX*1), K3, Z1
	VPXORQ Z1, Z0, Z0
	VPSUBQ Z1, Z0, Z0
	VPXORQ Z2, Z2, Z2
	MOVQ DX, BX
	IMULQ R11, BX
	ADDQ R10, BX
	MOVQ R11, AX

qthr:
	VPCMPQ $5, (BX), Z0, K3, K4
	VPSUBQ Z31, Z2, K4, Z2
	ADDQ $64, BX
	DECQ AX
	JNZ qthr
	MOVQ R14, R8
	XORQ CX, CX

qplane:
	MOVQ $1, AX
	SHLQ CX, AX
	VPBROADCASTQ AX, Z3
	VPTESTMQ Z3, Z2, K5
	KMOVW K5, AX
	MOVB AX, (R8)
	ADDQ planeStride+88(FP), R8
	INCQ CX
	CMPQ CX, nq+64(FP)
	JB qplane
	INCQ R14
	ADDQ $64, DX
	CMPQ DX, R13
	JB qvec
	ADDQ ast+8(FP), SI
	ADDQ dstStride+80(FP), DI
	DECQ R9
	JNZ qentry

qdone:
	VZEROUPPER
	RET

// func pack8AVX512(px *byte, size int, nimg int, dst *uint64, nw int)
//
// Writes the bit planes of nimg images of size 8-bit pixels (back to back
// at px): bit i of word w of plane j of image b (at dst + (b*8+j)*nw
// words) is bit j of px[b*size+64w+i]; bits past size are zero. Plane 7 is
// the bytes' top bits (VPMOVB2M); doubling every byte moves the next plane
// up.
TEXT ·pack8AVX512(SB), NOSPLIT, $0-40
	MOVQ px+0(FP), SI
	MOVQ size+8(FP), R8
	MOVQ nimg+16(FP), R9
	MOVQ dst+24(FP), DI
	MOVQ nw+32(FP), R10
	SHLQ $3, R10
	MOVQ R8, R11
	SHRQ $6, R11
	MOVQ R8, CX
	ANDQ $63, CX
	MOVQ $1, AX
	SHLQ CX, AX
	DECQ AX
	KMOVQ AX, K2
	TESTQ R9, R9
	JZ p8done

p8img:
	XORQ DX, DX
	MOVQ SI, BX

p8word:
	CMPQ DX, R11
	JB p8full
	TESTQ CX, CX
	JZ p8next
	VMOVDQU8.Z (BX), K2, Z0
	JMP p8planes

p8full:
	VMOVDQU8 (BX), Z0

p8planes:
	LEAQ (DI)(DX*8), R12
	LEAQ (R12)(R10*4), R12
	LEAQ (R12)(R10*2), R12
	LEAQ (R12)(R10*1), R12
	MOVQ $8, R13

p8plane:
	VPMOVB2M Z0, K1
	KMOVQ K1, AX
	MOVQ AX, (R12)
	VPADDB Z0, Z0, Z0
	SUBQ R10, R12
	DECQ R13
	JNZ p8plane
	ADDQ $64, BX
	INCQ DX
	CMPQ DX, R11
	JBE p8word

p8next:
	ADDQ R8, SI
	LEAQ (DI)(R10*8), DI
	DECQ R9
	JNZ p8img

p8done:
	VZEROUPPER
	RET
