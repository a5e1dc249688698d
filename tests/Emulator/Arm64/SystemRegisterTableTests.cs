using LoaderHarness.Emulator.Arm64;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>The system-register encodings, checked against Capstone's own register names (an independent table).</summary>
[TestFixture]
public class SystemRegisterTableTests
{
    [Test]
    public void Keys_and_names_are_unique()
    {
        SystemRegisterTable.All.Select(d => d.Key).ShouldBeUnique();
        SystemRegisterTable.All.Select(d => d.Name).ShouldBeUnique();
    }

    private static IEnumerable<TestCaseData> Registers() =>
        SystemRegisterTable.All.Select(d => new TestCaseData(d.Name, d.Key).SetName($"mrs_{d.Name}"));

    [TestCaseSource(nameof(Registers))]
    public void Capstone_names_the_encoding_like_the_table(string name, int key)
    {
        // MRS x0, <reg> = 0xD5300000 | key << 5; MSR <reg>, x0 = 0xD5100000 | key << 5 (Arm ARM C6.2 MRS, MSR).
        // Write-only (OSLAR_EL1) and read-only registers are named by Capstone only in their own direction.
        var read = CapstoneA64.Describe(0xD530_0000u | ((uint)key << 5))?.Operands.Replace("x0, ", "");
        var write = CapstoneA64.Describe(0xD510_0000u | ((uint)key << 5))?.Operands.Replace(", x0", "");
        // Capstone 4 predates some names and prints the generic s<op0>_<op1>_c<n>_c<m>_<op2> form for them.
        var generic = $"s{key >> 14}_{(key >> 11) & 7}_c{(key >> 7) & 15}_c{(key >> 3) & 15}_{key & 7}";
        // (ZCR, HFG*TR, HCRX, AMUSERENR): then the generic form must match the encoding instead.
        new[] { read, write }.ShouldContain(n => n == name.ToLowerInvariant() || n == generic, $"Capstone: mrs {read} / msr {write}");
    }
}
