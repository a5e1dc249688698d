using LoaderHarness.Emulator.Boot;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Symbols;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Boot;

/// <summary>A boot's symbols recovered in the background while its guest loads: once, with the recovery's own errors, and never outliving the source.</summary>
[TestFixture]
public sealed class SymbolSourceTests
{
    private static readonly SymbolTable Table = new([new KernelSymbol(0xFFFF_FFFF_8100_0000, 'T', "_text"), new KernelSymbol(0xFFFF_FFFF_8200_0000, 'T', "start_kernel")]);

    [SetUp]
    public void OnlyWithTwoCores()
    {
        if (Environment.ProcessorCount < 2)
            Assert.Ignore("a single core recovers on first use, not in the background");
    }

    [Test]
    public void A_background_recovery_is_the_one_the_first_lookup_gets()
    {
        var recoveries = 0;
        var recovering = Environment.CurrentManagedThreadId;
        using var source = new SymbolSource(() =>
        {
            Interlocked.Increment(ref recoveries);
            recovering = Environment.CurrentManagedThreadId;
            return Table;
        });

        source.RecoverInBackground("start_kernel");

        source.Measure(t => t.AddressOf("start_kernel")).ShouldBe(0xFFFF_FFFF_8200_0000UL);
        source.Table.ShouldBeSameAs(Table);
        recoveries.ShouldBe(1);
        recovering.ShouldNotBe(Environment.CurrentManagedThreadId);
    }

    [Test]
    public void A_failed_background_recovery_throws_its_own_error_at_the_first_lookup()
    {
        using var source = new SymbolSource(() => throw new LoaderException(LoaderError.UnknownSymbol, "no kallsyms"));
        source.RecoverInBackground("start_kernel");

        Should.Throw<LoaderException>(() => source.Table).Code.ShouldBe(LoaderError.UnknownSymbol);
    }

    [Test]
    public void Disposing_waits_for_a_recovery_still_running()
    {
        using var release = new ManualResetEventSlim();
        var finished = false;
        var source = new SymbolSource(() =>
        {
            release.Wait();
            Thread.Sleep(50);
            finished = true;
            return Table;
        });
        source.RecoverInBackground("start_kernel");

        release.Set();
        source.Dispose();

        Volatile.Read(ref finished).ShouldBeTrue();
    }
}
