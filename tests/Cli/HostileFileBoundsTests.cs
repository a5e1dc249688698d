using System.Buffers.Binary;
using System.Diagnostics;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli;

/// <summary>
/// Each verb on hostile files ends promptly and within a bounded amount of host memory. The goal is a second
/// and 100 MB beyond the guest RAM; the bounds here are 5 s (the machine running the tests is shared: at a
/// load average of 40 a one-second verb takes several, while the failures these guard against took 10 s to
/// minutes) and 100 MB of resident growth sampled every 5 ms while the verb runs in process (guest RAM is
/// mapped lazily and a refused file never touches it, so all of that is the verb's own).
/// </summary>
[TestFixture]
[NonParallelizable] // measures the whole process's resident memory, which tests running beside it would add to
public sealed class HostileFileBoundsTests : CliTestFixture
{
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(5);
    private const long Growth = 100L << 20;

    private static IEnumerable<string[]> VerbsOn(string path) =>
    [
        ["inspect", path],
        ["load", path],
        ["extract-vmlinux", path, "-o", path + ".out"],
        ["measure", path],
        ["conform", "--kernel", path],
        ["boot", path],
    ];

    /// <summary>A bzImage whose 21-byte lzma payload's size trailer claims 400 MiB, under init_size (1 GiB) and the 512 MiB cap.</summary>
    private string Bomb()
    {
        byte[] lzma = [0x5D, 0, 0, 0x80, 0, .. Enumerable.Repeat((byte)0xFF, 8), 0, 0, 0, 0, 0, 0, 0, 0];
        var payload = new byte[lzma.Length + 4];
        lzma.CopyTo(payload, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(payload.AsSpan(lzma.Length), 400u << 20); // kbuild size_append
        var code = new byte[0x400];
        payload.CopyTo(code, 0x100);
        return WriteFile("bomb", BzImageWriter.Write(new BzImageSpec
        {
            ProtectedModeCode = code,
            Payload = (0x100, (uint)payload.Length),
            InitSize = 1u << 30,
        }));
    }

    private string Sparse()
    {
        var path = Path.Combine(Dir, "sparse");
        using var file = File.Create(path);
        file.Write(BzImageWriter.Write(new BzImageSpec()));
        file.SetLength(3_000_000_000);
        return path;
    }

    [Test]
    public void Every_verb_on_a_device_a_sparse_huge_file_and_a_bomb_ends_promptly_within_bounded_memory()
    {
        var problems = new List<string>();
        foreach (var path in new[] { "/dev/zero", "/dev/urandom", Sparse(), Bomb() })
        {
            foreach (var args in VerbsOn(path))
            {
                using var process = Process.GetCurrentProcess();
                process.Refresh();
                var before = process.WorkingSet64;
                var peak = before;
                using var stop = new CancellationTokenSource();
                var sampler = Task.Run(() =>
                {
                    using var self = Process.GetCurrentProcess();
                    while (!stop.IsCancellationRequested)
                    {
                        self.Refresh();
                        peak = Math.Max(peak, self.WorkingSet64);
                        Thread.Sleep(5);
                    }
                });
                var watch = Stopwatch.StartNew();
                var (code, _, error) = Run(args);
                watch.Stop();
                stop.Cancel();
                sampler.Wait();
                var line = $"{string.Join(' ', args)}: exit {code}, {watch.Elapsed.TotalMilliseconds:F0} ms, +{(peak - before) >> 20} MiB ({error.Trim()})";
                TestContext.Out.WriteLine(line);
                if (watch.Elapsed > Prompt || peak - before > Growth || error.Contains("internal"))
                    problems.Add(line);
            }
        }
        problems.ShouldBeEmpty();
    }
}
