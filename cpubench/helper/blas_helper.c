// blas_helper.c: float32 inference of a qnn dense network through OpenBLAS
// sgemm, for `qnn bench` (package cpubench builds it on demand with cc, so
// the Go binary stays cgo-free). It computes the netlist's function exactly
// (every value is a small integer, exact in float32): one sgemm per dense
// layer over a batch, then the threshold activation or the output offsets.
//
// Usage: blas_helper MODEL PIXELS N MIN_SECONDS CLASSES_OUT BATCH...
//        blas_helper --ceiling M N K MIN_SECONDS
// Prints one line per batch size:
//   batch=B images=I wall=S cpu=S
// and writes the classes of the N images (computed untimed) as int32 to
// CLASSES_OUT unless it is "-". The ceiling form prints "gflops=X wall=S cpu=S".
#include <cblas.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct {
	int in, out;
	float *w;   // out rows of in weights
	int kind;   // 0: output, 1: 1-bit threshold, k>=2: k-bit threshold
	int nt;     // thresholds per channel
	float *t;   // out*nt thresholds, ascending per channel
	uint8_t *rev;
	float base; // value of level 0 (k-bit)
	float *off; // output offsets
} layer;

static int nlayers, insize, inbits, inthr;
static layer *L;

static void die(const char *msg) {
	fprintf(stderr, "blas_helper: %s\n", msg);
	exit(1);
}

static void rd(FILE *f, void *p, size_t n) {
	if (fread(p, 1, n, f) != n) die("short model file");
}

static int rdi(FILE *f) {
	int32_t v;
	rd(f, &v, 4);
	return v;
}

static float *rdf(FILE *f, size_t n) {
	float *p = malloc(n * sizeof(float));
	if (!p) die("out of memory");
	rd(f, p, n * sizeof(float));
	return p;
}

// Model file: int32 magic 0x716e6e66, nlayers, insize, inbits, inthr; per
// layer: in, out, kind, nt, then out*in float32 weights; for kind > 0 out*nt
// float32 thresholds, out bytes of reversed flags, float32 base; for kind 0
// out float32 offsets.
static void load(const char *path) {
	FILE *f = fopen(path, "rb");
	if (!f) die("cannot open model");
	if (rdi(f) != 0x716e6e66) die("bad model magic");
	nlayers = rdi(f); insize = rdi(f); inbits = rdi(f); inthr = rdi(f);
	L = calloc(nlayers, sizeof(layer));
	for (int i = 0; i < nlayers; i++) {
		layer *l = &L[i];
		l->in = rdi(f); l->out = rdi(f); l->kind = rdi(f); l->nt = rdi(f);
		l->w = rdf(f, (size_t)l->in * l->out);
		if (l->kind > 0) {
			l->t = rdf(f, (size_t)l->out * l->nt);
			l->rev = malloc(l->out);
			rd(f, l->rev, l->out);
			float *b = rdf(f, 1);
			l->base = *b;
		} else {
			l->off = rdf(f, l->out);
		}
	}
	fclose(f);
}

static int maxw(void) {
	int m = insize;
	for (int i = 0; i < nlayers; i++) m = L[i].out > m ? L[i].out : m;
	return m;
}

