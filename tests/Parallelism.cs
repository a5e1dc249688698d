// The suite is CPU-bound and single-threaded per test (one engine per boot): fixtures run side by side on every
// core, which on CI's 2-core machine nearly halves the run. A fixture whose tests share state within it runs its
// own tests one after another (fixture scope); fixtures that measure the whole process are [NonParallelizable].
[assembly: Parallelizable(ParallelScope.Fixtures)]
