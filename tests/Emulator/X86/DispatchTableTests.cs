using Iced.Intel;
using LoaderHarness.Emulator.X86;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>The interpreter's tables are sized by constants, not by reflecting over Iced's enums at start-up: every value must fit.</summary>
[TestFixture]
public sealed class DispatchTableTests
{
    [Test]
    public void Every_iced_code_mnemonic_and_register_fits_the_tables()
    {
        Enum.GetValues<Code>().Length.ShouldBeLessThanOrEqualTo(DispatchTable.CodeCapacity);
        Enum.GetValues<Mnemonic>().Length.ShouldBeLessThanOrEqualTo(DispatchTable.MnemonicCapacity);
        Enum.GetValues<Register>().Length.ShouldBeLessThanOrEqualTo(X86Cpu.RegisterCapacity);
    }
}