// infer runs b images through the network; bufs hold b*maxw floats.
static void infer(const uint8_t *px, int b, float *x, float *y, int32_t *cls) {
	for (int i = 0; i < b * insize; i++) {
		float p = px[i];
		x[i] = inbits == 1 ? (px[i] >= inthr ? 1.0f : -1.0f) : p;
	}
	for (int li = 0; li < nlayers; li++) {
		layer *l = &L[li];
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, l->out, l->in, 1.0f, x, l->in, l->w, l->in, 0.0f, y, l->out);
		if (l->kind == 0) {
			for (int e = 0; e < b; e++) {
				float *s = y + (size_t)e * l->out;
				int best = 0;
				for (int c = 0; c < l->out; c++) {
					s[c] += l->off[c];
					if (s[c] > s[best]) best = c;
				}
				if (cls) cls[e] = best;
			}
			return;
		}
		for (int e = 0; e < b; e++) {
			float *a = y + (size_t)e * l->out, *o = x + (size_t)e * l->out;
			for (int c = 0; c < l->out; c++) {
				const float *t = l->t + (size_t)c * l->nt;
				int n = 0;
				if (l->rev[c]) {
					for (int j = 0; j < l->nt; j++) n += a[c] <= t[j];
				} else {
					for (int j = 0; j < l->nt; j++) n += a[c] >= t[j];
				}
				o[c] = l->kind == 1 ? (n ? 1.0f : -1.0f) : l->base + n;
			}
		}
	}
}

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static double cpu(void) {
	struct rusage r;
	getrusage(RUSAGE_SELF, &r);
	return r.ru_utime.tv_sec + r.ru_stime.tv_sec + (r.ru_utime.tv_usec + r.ru_stime.tv_usec) / 1e6;
}

static int ceiling(int argc, char **argv) {
	if (argc != 6) die("usage: --ceiling M N K MIN_SECONDS");
	int m = atoi(argv[2]), n = atoi(argv[3]), k = atoi(argv[4]);
	double minsec = atof(argv[5]);
	float *a = malloc(sizeof(float) * m * k), *b = malloc(sizeof(float) * k * n), *c = malloc(sizeof(float) * m * n);
	if (!a || !b || !c) die("out of memory");
	for (int i = 0; i < m * k; i++) a[i] = (float)(i % 7) - 3;
	for (int i = 0; i < k * n; i++) b[i] = (float)(i % 5) - 2;
	cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
	int reps = 0;
	double t0 = now(), c0 = cpu(), el;
	do {
		cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1, a, k, b, n, 0, c, n);
		reps++;
		el = now() - t0;
	} while (el < minsec);
	printf("gflops=%.3f wall=%.6f cpu=%.6f\n", 2.0 * m * n * k * reps / el / 1e9, el, cpu() - c0);
	return 0;
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "--ceiling") == 0) return ceiling(argc, argv);
	if (argc < 7) die("usage: MODEL PIXELS N MIN_SECONDS CLASSES_OUT BATCH...");
	load(argv[1]);
	long n = atol(argv[3]);
	double minsec = atof(argv[4]);
	uint8_t *px = malloc((size_t)n * insize);
	FILE *f = fopen(argv[2], "rb");
	if (!f || !px) die("cannot read pixels");
	rd(f, px, (size_t)n * insize);
	fclose(f);
	int32_t *cls = malloc(sizeof(int32_t) * n);
	if (strcmp(argv[5], "-") != 0) { // the classes, untimed, in batches of up to 256
		size_t bw = (size_t)256 * maxw();
		float *x = malloc(bw * sizeof(float)), *y = malloc(bw * sizeof(float));
		if (!x || !y || !cls) die("out of memory");
		for (long i = 0; i < n; i += 256) infer(px + i * insize, n - i < 256 ? n - i : 256, x, y, cls + i);
		free(x);
		free(y);
	}
	for (int ai = 6; ai < argc; ai++) {
		int b = atoi(argv[ai]);
		if (b < 1 || b > n) die("bad batch size");
		size_t bw = (size_t)b * maxw();
		float *x = malloc(bw * sizeof(float)), *y = malloc(bw * sizeof(float));
		if (!x || !y) die("out of memory");
		long images = 0;
		double t0 = now(), c0 = cpu(), el;
		do {
			for (long i = 0; i + b <= n; i += b) {
				infer(px + i * insize, b, x, y, NULL);
				images += b;
			}
			el = now() - t0;
		} while (el < minsec);
		printf("batch=%d images=%ld wall=%.6f cpu=%.6f\n", b, images, el, cpu() - c0);
		fflush(stdout);
		free(x);
		free(y);
	}
	if (strcmp(argv[5], "-") == 0) return 0;
	f = fopen(argv[5], "wb");
	if (!f || fwrite(cls, sizeof(int32_t), n, f) != (size_t)n) die("cannot write classes");
	fclose(f);
	return 0;
}
