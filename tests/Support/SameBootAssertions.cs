using System.Text.Json;
using LoaderHarness.Emulator.Boot;
using Shouldly;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// Two boots of one kernel that must end identically (interpreter and compiling tier, synchronous and background
/// compilation): the same stop, place, instruction count, console, kernel placement, readback and verdicts.
/// </summary>
internal static class SameBootAssertions
{
    /// <summary>Asserts that <paramref name="actual"/> ended exactly as <paramref name="expected"/> did.</summary>
    public static void ShouldEndAs(this BootReport actual, BootReport expected)
    {
        actual.StopReason.ShouldBe(expected.StopReason, actual.StopDetail);
        actual.Milestone.ShouldBe(expected.Milestone);
        actual.StopPc.ShouldBe(expected.StopPc);
        actual.StopLocation.ShouldBe(expected.StopLocation);
        actual.Instructions.ShouldBe(expected.Instructions);
        actual.Console.ShouldBe(expected.Console);
        actual.LastConsoleLine.ShouldBe(expected.LastConsoleLine);
        actual.KernelPhysical.ShouldBe(expected.KernelPhysical);
        JsonSerializer.Serialize(actual.Readback).ShouldBe(JsonSerializer.Serialize(expected.Readback));
        actual.Contracts.Select(c => $"{c.Contract.Id}: {c.Verdict} {c.Detail}")
            .ShouldBe(expected.Contracts.Select(c => $"{c.Contract.Id}: {c.Verdict} {c.Detail}"));
    }
}
