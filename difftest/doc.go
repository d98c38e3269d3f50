// Package difftest holds differential tests and comparative benchmarks of
// our matcher and scan engine against the real ClamAV (clamscan from the
// Debian clamav package, samples from clamav-testfiles).
//
// Everything is in _test.go files: the package has no API. The tests write
// signature databases and sample files to a temporary directory, run
// clamscan once over all samples (it is slow to start), run our matcher on
// the same files, and compare the sets of signature names file by file.
// Where ClamAV differs from us by design, or through a ClamAV bug, the test
// asserts that documented difference instead of the equality, so a change
// on either side shows up.
//
// DIFFTEST_KEEP=1 keeps each test's databases and samples (the path is
// logged) for a look with clamscan --debug; DIFFTEST_SEED=n runs the
// randomized round with another seed.
//
// Without clamscan the tests skip, except under CI (env CI set), where the
// reference must be present and its absence fails the run.
//
// The benchmarks (go test -bench . ./difftest/) compare build time, memory
// and scan throughput with clamscan on the same generated signatures and
// print a markdown table; SIGTOOL_BENCH_FULL=1 adds the 300k body + 4M hash
// case, SIGTOOL_BENCH_WRITE=1 writes the table to testdata/bench-results.md.
// BenchmarkRealData (realdata_test.go) compares whole scans of real files
// with clamscan's; BenchmarkRealClasses (realclasses_test.go) is its side
// of ours alone, one sub-benchmark per class, for profiles and for
// scripts/ab.sh's two-build comparisons.
package difftest
