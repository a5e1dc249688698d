using LoaderHarness.Emulator.Traces;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Traces;

/// <summary>Aligning two traces and finding where they first differ.</summary>
[TestFixture]
public class TraceDiffTests
{
    private static List<TraceRecord> Trace(params (ulong Pc, string Text, ulong Rax, ulong Rbx)[] steps) =>
        [.. steps.Select((s, i) => new TraceRecord(i, i + 1, s.Pc, s.Text,
            new Dictionary<string, TraceValue> { ["rax"] = new(s.Rax, 64), ["rbx"] = new(s.Rbx, 64) }))];

    private static TraceDiffResult Diff(List<TraceRecord> a, List<TraceRecord> b, TraceDiffOptions? options = null) =>
        TraceDiff.Compare(() => a, () => b, options);

    [Test]
    public void Equal_traces_agree_to_their_end()
    {
        var a = Trace((0x10, "nop", 0, 0), (0x11, "inc %eax", 0, 0), (0x13, "hlt", 1, 0));

        var result = Diff(a, a);

        result.Agrees.ShouldBeTrue();
        result.Agreed.ShouldBe(3);
        result.EndedA.ShouldBeTrue();
    }

    [Test]
    public void A_seeded_register_difference_is_reported_at_its_instruction_with_the_one_before()
    {
        var a = Trace((0x10, "nop", 0, 0), (0x11, "inc %eax", 0, 0), (0x13, "nop", 1, 0), (0x14, "hlt", 1, 0));
        var b = Trace((0x10, "nop", 0, 0), (0x11, "inc %eax", 0, 0), (0x13, "nop", 2, 0), (0x14, "hlt", 2, 0));

        var d = Diff(a, b).Divergence.ShouldNotBeNull();

        d.A.Index.ShouldBe(2);
        d.Registers.ShouldBe(["rax"]);
        d.PreviousA!.Instruction.ShouldBe("inc %eax");
        d.PcDiffers.ShouldBeFalse();
    }

    [Test]
    public void A_different_path_is_a_divergence_of_addresses()
    {
        var a = Trace((0x10, "jz 0x20", 0, 0), (0x12, "nop", 0, 0));
        var b = Trace((0x10, "jz 0x20", 0, 0), (0x20, "nop", 0, 0));

        var d = Diff(a, b).Divergence.ShouldNotBeNull();

        d.PcDiffers.ShouldBeTrue();
        d.B.Pc.ShouldBe(0x20UL);
    }

    [Test]
    public void Traces_align_at_the_first_trace_start_found_in_the_second()
    {
        var firmware = Trace((0xFFF0, "jmp", 9, 9), (0x10, "nop", 0, 0), (0x11, "hlt", 0, 0));
        var kernel = Trace((0x10, "nop", 0, 0), (0x11, "hlt", 0, 0));

        var result = Diff(kernel, firmware);

        result.Start.ShouldBe(0x10UL);
        result.Agrees.ShouldBeTrue();
        Diff(firmware, kernel).Start.ShouldBe(0x10UL, "either way round");
    }

    [Test]
    public void An_undefined_entry_register_is_compared_once_both_traces_set_it()
    {
        var a = Trace((0x10, "mov $5,%ebx", 0, 0x6000), (0x15, "nop", 0, 5), (0x16, "hlt", 0, 6));
        var b = Trace((0x10, "mov $5,%ebx", 0, 0x21E0), (0x15, "nop", 0, 5), (0x16, "hlt", 0, 5));

        Diff(a, b).Divergence!.A.Index.ShouldBe(0, "without the normalisation the entry value differs");
        var d = Diff(a, b, new TraceDiffOptions { UntilEqual = ["rb*"] }).Divergence.ShouldNotBeNull();
        d.A.Index.ShouldBe(2, "once equal at instruction 1, rbx is compared");
        Diff(a, b, new TraceDiffOptions { Ignore = ["rbx"] }).Agrees.ShouldBeTrue();
    }

    [Test]
    public void Cpuid_results_are_compared_again_only_once_equal()
    {
        var a = Trace((0x10, "cpuid", 0x4000_0000, 0), (0x12, "xor %ebx,%ebx", 0x4000_0001, 0x4C64), (0x14, "hlt", 0x4000_0001, 0));
        var b = Trace((0x10, "cpuid", 0x4000_0000, 0), (0x12, "xor %ebx,%ebx", 0x4000_0001, 0x5443), (0x14, "hlt", 0x4000_0001, 0));

        Diff(a, b).Divergence!.A.Index.ShouldBe(1);
        Diff(a, b, new TraceDiffOptions { ResyncAfter = new Dictionary<string, IReadOnlyList<string>> { ["cpuid"] = ["rax", "rbx"] } })
            .Agrees.ShouldBeTrue();
    }

    [Test]
    public void The_limit_bounds_the_comparison()
    {
        var a = Trace((0x10, "nop", 0, 0), (0x11, "nop", 1, 0));
        var b = Trace((0x10, "nop", 0, 0), (0x11, "nop", 2, 0));

        var result = Diff(a, b, new TraceDiffOptions { Limit = 1 });

        result.Agrees.ShouldBeTrue();
        result.Agreed.ShouldBe(1);
    }
}
