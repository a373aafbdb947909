/*
 * fuzz: what every harness in tests/fuzz shares.
 *
 * Each harness defines LLVMFuzzerTestOneInput. `make fuzz` links it with
 * libFuzzer (clang -fsanitize=fuzzer) to search for new inputs; the
 * regression run links it with replay.c instead, which feeds it every file
 * of its corpus (tests/fuzz/corpus/NAME/), so gcc builds and CI replay
 * what was found without clang. A harness aborts (fuzz_fail) when a
 * property it checks does not hold, so a finding is a crash either way.
 */
#ifndef DOCKET_FUZZ_H
#define DOCKET_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The checkout the harness was built in (for the shipped definitions). */
#ifndef FUZZ_REPO
#define FUZZ_REPO "."
#endif

#define fuzz_fail(...)                                                   \
	do {                                                             \
		fprintf(stderr, "fuzz: property failed at %s:%d: ", __FILE__, __LINE__); \
		fprintf(stderr, __VA_ARGS__);                            \
		fputc('\n', stderr);                                     \
		abort();                                                 \
	} while (0)

#endif
