using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(LoaderHarness.Benchmarks.Loader.KernelLoadBenchmarks).Assembly).Run(args);
