using LoaderHarness.Fuzz;
using SharpFuzz;

// loader-fuzz --list                     names every target
// loader-fuzz <target>                   AFL++ driver (run under afl-fuzz, after `sharpfuzz` instrumented the loader)
// loader-fuzz <target> --libfuzzer       libFuzzer driver (libfuzzer-dotnet)
// loader-fuzz <target> --replay FILE...  runs each input once, in process, and says which ones fail
// loader-fuzz <target> --seeds DIR        writes the target's seed corpus (run from the repository root)
// loader-fuzz <target> --bench FILE...   replays the inputs in a loop (FUZZ_BENCH_SECONDS, default 3): rate, GCs, slowest inputs
// FUZZ_TRACE=1 with --replay or --bench prints every engine run's stop, instruction count and time
if (args is ["--list"])
{
    foreach (var name in FuzzTargets.All.Keys)
        Console.WriteLine(name);
    return 0;
}
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: loader-fuzz <{string.Join("|", FuzzTargets.All.Keys)}> [--libfuzzer | --replay FILE...]");
    return 2;
}
if (args.Length > 1 && args[1] == "--libfuzzer")
{
    Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
    return 0;
}
if (args.Length > 2 && args[1] == "--seeds")
{
    var count = 0;
    foreach (var (name, bytes) in FuzzSeeds.For(args[0], Directory.GetCurrentDirectory()))
    {
        File.WriteAllBytes(Path.Combine(args[2], name), bytes);
        count++;
    }
    Console.WriteLine($"{args[0]}: {count} seeds");
    return 0;
}
if (args.Length > 1 && args[1] == "--replay")
{
    var failed = 0;
    foreach (var file in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]))
    {
        try
        {
            target(File.ReadAllBytes(file));
        }
        catch (Exception e)
        {
            failed++;
            Console.Error.WriteLine($"{file}: {e.GetType().Name}: {e.Message}");
        }
    }
    return failed == 0 ? 0 : 1;
}
if (args.Length > 1 && args[1] == "--bench")
{
    FuzzBench.Run(target, args.Skip(2));
    return 0;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var copy = new MemoryStream();
    stream.CopyTo(copy);
    target(copy.ToArray());
});
return 0;
